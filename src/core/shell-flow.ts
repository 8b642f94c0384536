/**
 * A shell (or PowerShell) region read as simple commands, each with the branch of `case`/`if` it
 * runs in, its leading assignments and its words. Enough to follow where a checksum flows, not a
 * shell parser: one pass over the text, quotes and `$(…)`/`(…)` nesting tracked, so the cost is
 * linear in the region's size whatever it holds.
 */
import type { Definition } from "./expand.js";
import type { Lines } from "./lines.js";
import type { Span } from "./types.js";

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

export interface Word {
  /** The word as written (quotes kept). */
  raw: string;
  /** The word with quotes removed and `${NAME}` written `$NAME`. */
  key: string;
  start: number;
  end: number;
}

export interface Assignment {
  name: string;
  /** The value's range (quotes excluded); an array literal `( … )` has `entries`. */
  value: Span;
  entries: { key: string; keySpan: Span; value: Span }[] | null;
  branch: Branch | null;
  at: number;
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
}

const MAX_COMMAND = 16_384;

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
  const flow: Flow = { commands: [], assignments: [] };
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
    if (s >= e) {
      if (piece.endsBranch) endBranch(top());
      continue;
    }
    const command = commandAt(text, clean, start, s, e, current(), powershell);
    if (command) {
      flow.commands.push(command);
      command.assignments = assignmentsOf(text, command, powershell);
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

/** `"$TARGETARCH"` → `TARGETARCH`; `"$(uname -m)"` → `$(uname -m)`. */
export function subjectOf(word: string): string {
  const w = unquote(word);
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w);
  return m ? (m[1] as string) : w;
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

export function unquote(word: string): string {
  let out = "";
  for (let k = 0; k < word.length; k++) {
    const ch = word[k] as string;
    if (ch === '"' || ch === "'") continue;
    out += ch;
  }
  return out;
}

/** The key two words are compared by: quotes removed, `${NAME}` as `$NAME`, `$$` as `$`. */
export function wordKey(word: string): string {
  return unquote(word)
    .replace(/\$\$/g, "$")
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "$$$1")
    .replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, "$$$1");
}

function blanked(text: string, start: number, end: number, blank: readonly Span[]): string {
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

interface Piece {
  start: number;
  end: number;
  endsBranch: boolean;
}

/**
 * Splits the text at unquoted newlines, `;`, `;;`, `&&` and `||` outside `(…)`. A newline also
 * ends a quote (quotes are tracked within a line), and a piece never grows past MAX_COMMAND.
 */
function pieces(clean: string, offset: number, powershell: boolean): Piece[] {
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
  return { start: s, end: e, text: body, words, branch, assignments: [] };
}

const SHELL_ASSIGN =
  /^(?:(?:export|local|readonly|declare|typeset)(?:[ \t]+-[A-Za-z]+)*[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)(\[[^\]\s]+\])?=/;
const PS_ASSIGN = /^\$(?:env:|script:|global:)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/i;

/** Leading assignments of a command: `A=1 B="$X"`, `declare -A S=([k]=v …)`, `S[k]=v`, `$A = 'v'`. */
function assignmentsOf(text: string, command: Command, powershell: boolean): Assignment[] {
  const out: Assignment[] = [];
  let k = 0;
  const body = command.text;
  for (let guard = 0; guard < 64; guard++) {
    while (k < body.length && /\s/.test(body[k] as string)) k++;
    const r = body.slice(k, k + 512);
    const m = powershell ? PS_ASSIGN.exec(r) : SHELL_ASSIGN.exec(r);
    if (!m) break;
    const name = m[1] as string;
    const vStart = k + m[0].length;
    if (!powershell && body[vStart] === "(") {
      const close = body.indexOf(")", vStart);
      const stop = close < 0 ? body.length : close;
      const entries = arrayEntries(body, vStart + 1, stop, command.start);
      out.push({
        name,
        value: { start: command.start + vStart, end: command.start + stop + 1 },
        entries,
        branch: command.branch,
        at: command.start + k,
      });
      k = stop + 1;
      continue;
    }
    const value = valueAt(body, vStart, powershell);
    const span = { start: command.start + value.start, end: command.start + value.end };
    if (m[2]) {
      // `S[k]=v`: one entry of an array.
      const key = unquote((m[2] as string).slice(1, -1));
      const ks = command.start + k + (m[1] as string).length + 1;
      out.push({
        name,
        value: span,
        entries: [{ key, keySpan: { start: ks, end: ks + key.length }, value: span }],
        branch: command.branch,
        at: command.start + k,
      });
    } else {
      out.push({ name, value: span, entries: null, branch: command.branch, at: command.start + k });
    }
    k = value.next;
    if (powershell) break;
  }
  void text;
  return out;
}

/** A value at `k`: `"…"`, `'…'`, or plain text up to a blank; its range without quotes. */
function valueAt(
  body: string,
  k: number,
  powershell: boolean,
): { start: number; end: number; next: number } {
  const q = body[k];
  if (q === '"' || q === "'") {
    const close = body.indexOf(q, k + 1);
    if (close >= 0) return { start: k + 1, end: close, next: close + 1 };
  }
  let j = k;
  let depth = 0;
  for (; j < body.length; j++) {
    const ch = body[j] as string;
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0 && (/\s/.test(ch) || (!powershell && ch === ";"))) break;
  }
  return { start: k, end: j, next: j };
}

/** `[k]=v [k2]="v2"` entries of an array literal. */
function arrayEntries(
  body: string,
  from: number,
  to: number,
  offset: number,
): { key: string; keySpan: Span; value: Span }[] {
  const out: { key: string; keySpan: Span; value: Span }[] = [];
  const inner = body.slice(from, to);
  // A key holds no `[`, so a run of `[` is read once (linear on any input).
  for (const m of inner.matchAll(/\[(["']?)([^[\]"'\s]+)\1\]=/g)) {
    const key = m[2] as string;
    const ks = from + (m.index ?? 0) + 1 + (m[1] as string).length;
    const v = valueAt(inner, (m.index ?? 0) + m[0].length, false);
    out.push({
      key,
      keySpan: { start: offset + ks, end: offset + ks + key.length },
      value: { start: offset + from + v.start, end: offset + from + v.end },
    });
  }
  return out;
}

/** A Definition over a range of the file. */
export function definitionOf(name: string, span: Span, lines: Lines): Definition {
  return { name, start: span.start, end: span.end, line: lines.lineOf(span.start) };
}
