import { insideAny } from "./span-index.js";
import type { Span } from "./types.js";

export interface CommentOptions {
  /** Dockerfile RUN text: an escaped line break continues the line, and so the comment. */
  escapeChar?: string;
  /** PowerShell `<# … #>` block comments. */
  blocks?: boolean;
  /** The escape character inside double quotes: `\` (default), PowerShell's `` ` ``. */
  quoteEscape?: string;
}

/**
 * Ranges of `#` comments in `text[start, end)`: a `#` at the start of a word, outside quotes, runs
 * to the end of its line. Quotes are tracked within a line only, which keeps prose apostrophes from
 * hiding a whole file.
 */
export function hashComments(
  text: string,
  start: number,
  end: number,
  options: CommentOptions = {},
): Span[] {
  const out: Span[] = [];
  let quote: string | null = null;
  let i = start;
  while (i < end) {
    const c = text[i];
    if (c === "\n" || c === "\r") {
      quote = null;
      i++;
      continue;
    }
    if (quote) {
      if (c === (options.quoteEscape ?? "\\") && quote === '"') i++;
      else if (c === quote) quote = null;
      i++;
      continue;
    }
    if (options.blocks && c === "<" && text[i + 1] === "#") {
      const close = text.indexOf("#>", i + 2);
      const stop = close < 0 || close + 2 > end ? end : close + 2;
      out.push({ start: i, end: stop });
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      i++;
      continue;
    }
    if (c === "#" && (i === start || /[\s;&|(]/.test(text[i - 1] as string))) {
      // In a Dockerfile, a line that starts with `#` inside an instruction is dropped whole.
      const dropped = options.escapeChar !== undefined && startsLine(text, i, start);
      const stop = lineEnd(text, i, end, dropped ? undefined : options.escapeChar);
      out.push({ start: i, end: stop });
      i = stop;
      continue;
    }
    i++;
  }
  return out;
}

/** Whether only blanks stand between the start of `i`'s line (after `start`) and `i`. */
function startsLine(text: string, i: number, start: number): boolean {
  let j = i - 1;
  while (j >= start && (text[j] === " " || text[j] === "\t")) j--;
  return j >= start && (text[j] === "\n" || text[j] === "\r");
}

/**
 * The end of a comment that starts at `from`: its line's end, or, where an escaped line break
 * continues the line, the end of the logical line (comment and blank lines in between are dropped).
 */
function lineEnd(text: string, from: number, end: number, escapeChar: string | undefined): number {
  let i = from;
  while (i < end) {
    const c = text[i];
    if (c === "\n" || c === "\r") {
      if (!escapeChar || !escapedBreak(text, i, escapeChar)) return i;
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      i = skipDroppedLines(text, i, end);
      continue;
    }
    i++;
  }
  return end;
}

/** Skips whole lines that are blank or hold only a `#` comment. */
function skipDroppedLines(text: string, from: number, end: number): number {
  let i = from;
  for (;;) {
    const m = /^[ \t]*(#[^\r\n]*)?(\r\n|\n|\r)/.exec(text.slice(i, Math.min(end, i + 4096)));
    if (!m) return i;
    i += m[0].length;
  }
}

/** Whether the line break at `i` is preceded by the escapeChar character (and optional blanks). */
function escapedBreak(text: string, i: number, escapeChar: string): boolean {
  let j = i - 1;
  if (text[i] === "\n" && text[j] === "\r") j--;
  while (j >= 0 && (text[j] === " " || text[j] === "\t")) j--;
  return text[j] === escapeChar;
}

/** Whether some span holds `offset`; O(log n) per call after the first (see `span-index.ts`). */
export function inside(spans: readonly Span[], offset: number): boolean {
  return insideAny(spans, offset);
}
