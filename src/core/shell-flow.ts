/**
 * A shell (or PowerShell) region read as simple commands, each with the branch of `case`/`if` it
 * runs in, its leading assignments and its words. Enough to follow where a checksum flows, not a
 * shell parser: one pass over the text, quotes and `$(…)`/`(…)` nesting tracked, so the cost is
 * linear in the region's size whatever it holds.
 */
import { type Assignment, assignmentsOf } from "./shell-assignments.js";
import { blanked, pieces, subjectOf, unquote, type Word, wordsOf } from "./shell-words.js";
import type { Span } from "./types.js";

export type { Assignment } from "./shell-assignments.js";
export { definitionOf } from "./shell-assignments.js";
export type { Word } from "./shell-words.js";
export { subjectOf, unquote, wordKey } from "./shell-words.js";

/** A condition under which commands run: `case "$TARGETARCH" in arm64)`, `if [ "$arch" = x ]`. */
export interface Branch {
  /** Equal for branches that test the same subject against the same pattern. */
  key: string;
  /** The subject as written without quotes (`TARGETARCH`, `$(uname -m)`), or null. */
  subject: string | null;
  /** The literal pattern, with its place, when the branch has exactly one. */
  pattern: { text: string; span: Span } | null;
  parent: Branch | null;
}

export interface Command {
  start: number;
  end: number;
  /** The command's text with comments and line continuations blanked (same length). */
  text: string;
  words: Word[];
  branch: Branch | null;
  /** The command's leading assignments. */
  assignments: Assignment[];
}

export interface Flow {
  commands: Command[];
  assignments: Assignment[];
  /** Whether `case`/`if` nest deeper than MAX_NESTING somewhere (the branches are not traced). */
  tooDeep: boolean;
}

/** How deep `case`/`if` may nest: a branch's chain of enclosing branches is at most this long. */
export const MAX_NESTING = 64;

/**
 * Reads `text[start, end)` with `blank` ranges (comments, line continuations) turned into spaces.
 * Offsets everywhere are offsets into `text`.
 */
export function readFlow(
  text: string,
  start: number,
  end: number,
  blank: readonly Span[],
  powershell = false,
): Flow {
  const clean = blanked(text, start, end, blank);
  const flow: Flow = { commands: [], assignments: [], tooDeep: false };
  const stack: Frame[] = [];
  let nextId = 0;
  const top = () => stack[stack.length - 1];
  const current = (): Branch | null => top()?.branch ?? null;

  for (const piece of pieces(clean, start, powershell)) {
    let s = piece.start;
    const e = piece.end;
    const at = (k: number) => clean[k - start] ?? "";
    const rest = () => clean.slice(s - start, e - start);
    // Peel keywords and case patterns off the front of the piece.
    for (let guard = 0; guard < 16; guard++) {
      while (s < e && /\s/.test(at(s))) s++;
      const r = rest();
      const frame = top();
      if (frame?.kind === "case" && frame.expecting) {
        if (/^esac\b/.test(r)) {
          stack.pop();
          s += 4;
          continue;
        }
        const m = /^\(?[ \t]*([^()\s;|]+(?:[ \t]*\|[ \t]*[^()\s;|]+)*)[ \t]*\)/.exec(r);
        if (m) {
          const patterns = (m[1] as string).split("|").map((p) => p.trim());
          const raw = patterns[0] as string;
          const first = unquote(raw);
          const pStart = s + r.indexOf(raw) + (raw === first ? 0 : 1);
          const single = patterns.length === 1 && /^[\w.-]+$/.test(first);
          frame.branch = {
            key: `${frame.subject}=${single ? first : `#${nextId++}`}`,
            subject: frame.subject,
            pattern: single
              ? { text: first, span: { start: pStart, end: pStart + first.length } }
              : null,
            parent: frame.parent,
          };
          frame.expecting = false;
          s += m[0].length;
          continue;
        }
      }
      const kw = /^(then|do|else|fi|done|esac|\{|\})(?=\s|;|$)/.exec(r);
      if (kw) {
        const word = kw[1] as string;
        if (word === "fi" || word === "esac") {
          if (frame && frame.kind === (word === "fi" ? "if" : "case")) stack.pop();
        } else if (word === "else" && frame?.kind === "if") {
          frame.branch = {
            key: `#${nextId++}`,
            subject: null,
            pattern: null,
            parent: frame.parent,
          };
        }
        s += word.length;
        continue;
      }
      if (powershell) break;
      const c = /^case\s+(\S+)\s+in(?=\s|$)/.exec(r);
      if (c) {
        stack.push({
          kind: "case",
          subject: subjectOf(c[1] as string),
          expecting: true,
          branch: null,
          parent: current(),
        });
        s += c[0].length;
        continue;
      }
      const i = /^(if|elif)\s+/.exec(r);
      if (i) {
        const cond = condition(r.slice(i[0].length), s + i[0].length);
        if (i[1] === "if")
          stack.push({
            kind: "if",
            subject: null,
            expecting: false,
            branch: null,
            parent: current(),
          });
        const f = top() as Frame;
        f.branch = cond
          ? { key: `${cond.subject}=${cond.pattern.text}`, ...cond, parent: f.parent }
          : { key: `#${nextId++}`, subject: null, pattern: null, parent: f.parent };
        // The condition itself runs in the enclosing branch.
        const command = commandAt(text, clean, start, s + i[0].length, e, f.parent, powershell);
        if (command) flow.commands.push(command);
        s = e;
        break;
      }
      break;
    }
    if (stack.length > MAX_NESTING) flow.tooDeep = true;
    if (s >= e) {
      if (piece.endsBranch) endBranch(top());
      continue;
    }
    const command = commandAt(text, clean, start, s, e, current(), powershell);
    if (command) {
      flow.commands.push(command);
      command.assignments = assignmentsOf(command, powershell);
      flow.assignments.push(...command.assignments);
    }
    if (piece.endsBranch) endBranch(top());
  }
  return flow;
}

interface Frame {
  kind: "case" | "if";
  subject: string | null;
  expecting: boolean;
  branch: Branch | null;
  parent: Branch | null;
}

function endBranch(frame: Frame | undefined): void {
  if (frame?.kind === "case") {
    frame.expecting = true;
    frame.branch = null;
  }
}

/** `[ "$X" = "lit" ]`, `[[ $X == lit ]]`, `test "$X" = lit`: the subject and the literal. */
function condition(
  r: string,
  offset: number,
): { subject: string; pattern: { text: string; span: Span } } | null {
  const m =
    /^(?:\[\[?|test)[ \t]+("[^"\n]*"|'[^'\n]*'|\S+)[ \t]+==?[ \t]+(["']?)([\w.-]+)\2[ \t]*(?:\]\]?|;|$)/.exec(
      r,
    );
  if (!m) return null;
  const lit = m[3] as string;
  const at = offset + m[0].indexOf(lit, (m[1] as string).length + 1);
  return {
    subject: subjectOf(m[1] as string),
    pattern: { text: lit, span: { start: at, end: at + lit.length } },
  };
}

/** A command from `s` to `e`: its words (quote-aware; `$(…)`, `(…)` and `{…}` kept whole). */
function commandAt(
  text: string,
  clean: string,
  offset: number,
  s: number,
  e: number,
  branch: Branch | null,
  powershell: boolean,
): Command | null {
  const body = clean.slice(s - offset, e - offset);
  if (body.trim() === "") return null;
  return {
    start: s,
    end: e,
    text: body,
    words: wordsOf(text, body, s, powershell),
    branch,
    assignments: [],
  };
}
