/**
 * What of a Dockerfile the parser needs to see. Parsing every instruction with dockerfile-ast
 * costs most of a scan (its instruction objects compute their arguments as they are built), yet
 * only a few instructions can hold a uv pin. `maskIrrelevant` returns the text with every
 * instruction that cannot matter replaced by spaces (line breaks kept, so every offset, line and
 * span stays where it was): those hold no uv text, are not FROM/ARG/ENV (stages and variables),
 * and use no variable when a variable could carry uv text. The rest parses exactly as before.
 *
 * It only masks when it is sure of the instruction boundaries dockerfile-ast finds: no heredocs,
 * no `escape` directive, every instruction keyword a plain word; otherwise the text is returned
 * as it is (a full parse). A differential property test checks masked against full parses.
 */

/** An instruction's extent: from its keyword to the end of its last line (line break excluded). */
export interface RawInstruction {
  start: number;
  end: number;
  /** The keyword, upper-cased. */
  keyword: string;
}

const KEEP = new Set(["FROM", "ARG", "ENV"]);

/** Top-level instructions of a Dockerfile (escape `\`), or null when unsure of a boundary. */
export function splitInstructions(text: string): RawInstruction[] | null {
  const out: RawInstruction[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const q = skipBlanks(text, i);
    const eol = lineEnd(text, q);
    if (q === eol || text.charCodeAt(q) === 35 /* # */) {
      i = nextLine(text, eol);
      continue;
    }
    let k = q;
    while (k < n && isLetter(text.charCodeAt(k))) k++;
    const after = text.charCodeAt(k);
    // A keyword is a word followed by a blank or the end of its line; anything else (an escaped
    // keyword, a symbol) is parsed in full.
    if (k === q || !(k === n || after === 32 || after === 9 || after === 10 || after === 13))
      return null;
    const keyword = text.slice(q, k).toUpperCase();
    let end = eol;
    let line = q;
    while (continues(text, line, end)) {
      // Blank and comment lines inside a continuation belong to the instruction.
      let next = nextLine(text, end);
      let found = -1;
      while (next < n) {
        const first = skipBlanks(text, next);
        const close = lineEnd(text, first);
        if (first !== close && text.charCodeAt(first) !== 35) {
          found = first;
          break;
        }
        next = nextLine(text, close);
      }
      if (found < 0) break;
      line = found;
      end = lineEnd(text, found);
    }
    out.push({ start: q, end, keyword });
    i = nextLine(text, end);
  }
  return out;
}

/**
 * The text with instructions that cannot hold a uv pin blanked out. `pattern` finds uv text (the
 * scanner's markers); it must not be global or sticky.
 */
export function maskIrrelevant(text: string, pattern: RegExp): string {
  if (text.includes("<<") || /^[ \t]*#[ \t]*escape[ \t]*=/im.test(text)) return text;
  const instructions = splitInstructions(text);
  if (!instructions) return text;
  const mentions = (ins: RawInstruction): boolean => {
    const slice = text.slice(ins.start, ins.end);
    if (pattern.test(slice)) return true;
    // uv text split by a line continuation.
    return /\\[ \t]*[\r\n]/.test(slice) && pattern.test(collapse(slice));
  };
  const relevant = instructions.map(mentions);
  // A variable set by ARG or ENV to uv text makes every instruction that uses a variable matter.
  const carried = instructions.some(
    (ins, i) => relevant[i] && (ins.keyword === "ARG" || ins.keyword === "ENV"),
  );
  let firstFrom = instructions.findIndex((ins) => ins.keyword === "FROM");
  if (firstFrom < 0) firstFrom = instructions.length;
  const parts: string[] = [];
  let at = 0;
  let masked = 0;
  for (const [i, ins] of instructions.entries()) {
    // Before the first FROM nothing is masked (parser directives and global ARGs live there).
    if (i <= firstFrom || relevant[i] || KEEP.has(ins.keyword)) continue;
    if (carried && text.slice(ins.start, ins.end).includes("$")) continue;
    parts.push(text.slice(at, ins.start), blank(text, ins.start, ins.end));
    at = ins.end;
    masked++;
  }
  if (masked === 0) return text;
  parts.push(text.slice(at));
  return parts.join("");
}

function collapse(slice: string): string {
  return slice.replace(/\\[ \t]*(?:\r\n|\n|\r)(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r))*/g, "");
}

/** Spaces for every character of text[start, end) except line breaks. */
function blank(text: string, start: number, end: number): string {
  const slice = text.slice(start, end);
  if (!/[\r\n]/.test(slice)) return " ".repeat(slice.length);
  return slice.replace(/[^\r\n]/g, " ");
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function lineEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) break;
    i++;
  }
  return i;
}

function nextLine(text: string, eol: number): number {
  if (text.charCodeAt(eol) === 13 && text.charCodeAt(eol + 1) === 10) return eol + 2;
  return eol + 1;
}

/** Whether the line [from, eol) ends with the escape character (trailing blanks allowed). */
function continues(text: string, from: number, eol: number): boolean {
  let j = eol - 1;
  while (j >= from && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  return j >= from && text.charCodeAt(j) === 92;
}
