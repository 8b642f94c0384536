/**
 * Line bookkeeping for one file's text. Line breaks are `\r\n`, `\n` and a lone `\r`, as in the
 * language-server text documents that `dockerfile-ast` positions refer to. The line starts are
 * found once per file, on first use (a file that turns out to hold no pin never pays for them).
 */
export class Lines {
  private computed: number[] | undefined;

  constructor(readonly text: string) {}

  /** Offset of the first character of each line. */
  get starts(): number[] {
    this.computed ??= lineStarts(this.text);
    return this.computed;
  }

  /** Offset of a zero-based line and character, clamped to the text. */
  offsetAt(line: number, character: number): number {
    const starts = this.starts;
    if (line >= starts.length) return this.text.length;
    const start = starts[Math.max(0, line)] ?? 0;
    const next = starts[line + 1] ?? this.text.length;
    return Math.min(start + character, next);
  }

  /** The 0-based line that `lineOf` found last (offsets are mostly asked in order). */
  private last = 0;

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    const starts = this.starts;
    const last = this.last;
    if (
      last < starts.length &&
      (starts[last] as number) <= offset &&
      (last + 1 === starts.length || offset < (starts[last + 1] as number))
    ) {
      return last + 1;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return lo + 1;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  if (!text.includes("\r")) {
    // The common case: `\n` only, found by the engine's own search.
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The end of the line at `i` (the offset of its line break, or the text's length). */
export function lineEndAny(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) break;
    i++;
  }
  return i;
}

/** The start of the line after the line break at `eol` (`\r\n` is one break). */
export function nextLine(text: string, eol: number): number {
  if (text.charCodeAt(eol) === 13 && text.charCodeAt(eol + 1) === 10) return eol + 2;
  return eol + 1;
}
