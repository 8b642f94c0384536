/**
 * The `/uv-update` comment command, read the way GitHub renders the comment: a command is a line
 * of its own (up to 3 leading spaces), never inside a quote, a fenced or indented code block, an
 * HTML comment, or a code span. Pure: a comment body in, the first command (or null) out.
 */

export type CommandName = "run" | "check" | "rebase" | "help";

export interface Command {
  command: CommandName;
  /** What followed `/uv-update` when it is not a known subcommand (then `command` is "help"). */
  unknown: string | null;
}

const SUBCOMMANDS: Record<string, CommandName> = { check: "check", rebase: "rebase", help: "help" };
const COMMAND = "/uv-update";

/**
 * What follows `/uv-update` on a command line, blanks trimmed, or null when the line is not one:
 * `/^ {0,3}\/uv-update(?:[ \t]+(.*?))?[ \t]*$/`, read without that regex's backtracking (its
 * `[ \t]+`, `.*?` and `[ \t]*` share the blanks: cubic on a long line of them).
 */
function commandRest(line: string): string | null {
  let i = 0;
  while (i < 3 && line[i] === " ") i++;
  if (!line.startsWith(COMMAND, i)) return null;
  const after = line.slice(i + COMMAND.length);
  // `.` does not match a line terminator, and `[ \t]` does not either.
  if (/[\n\r\u2028\u2029]/.test(after)) return null;
  const rest = after.replace(/^[ \t]+/, "");
  if (rest.length === after.length && rest !== "") return null;
  let end = rest.length;
  while (end > 0 && (rest[end - 1] === " " || rest[end - 1] === "\t")) end--;
  return rest.slice(0, end);
}

/** `indented`: a line that continues a paragraph; part of it, but not a line start. */
type Kind = "blank" | "text" | "indented" | "hidden";

/** The first command in a comment body, or null when there is none. */
export function parseCommand(body: string): Command | null {
  const lines = body.split(/\r\n|\r|\n/);
  const kinds = classify(lines);
  // Text lines in runs (paragraphs), so that a code span opened on one line hides the next.
  for (let i = 0; i < lines.length; i++) {
    if (kinds[i] !== "text") continue;
    let end = i;
    while (kinds[end + 1] === "text" || kinds[end + 1] === "indented") end++;
    const paragraph = lines.slice(i, end + 1);
    const hidden = lineStartsInCodeSpan(paragraph);
    for (let j = 0; j < paragraph.length; j++) {
      const found =
        hidden[j] || kinds[i + j] !== "text" ? null : readCommand(paragraph[j] as string);
      if (found) return found;
    }
    i = end;
  }
  return null;
}

function readCommand(line: string): Command | null {
  const rest = commandRest(line);
  if (rest === null) return null;
  if (rest === "") return { command: "run", unknown: null };
  const known = SUBCOMMANDS[rest.toLowerCase()];
  return known ? { command: known, unknown: null } : { command: "help", unknown: rest };
}

/**
 * Each line's kind. Hidden: fenced code, indented code, an HTML comment, a quote and the lazy
 * continuation lines that render inside it.
 */
function classify(lines: readonly string[]): Kind[] {
  const kinds: Kind[] = [];
  let fence: { char: string; length: number } | null = null;
  let htmlComment = false;
  let quote = false;
  for (const line of lines) {
    const previous = kinds[kinds.length - 1] ?? "blank";
    const inQuote: boolean = quote;
    quote = false;
    const { width, rest } = indentation(line);
    let kind: Kind = "hidden";
    if (fence) {
      if (closesFence(line, fence)) fence = null;
    } else if (htmlComment) {
      htmlComment = !line.includes("-->");
    } else if (rest === "") {
      kind = "blank";
    } else if (width >= 4) {
      quote = inQuote;
      if (!inQuote && (previous === "text" || previous === "indented")) kind = "indented";
    } else if (rest.startsWith(">")) {
      // Only a quoted paragraph continues lazily (not a quoted code fence).
      const inner = rest.slice(1).trim();
      quote = inner !== "" && !opensFence(inner);
    } else {
      const opened = opensFence(rest);
      if (opened) fence = opened;
      else if (rest.startsWith("<!--")) htmlComment = !rest.slice(4).includes("-->");
      else if (inQuote) quote = true;
      else kind = "text";
    }
    kinds.push(kind);
  }
  return kinds;
}

/** Leading whitespace as columns (a tab to the next multiple of 4), and the line after it. */
function indentation(line: string): { width: number; rest: string } {
  let width = 0;
  let i = 0;
  for (; i < line.length; i++) {
    if (line[i] === " ") width++;
    else if (line[i] === "\t") width += 4 - (width % 4);
    else break;
  }
  return { width, rest: line.slice(i).trimEnd() };
}

function opensFence(rest: string): { char: string; length: number } | null {
  const m = /^(`{3,}|~{3,})(.*)$/.exec(rest);
  if (!m) return null;
  const run = m[1] as string;
  // A backtick fence's info string cannot hold a backtick (then the line is a code span).
  if (run[0] === "`" && (m[2] as string).includes("`")) return null;
  return { char: run[0] as string, length: run.length };
}

function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const { width, rest } = indentation(line);
  if (width >= 4) return false;
  const m = /^(`+|~+)$/.exec(rest);
  return (
    m !== null && (m[1] as string)[0] === fence.char && (m[1] as string).length >= fence.length
  );
}

/**
 * For each line of a paragraph, whether it starts inside a code span: a run of N backticks opens
 * one when a run of exactly N backticks follows somewhere in the paragraph (CommonMark), and a
 * backslash keeps a backtick from opening one. Linear: the closing runs are looked up in a list
 * of the paragraph's backtick runs by length, each list read forwards once.
 */
function lineStartsInCodeSpan(paragraph: readonly string[]): boolean[] {
  const text = paragraph.join("\n");
  // Every maximal run of backticks, by length: where a run of exactly N can close a span.
  const runsByLength = new Map<number, { starts: number[]; next: number }>();
  for (let k = 0; k < text.length; ) {
    if (text[k] !== "`") {
      k++;
      continue;
    }
    const n = runLength(text, k);
    const list = runsByLength.get(n);
    if (list) list.starts.push(k);
    else runsByLength.set(n, { starts: [k], next: 0 });
    k += n;
  }
  const spans: [number, number][] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\") {
      i += 2;
      continue;
    }
    if (text[i] !== "`") {
      i++;
      continue;
    }
    const open = runLength(text, i);
    // The first run of exactly `open` backticks that starts after this one ends. Openers only
    // move forwards, so a list's cursor never moves back.
    const list = runsByLength.get(open);
    let close = -1;
    if (list) {
      while (list.next < list.starts.length && (list.starts[list.next] as number) < i + open)
        list.next++;
      close = list.starts[list.next] ?? -1;
    }
    if (close < 0) {
      i += open;
      continue;
    }
    spans.push([i, close + open]);
    i = close + open;
  }
  // Spans are in order and disjoint, and so are the line starts: one pass over both.
  const starts: boolean[] = [];
  let at = 0;
  let s = 0;
  for (const line of paragraph) {
    while (s < spans.length && (spans[s] as [number, number])[1] <= at) s++;
    const span = spans[s];
    starts.push(span !== undefined && span[0] < at && at < span[1]);
    at += line.length + 1;
  }
  return starts;
}

function runLength(text: string, at: number): number {
  let n = 0;
  while (text[at + n] === "`") n++;
  return n;
}
