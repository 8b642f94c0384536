/**
 * Parser directives (`# syntax=…`, `# escape=…`, `# check=…` at the top of a Dockerfile) as
 * BuildKit reads them (frontend/dockerfile/parser/directives.go): line by line from the first, each
 * line (leading white space and, on the first line, a byte order mark removed) must be `#`, white
 * space, a name, `=`, a value that runs to the end of the line (trailing white space removed); the
 * first line that is not, or whose name is none of the three, ends them. A repeated directive or an
 * escape value other than `\` and `` ` `` fails the build; this reading stops there with `\`.
 *
 * dockerfile-ast 0.7.1 reads them differently in three ways that lose pins: a second `#…=` after a
 * value on the same line counts as one more directive line (the parse then starts a line late and
 * skips an instruction), blanks after a value end the directives (an `escape` on the next line is
 * ignored), and any name counts (an `escape` after an unknown directive is used). `astInput` gives
 * it a text with the same length and line breaks in which it reads BuildKit's escape character.
 * Line breaks are `\n`, `\r\n` and a lone `\r`, as everywhere in this scanner (BuildKit does not
 * break at a lone `\r`; such files are read as dockerfile-ast reads their lines).
 */

import { lineEndAny, nextLine } from "./lines.js";

export interface ParserDirectives {
  /** The escape character of the instructions: `\` unless an `escape` directive sets `` ` ``. */
  escapeChar: "\\" | "`";
  /** Where each directive line starts and ends (line break excluded), in order. */
  lines: { start: number; end: number }[];
}

const NAMES = new Set(["syntax", "escape", "check"]);

/** Go's unicode.IsSpace. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** The `\s` of Go's regexp (within a line). */
function isRegexSpace(c: number): boolean {
  return c === 9 || c === 10 || c === 12 || c === 13 || c === 32;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isLetter(c) || (c >= 48 && c <= 57);

/** A directive line's name (lower case) and value, or null: BuildKit's regex, without backtracking. */
function directiveOf(
  text: string,
  start: number,
  end: number,
): { name: string; value: string } | null {
  let i = start;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 35 /* # */ || i >= end) return null;
  i++;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  const nameStart = i;
  if (i >= end || !isLetter(text.charCodeAt(i))) return null;
  while (i < end && isAlnum(text.charCodeAt(i))) i++;
  const name = text.slice(nameStart, i).toLowerCase();
  while (i < end && isRegexSpace(text.charCodeAt(i))) i++;
  if (i >= end || text.charCodeAt(i) !== 61 /* = */) return null;
  i++;
  while (i < end && isRegexSpace(text.charCodeAt(i))) i++;
  let last = end;
  while (last > i && isRegexSpace(text.charCodeAt(last - 1))) last--;
  // `(.+?)`: at least one character.
  if (last <= i) return null;
  return { name, value: text.slice(i, last) };
}

/** The parser directives BuildKit reads at the top of `text` (at most one line per name). */
export function parserDirectives(text: string): ParserDirectives {
  const out: ParserDirectives = { escapeChar: "\\", lines: [] };
  const seen = new Set<string>();
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    const end = lineEndAny(text, start);
    const directive = directiveOf(text, start, end);
    if (directive === null || !NAMES.has(directive.name) || seen.has(directive.name)) break;
    seen.add(directive.name);
    if (directive.name === "escape") {
      if (directive.value !== "\\" && directive.value !== "`") break;
      out.escapeChar = directive.value;
    }
    out.lines.push({ start, end });
    if (end >= text.length) break;
    start = nextLine(text, end);
  }
  return out;
}

/** `#escape=` and one character: the shortest line that sets the escape character. */
const ESCAPE_LINE = 9;

/**
 * The text to give dockerfile-ast: `text` with the same length and line breaks, in which
 * dockerfile-ast reads BuildKit's escape character and starts its instructions after the lines
 * it took as directives. With `\`, its first line (when dockerfile-ast would read a directive
 * there) loses its `=`s: no directive at all, every `#` line a comment. With `` ` ``, the first
 * directive line that is long enough becomes `#escape=`` ` followed by blanks (the lines before it
 * are `#check=x`, which dockerfile-ast reads as BuildKit does), and the line after it loses its
 * `=`s so that dockerfile-ast reads no more directives. Comments keep their extent.
 */
export function astInput(text: string): string {
  const directives = parserDirectives(text);
  if (directives.escapeChar === "\\") {
    const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    return withoutEquals(text, start);
  }
  // Found whenever the escape is a backtick: the escape line itself has 9 characters or more (a
  // shorter directive line before it can only be `#check=x`). The test is for the type.
  const target = directives.lines.find((l) => l.end - l.start >= ESCAPE_LINE);
  if (target === undefined) return text;
  const written = `#escape=\`${" ".repeat(target.end - target.start - ESCAPE_LINE)}`;
  const next = target.end < text.length ? nextLine(text, target.end) : text.length;
  const rest = withoutEquals(text, next);
  return rest.slice(0, target.start) + written + rest.slice(target.end);
}

/**
 * `text` with the `=`s of the line at `start` made blanks when dockerfile-ast would read that line
 * as a directive (blanks, then `#`); else `text` itself.
 */
function withoutEquals(text: string, start: number): string {
  let i = start;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) !== 35) return text;
  const end = lineEndAny(text, i);
  const line = text.slice(i, end);
  if (!line.includes("=")) return text;
  return text.slice(0, i) + line.replaceAll("=", " ") + text.slice(end);
}
