/**
 * The words of shell (or PowerShell) text, read without a shell parser: the text with comments
 * and continuations blanked, cut into pieces at `;`, `;;`, `&&`, `||` and newlines, each piece
 * read as quote-aware words. Every step is one pass, so the cost is linear in the text's size.
 */
import type { Span } from "./types.js";

export interface Word {
  /** The word as written (quotes kept). */
  raw: string;
  /** The word with quotes removed and `${NAME}` written `$NAME`. */
  key: string;
  start: number;
  end: number;
}

export interface Piece {
  start: number;
  end: number;
  /** Ends with `;;`/`;&`: the end of a `case` arm. */
  endsBranch: boolean;
}

const MAX_COMMAND = 16_384;

/** The word with its quote characters removed (one string built, however long the word). */
export function unquote(word: string): string {
  return word.includes('"') || word.includes("'") ? word.replace(/["']/g, "") : word;
}

/** The key two words are compared by: quotes removed, `${NAME}` as `$NAME`, `$$` as `$`. */
export function wordKey(word: string): string {
  const unquoted = unquote(word);
  // Each rewrite below starts at a `$`.
  if (!unquoted.includes("$")) return unquoted;
  return unquoted
    .replace(/\$\$/g, "$")
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "$$$1")
    .replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, "$$$1");
}

/** `"$TARGETARCH"` → `TARGETARCH`; `"$(uname -m)"` → `$(uname -m)`. */
export function subjectOf(word: string): string {
  const w = unquote(word);
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w);
  return m ? (m[1] as string) : w;
}

/** `text[start, end)` with the `blank` ranges turned into spaces (same length). */
export function blanked(text: string, start: number, end: number, blank: readonly Span[]): string {
  let out = "";
  let i = start;
  for (const b of [...blank].sort((x, y) => x.start - y.start)) {
    if (b.end <= i || b.start >= end) continue;
    const from = Math.max(i, b.start);
    const to = Math.min(end, b.end);
    out += text.slice(i, from) + " ".repeat(to - from);
    i = to;
  }
  return out + text.slice(i, end);
}

/**
 * Splits the text at unquoted newlines, `;`, `;;`, `&&` and `||` outside `(…)`. A newline also
 * ends a quote (quotes are tracked within a line), and a piece never grows past MAX_COMMAND.
 */
export function pieces(clean: string, offset: number, powershell: boolean): Piece[] {
  const out: Piece[] = [];
  let from = 0;
  let quote: string | null = null;
  let depth = 0;
  const cut = (to: number, next: number, endsBranch: boolean) => {
    if (to > from) out.push({ start: offset + from, end: offset + to, endsBranch });
    else if (endsBranch) out.push({ start: offset + to, end: offset + to, endsBranch });
    from = next;
  };
  for (let k = 0; k < clean.length; k++) {
    const ch = clean[k] as string;
    if (ch === "\n" || ch === "\r") {
      quote = null;
      if (depth === 0 || k - from > MAX_COMMAND) {
        depth = 0;
        cut(k, k + 1, false);
      }
      continue;
    }
    if (quote) {
      if (ch === "\\" && quote === '"' && !powershell) k++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      continue;
    }
    if (ch === "(" && (depth > 0 || /[$=<@]/.test(clean[k - 1] ?? ""))) {
      depth++;
      continue;
    }
    if (ch === ")" && depth > 0) {
      depth--;
      continue;
    }
    if (depth > 0) continue;
    if (ch === ";") {
      const double = clean[k + 1] === ";" || clean[k + 1] === "&";
      cut(k, k + (double ? 2 : 1), double);
      if (double) k++;
      continue;
    }
    if ((ch === "&" || ch === "|") && clean[k + 1] === ch) {
      cut(k, k + 2, false);
      k++;
    }
  }
  cut(clean.length, clean.length, false);
  return out;
}

/** The words of `body` (quote-aware; `$(…)`, `(…)` and `{…}` kept whole); `s` is its offset. */
export function wordsOf(text: string, body: string, s: number, powershell: boolean): Word[] {
  const words: Word[] = [];
  let k = 0;
  while (k < body.length) {
    while (k < body.length && /\s/.test(body[k] as string)) k++;
    if (k >= body.length) break;
    const w0 = k;
    let quote: string | null = null;
    let depth = 0;
    for (; k < body.length; k++) {
      const ch = body[k] as string;
      if (quote) {
        if (ch === "\\" && quote === '"' && !powershell) k++;
        else if (ch === quote) quote = null;
        continue;
      }
      if (ch === "'" || ch === '"') quote = ch;
      else if ((ch === "(" || ch === "{") && (!powershell || body[k - 1] === "$")) depth++;
      else if ((ch === ")" || ch === "}") && depth > 0) depth--;
      else if (depth === 0 && /\s/.test(ch)) break;
    }
    const raw = text.slice(s + w0, s + k);
    words.push({ raw, key: wordKey(raw), start: s + w0, end: s + k });
  }
  return words;
}
