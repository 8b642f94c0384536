/**
 * What of a Dockerfile the parser needs to see. Parsing every instruction with dockerfile-ast
 * costs most of a scan (its instruction objects compute their arguments as they are built), yet
 * only a few instructions can hold a uv pin. `maskIrrelevant` returns the text with every
 * instruction that cannot matter replaced by spaces (line breaks kept, so every offset, line and
 * span stays where it was): those hold no uv text, are not FROM/ARG/ENV (stages and variables),
 * and use no variable when a variable could carry uv text. The rest parses exactly as before.
 *
 * It only masks when it is sure of the instruction boundaries dockerfile-ast finds: no heredocs,
 * no `escape` directive that sets `` ` ``, every instruction keyword a plain word; otherwise the
 * text is returned as it is (a full parse). A differential property test checks masked against
 * full parses.
 */

import { parserDirectives } from "./dockerfile-directives.js";
import { hasHex64 } from "./hex64.js";
import { lineEndAny, nextLine } from "./lines.js";
import {
  type InstructionMarkers,
  instructionMarkers,
  instructionMayPin,
  OTHER_IMAGE,
} from "./uv-markers.js";

export { hasHex64 };

/**
 * What a checksum check or a checksum holds (see `checksum-ledger.ts`): one of these words, or a
 * 64-hex value standing alone (`hasHex64`). As one regex (with the hex value as
 * `(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])`) it was tried at nearly every character and cost
 * more than the rest of the mask; the hex value is found by a loop that mostly skips 64 ahead.
 */
const CHECK_WORD = /sha256sum|shasum|checksum|openssl|hashlib|get-filehash|certutil/i;

/** Whether text[start, end) holds a checksum word or a 64-hex value (see CHECK_WORD). */
export function checksumText(text: string, start: number, end: number): boolean {
  return CHECK_WORD.test(text.slice(start, end)) || hasHex64(text, start, end);
}

/** An instruction's extent: from its keyword to the end of its last line (line break excluded). */
export interface RawInstruction {
  start: number;
  end: number;
  /** The keyword, upper-cased. */
  keyword: string;
  /**
   * Whether a line continuation follows a non-blank character (`uv=\`): only there can the
   * builder's joining of lines make uv text that no single line holds.
   */
  tight: boolean;
}

/** Top-level instructions of a Dockerfile (escape `\`), or null when unsure of a boundary. */
export function splitInstructions(text: string, cr = text.includes("\r")): RawInstruction[] | null {
  const out: RawInstruction[] = [];
  const n = text.length;
  const lineEnd = cr ? lineEndAny : lineEndLf;
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
    const keyword = keywordOf(text, q, k);
    let end = eol;
    let line = q;
    let tight = false;
    for (let j = continuation(text, line, end); j >= 0; j = continuation(text, line, end)) {
      if (j > line) {
        const before = text.charCodeAt(j - 1);
        if (before !== 32 && before !== 9) tight = true;
      }
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
    out.push({ start: q, end, keyword, tight });
    i = nextLine(text, end);
  }
  return out;
}

/** Dockerfile keywords by length, upper-cased: `keywordOf` returns these without making a string. */
const KEYWORDS: string[][] = [];
for (const word of [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]) {
  const same = KEYWORDS[word.length] ?? [];
  same.push(word);
  KEYWORDS[word.length] = same;
}

/** text[q, k) (ASCII letters) upper-cased. */
function keywordOf(text: string, q: number, k: number): string {
  const words = KEYWORDS[k - q];
  if (words !== undefined) {
    for (const word of words) {
      let i = 0;
      // A letter's upper case is its code without the 0x20 bit.
      while (i < word.length && (text.charCodeAt(q + i) & 0xdf) === word.charCodeAt(i)) i++;
      if (i === word.length) return word;
    }
  }
  return text.slice(q, k).toUpperCase();
}

/**
 * The text the parser needs: instructions that cannot hold a uv pin, and comment lines between
 * instructions, are reduced to their line breaks (so every kept instruction has the same line and
 * column as in `text`: map positions through `text`'s lines, not offsets). Null when no
 * instruction can hold a pin (nothing to parse). `images` are the uv image names; which
 * instructions can hold a pin is `instructionMarkers`' test (narrower than the file gate).
 */
export function maskIrrelevant(text: string, images: readonly string[]): string | null {
  const plan = maskPlan(text, images);
  if (plan === null || plan === "full") return plan === null ? null : text;
  const { kept, headEnd } = plan;
  const cr = text.includes("\r");
  // Everything up to the first FROM stays (parser directives, global ARGs).
  let at = headEnd;
  const parts: string[] = [text.slice(0, at)];
  for (const ins of kept) {
    if (ins.start < headEnd) continue;
    // The gap (dropped instructions, comments, blank lines): its line breaks, then the kept
    // instruction's indentation.
    const lineStart = lastBreak(text, at, ins.start);
    parts.push(breaksOf(text, at, lineStart, cr), text.slice(lineStart, ins.end));
    at = ins.end;
  }
  parts.push(breaksOf(text, at, text.length, cr));
  return parts.join("");
}

/**
 * What the parse of a Dockerfile needs, as `maskIrrelevant` decides it: null (nothing can pin),
 * "full" (parse the whole text: the mask is unsure of it), or the instructions the masked text
 * keeps, in order (every instruction up to the first FROM, which `headEnd` ends, kept verbatim
 * with the comments between them; then the kept ones).
 */
export function maskPlan(
  text: string,
  images: readonly string[],
): { kept: RawInstruction[]; headEnd: number } | "full" | null {
  const m = instructionMarkers(images);
  const hits = { strong: strongHits(m, text), weak: matchEnds(m.command, text) };
  // No instruction can pass the instruction test when the whole text does not (its hits are
  // theirs), unless joining lines at a continuation glued to text (`uv=\\`) makes new uv text.
  // Hits on comment lines (top-level or inside a continuation: `#` first on its line) count for
  // no instruction either.
  const cr = text.includes("\r");
  const live = (at: number) => !onCommentLine(text, at, cr);
  if (!hits.strong.some(live) && !wordy(text, hits.weak, m, cr) && !glued(text)) return null;
  if (text.includes("<<")) return "full";
  // The lexer knows `\` as the only escape character (BuildKit's reading of the directives).
  if (parserDirectives(text).escapeChar !== "\\") return "full";
  const instructions = splitInstructions(text, cr);
  if (!instructions) return "full";
  const keep = mentioning(text, instructions, m, hits);
  let any = false;
  // A variable set by ARG or ENV to uv text makes the instructions that use it matter.
  let carried = false;
  let firstFrom = -1;
  for (let i = 0; i < instructions.length; i++) {
    const { keyword } = instructions[i] as RawInstruction;
    if (!keep[i]) continue;
    any = true;
    if (keyword === "ARG" || keyword === "ENV") carried = true;
  }
  if (!any) return null;
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i] as RawInstruction;
    if (ins.keyword === "FROM") {
      keep[i] = true;
      if (firstFrom < 0) firstFrom = i;
    }
  }
  if (carried) keepUsers(text, instructions, keep);
  keepDeclarations(text, instructions, keep);
  // Checks and checksums: the file-wide checksum rule needs to know what each one checks.
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i] as RawInstruction;
    if (!keep[i] && checksumText(text, ins.start, ins.end)) keep[i] = true;
  }
  if (firstFrom < 0) firstFrom = instructions.length;
  const head = instructions[firstFrom];
  const kept: RawInstruction[] = [];
  for (let i = 0; i < instructions.length; i++) {
    if (i <= firstFrom || keep[i]) kept.push(instructions[i] as RawInstruction);
  }
  return { kept, headEnd: head ? head.end : text.length };
}

/** Whether the line holding `at` starts (after blanks) with `#`. */
function onCommentLine(text: string, at: number, cr: boolean): boolean {
  return commentLine(text, lineStartOf(text, at, cr));
}

/** Whether the line that starts at `start` starts (after a BOM and blanks) with `#`. */
function commentLine(text: string, start: number): boolean {
  const i = start === 0 && text.charCodeAt(0) === 0xfeff ? 1 : start;
  return text.charCodeAt(skipBlanks(text, i)) === 35;
}

/**
 * Whether a command hit (`pip`, `apk add`, `uv tool`) off comment lines may share an instruction
 * with a `uv` word: the word is looked for around each hit, over the lines its instruction can
 * span at most (back over lines that end with the escape, blank lines and comment lines; on while
 * a line ends with the escape or is blank or a comment), so that a `uv sync` elsewhere in the file
 * does not make every `pip install` line matter.
 */
function wordy(text: string, weak: readonly number[], m: InstructionMarkers, cr: boolean): boolean {
  if (weak.length === 0 || !m.word.test(text)) return false;
  const lineEnd = cr ? lineEndAny : lineEndLf;
  let checkedTo = -1;
  for (const at of weak) {
    if (at < checkedTo) continue;
    const start = lineStartOf(text, at, cr);
    if (commentLine(text, start)) continue;
    let from = start;
    while (from > 0) {
      const prevEnd =
        from - (text.charCodeAt(from - 1) === 10 && text.charCodeAt(from - 2) === 13 ? 2 : 1);
      const prevStart = lineStartOf(text, prevEnd, cr);
      if (!connects(text, prevStart, prevEnd)) break;
      from = prevStart;
    }
    let to = lineEnd(text, at);
    let lineFrom = start;
    while (to < text.length && connects(text, lineFrom, to)) {
      lineFrom = nextLine(text, to);
      to = lineEnd(text, lineFrom);
    }
    if (m.word.test(text.slice(from, to))) return true;
    checkedTo = to;
  }
  return false;
}

/** Whether the line [start, end) may continue an instruction: it ends with `\` or `` ` ``, or is blank or a comment. */
function connects(text: string, start: number, end: number): boolean {
  let j = end - 1;
  while (j >= start && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  if (j < start) return true;
  const last = text.charCodeAt(j);
  if (last === 92 || last === 96) return true;
  return text.charCodeAt(skipBlanks(text, start)) === 35;
}

/** The start of the line holding `at` (`cr`: whether the text holds a CR; without, the engine's own search). */
function lineStartOf(text: string, at: number, cr: boolean): number {
  if (!cr) return at === 0 ? 0 : text.lastIndexOf("\n", at - 1) + 1;
  return lastBreak(text, 0, at);
}

/**
 * Whether a line continuation (with either escape character) comes right after text:
 * `/[^ \t\r\n][\\`][ \t]*[\r\n]/.test(text)`, found from the escape characters (the regex tried
 * its first class at every character).
 */
export function glued(text: string): boolean {
  return gluedAt(text, "\\") || gluedAt(text, "`");
}

function gluedAt(text: string, escapeChar: string): boolean {
  for (let j = text.indexOf(escapeChar, 1); j >= 0; j = text.indexOf(escapeChar, j + 1)) {
    const before = text.charCodeAt(j - 1);
    if (before === 32 || before === 9 || before === 10 || before === 13) continue;
    let k = j + 1;
    let c = text.charCodeAt(k);
    while (c === 32 || c === 9) c = text.charCodeAt(++k);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** Which instructions hold uv text (also split by a line continuation). */
function mentioning(
  text: string,
  instructions: readonly RawInstruction[],
  m: InstructionMarkers,
  { strong, weak }: { strong: readonly number[]; weak: readonly number[] },
): boolean[] {
  let h = 0;
  let w = 0;
  const out: boolean[] = new Array(instructions.length).fill(false);
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i] as RawInstruction;
    while (h < strong.length && (strong[h] as number) < ins.start) h++;
    if (h < strong.length && (strong[h] as number) < ins.end) {
      out[i] = true;
      continue;
    }
    while (w < weak.length && (weak[w] as number) < ins.start) w++;
    const weakHit = w < weak.length && (weak[w] as number) < ins.end;
    if (!weakHit && !ins.tight) continue;
    const slice = text.slice(ins.start, ins.end);
    out[i] =
      (weakHit && m.word.test(slice)) || (ins.tight && instructionMayPin(collapse(slice), m));
  }
  return out;
}

/**
 * Where the mask's hits are: an offset on each line that holds one, all the mask asks of a hit
 * (which instruction or comment line holds it). The offset is the last character of a match, so
 * the search needs no match objects (`test` instead of `exec`: a third of the mask's cold time was
 * building them); a match never crosses a line break (no alternative holds one) and is never
 * empty. Another astral-sh image (`ghcr.io/astral-sh/ruff`) is not uv text.
 */
export function strongHits(m: InstructionMarkers, text: string): number[] {
  if (m.counted !== null) return matchEnds(m.counted, text);
  const hits: number[] = [];
  const global = m.strong;
  global.lastIndex = 0;
  for (let found = global.exec(text); found; found = global.exec(text)) {
    if (found[0].length === 0) global.lastIndex++;
    OTHER_IMAGE.lastIndex = found.index;
    if (!OTHER_IMAGE.test(text)) hits.push(found.index);
  }
  return hits;
}

/** The last offset of every match of a global regex whose matches are not empty (see strongHits). */
export function matchEnds(global: RegExp, text: string): number[] {
  const ends: number[] = [];
  global.lastIndex = 0;
  while (global.test(text)) ends.push(global.lastIndex - 1);
  return ends;
}

const REFERENCE = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

/** The names of the variables a plain text uses (`$NAME`, `${NAME…`), in order. */
function referencedNames(plainText: string): string[] {
  const names: string[] = [];
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(plainText); m !== null; m = REFERENCE.exec(plainText)) {
    names.push(m[1] as string);
  }
  return names;
}

/** Above this many instructions, every instruction that uses a variable is kept (no fixpoint). */
const MANY_INSTRUCTIONS = 400;

/**
 * Keeps the instructions that use a variable a kept ARG or ENV may declare (names matched as in
 * `keepDeclarations`: a name anywhere in the declaration's plain text), until nothing more is
 * added (a kept ENV or ARG that uses one declares more). An instruction using only variables
 * that no kept declaration names cannot expand to uv text.
 */
function keepUsers(text: string, instructions: readonly RawInstruction[], keep: boolean[]): void {
  const coarse = instructions.length > MANY_INSTRUCTIONS;
  let carriers = "";
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i] as RawInstruction;
    if (keep[i] && (ins.keyword === "ARG" || ins.keyword === "ENV")) {
      carriers += `${plain(text.slice(ins.start, ins.end))}\n`;
    }
  }
  const refs: (string[] | undefined)[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < instructions.length; i++) {
      if (keep[i]) continue;
      const ins = instructions[i] as RawInstruction;
      const slice = text.slice(ins.start, ins.end);
      if (!slice.includes("$")) continue;
      if (!coarse) {
        let names = refs[i];
        if (names === undefined) {
          names = referencedNames(plain(slice));
          refs[i] = names;
        }
        if (!names.some((name) => carriers.includes(name))) continue;
      }
      keep[i] = true;
      if (ins.keyword === "ARG" || ins.keyword === "ENV") {
        carriers += `${plain(slice)}\n`;
        changed = !coarse;
      }
    }
  }
}

/**
 * Keeps every ARG and ENV that may declare a variable a kept instruction uses (by name, until
 * nothing more is added: a kept declaration's value may use further variables).
 */
function keepDeclarations(
  text: string,
  instructions: readonly RawInstruction[],
  keep: boolean[],
): void {
  const names = new Set<string>();
  const declarations: number[] = [];
  const queue: number[] = [];
  for (let j = 0; j < instructions.length; j++) {
    const { keyword } = instructions[j] as RawInstruction;
    if (keyword === "ARG" || keyword === "ENV") declarations.push(j);
    if (keep[j]) queue.push(j);
  }
  if (declarations.length === 0) return;
  /** Each declaration's plain text, made once. */
  const plainOf: (string | undefined)[] = [];
  while (queue.length > 0) {
    const ins = instructions[queue.pop() as number] as RawInstruction;
    const slice = text.slice(ins.start, ins.end);
    if (!slice.includes("$")) continue;
    const fresh: string[] = [];
    for (const name of referencedNames(plain(slice))) {
      if (!names.has(name)) {
        names.add(name);
        fresh.push(name);
      }
    }
    if (fresh.length === 0) continue;
    for (const j of declarations) {
      if (keep[j]) continue;
      const other = instructions[j] as RawInstruction;
      let declared = plainOf[j];
      if (declared === undefined) {
        declared = plain(text.slice(other.start, other.end));
        plainOf[j] = declared;
      }
      if (fresh.some((name) => (declared as string).includes(name))) {
        keep[j] = true;
        queue.push(j);
      }
    }
  }
}

/**
 * An instruction's text as the parser reads names in it: continuations joined and escape characters
 * dropped (`UV_\\VERSION` declares `UV_VERSION`). Dropping too many only keeps more declarations.
 */
function plain(slice: string): string {
  // Both steps remove escape characters and what follows them: without one, nothing changes.
  if (!slice.includes("\\") && !slice.includes("`")) return slice;
  const joined = collapse(slice);
  return joined.includes("\\") || joined.includes("`") ? joined.replace(/[\\`]/g, "") : joined;
}

function collapse(slice: string): string {
  return slice.replace(/\\[ \t]*(?:\r\n|\n|\r)(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r))*/g, "");
}

/**
 * One `\n` for each line break of text[start, end) (CRLF is one break), nothing else: written as
 * `\n` so that a lone CR never joins a following LF into one break.
 */
function breaksOf(text: string, start: number, end: number, cr: boolean): string {
  let count = 0;
  if (!cr) {
    for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) {
      count++;
    }
    return "\n".repeat(count);
  }
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10 && i + 1 < end) i++;
    }
  }
  return "\n".repeat(count);
}

/** The start of the line that holds `pos` (not before `floor`). */
function lastBreak(text: string, floor: number, pos: number): number {
  let i = pos;
  while (i > floor) {
    const c = text.charCodeAt(i - 1);
    if (c === 10 || c === 13) break;
    i--;
  }
  return i;
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

/** The end of the line at `i` in a text without CR: the engine's own search. */
function lineEndLf(text: string, i: number): number {
  const j = text.indexOf("\n", i);
  return j < 0 ? text.length : j;
}

/** Where the line [from, eol) ends with the escape character (trailing blanks allowed), or -1. */
function continuation(text: string, from: number, eol: number): number {
  let j = eol - 1;
  while (j >= from && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  return j >= from && text.charCodeAt(j) === 92 ? j : -1;
}
