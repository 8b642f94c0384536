/**
 * Escaping for what the pull request shows that comes from outside: release notes, file paths,
 * reasons, versions. The rules hold wherever GitHub ends up reading the text (prose, a code span,
 * a code block, a table cell), so they do not depend on parsing Markdown the way GitHub does:
 *
 * - an invisible U+200D (zero-width joiner) goes after `@` before a name, after `#` before a
 *   digit, into `GH-1`, after `<` before a tag name, `/`, `!` or `?`, after `&` of an entity
 *   (`&#64;` would turn back into `@`) and into `[^` (footnotes render outside our sections):
 *   no mention, team mention, cross-reference, HTML tag or comment survives, and the text looks
 *   the same;
 * - in release notes, `github.com` links point at `redirect.github.com`, so a pull request in
 *   every repository does not show up on each uv issue and pull request the notes link to; links
 *   stay links;
 * - release notes are quoted (`> ` on every line), so nothing in them (an unclosed code fence, a
 *   list) can run past the end of the quote into our sections;
 * - single-line values lose control characters, line breaks and bidi overrides; in a table, every
 *   `|` is escaped whatever backslashes stand before it.
 */

/** U+200D ZERO WIDTH JOINER. */
export const ZWJ = "\u200d";

/** Control characters, line and paragraph separators, bidi marks, overrides and isolates. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
/** The same, but keeping line feeds and tabs (for multi-line text). */
const CONTROL_KEEP_LINES =
  /[^\P{Cc}\n\t]|[\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Inserts the joiner where GitHub would otherwise find a mention, reference, tag or entity. */
export function neutralise(text: string): string {
  return text
    .replace(/<(?=[A-Za-z/!?])/g, `<${ZWJ}`)
    .replace(/@(?=[A-Za-z0-9])/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(gh)-(?=\d)/gi, `$1${ZWJ}-`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, `&${ZWJ}`)
    .replace(/\[\^/g, `[${ZWJ}^`);
}

/** `github.com` links (with a scheme or `www.`) go through `redirect.github.com`. */
export function redirectGitHub(text: string): string {
  return text
    .replace(/\bhttps?:\/\/(?:www\.)?github\.com(?![\w.-])/gi, "https://redirect.github.com")
    .replace(/(?<![\w./:-])www\.github\.com(?![\w.-])/gi, "https://redirect.github.com");
}

/** A value on one line: control characters and line breaks become spaces, long values end in `…`. */
export function flatten(value: string, max = 1000): string {
  const text = value.replace(CONTROL, " ");
  return text.length > max ? `${cut(text, max - 1)}…` : text;
}

/** The first `n` UTF-16 units of a text, without splitting a surrogate pair. */
export function cut(text: string, n: number): string {
  if (n <= 0) return "";
  if (n >= text.length) return text;
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** Escapes every `|` for a GFM table cell: an even run of backslashes before it gets one more. */
export function escapePipes(text: string): string {
  return text.replace(/(\\*)\|/g, (_, slashes: string) =>
    slashes.length % 2 === 0 ? `${slashes}\\|` : `${slashes}|`,
  );
}

export interface InlineOptions {
  /** The text goes into a table cell. */
  table?: boolean;
  /** At most this many characters of the value are kept. */
  max?: number;
}

/** Untrusted prose on one line (a reason, a note): its Markdown kept, neutralised. */
export function inlineText(value: string, options: InlineOptions = {}): string {
  const text = neutralise(flatten(value, options.max));
  return options.table ? escapePipes(text) : text;
}

/** Untrusted text as a code span (shown literally), safe in a table cell when `table` is set. */
export function codeSpan(value: string, options: InlineOptions = {}): string {
  let text = flatten(value, options.max).replace(/<(?=[A-Za-z/!?])/g, `<${ZWJ}`);
  if (options.table) text = escapePipes(text);
  if (text.trim() === "") return "(empty)";
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Untrusted text inside our own HTML (`<summary>`): neutralised, then `& < > "` as entities. */
export function htmlText(value: string): string {
  return neutralise(flatten(value, 200))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * Release notes as a Markdown block quote: line endings normalised, control characters dropped,
 * `<https://…>` autolinks turned into links (their `<` would be neutralised), GitHub links
 * redirected, everything neutralised, task-list boxes made plain text (GitHub would count them as
 * the pull request's tasks), and `> ` before every line.
 */
export function quoteNotes(notes: string): string {
  const text = neutralise(
    redirectGitHub(
      notes
        .replace(/\r\n?/g, "\n")
        .replace(CONTROL_KEEP_LINES, "")
        .replace(/<(https?:\/\/[^\s<>()[\]`]+)>/gi, "[$1]($1)"),
    ),
  ).replace(/^([ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]+)\[([ xX])\]/gm, `$1[${ZWJ}$2]`);
  return text
    .replace(/\n+$/, "")
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");
}

/** A plain https URL with nothing that could end a Markdown link early. */
const SAFE_URL =
  /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~!$&*+,;=:@%/-]*)?(?:#[\w.-]*)?$/;

export function isSafeUrl(url: string): boolean {
  return SAFE_URL.test(url);
}

/** `[text](url)` when the URL is plain https, otherwise the text alone. */
export function link(text: string, url: string | null): string {
  return url !== null && isSafeUrl(url) ? `[${text}](${url})` : text;
}

/** A URL path segment: `encodeURIComponent`, plus the characters it leaves that Markdown reads. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
