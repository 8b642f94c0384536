/**
 * 64-hex values standing alone, found without a regex. `/(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])/i`
 * tries its lookbehind at every character and cost more than whole passes of the scanner around it;
 * this loop probes the 64th character of each possible run first and mostly skips 64 ahead.
 */

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * Where the first run of exactly 64 hex digits (either case) with no letter or digit next to it
 * starts in text[from, end), or -1: `/(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])/i` searched
 * from `from`, with `from` and `end` as the text's edges.
 */
export function nextHex64(text: string, from: number, end: number): number {
  let i = from;
  for (;;) {
    const probe = i + 63;
    if (probe >= end) return -1;
    if (!isHex(text.charCodeAt(probe))) {
      i = probe + 1;
      continue;
    }
    // The run holding the probe: text[i - 1] is no hex digit (or i is the start).
    let s = probe;
    while (s > i && isHex(text.charCodeAt(s - 1))) s--;
    let e = probe + 1;
    while (e < end && isHex(text.charCodeAt(e))) e++;
    if (
      e - s === 64 &&
      (s === from || !isAlnum(text.charCodeAt(s - 1))) &&
      (e === end || !isAlnum(text.charCodeAt(e)))
    ) {
      return s;
    }
    i = e + 1;
  }
}

/** Whether text[start, end) holds a 64-hex value standing alone (see `nextHex64`). */
export function hasHex64(text: string, start: number, end: number): boolean {
  return nextHex64(text, start, end) >= 0;
}

/**
 * Where each match of `/(?<![A-Za-z0-9])(?:sha256:)?[a-f0-9]{64}(?![A-Za-z0-9])/gi` in the whole
 * text starts, in order: at the `sha256:` prefix when one that stands alone comes right before
 * the value, else at the value.
 */
export function* hex64Values(text: string): Generator<number> {
  const end = text.length;
  for (let s = nextHex64(text, 0, end); s >= 0; s = nextHex64(text, s + 64, end)) {
    const p = s - 7;
    yield p >= 0 &&
    text.charCodeAt(s - 1) === 58 /* : */ &&
    text.slice(p, s - 1).toLowerCase() === "sha256" &&
    (p === 0 || !isAlnum(text.charCodeAt(p - 1)))
      ? p
      : s;
  }
}
