/**
 * The leading assignments of a shell (or PowerShell) command: `A=1 B="$X"`, `export A=…`,
 * `declare -A S=([k]=v …)`, `S[k]=v`, `$A = 'v'`. Each value is read once, so the cost is linear
 * in the command's size.
 */
import type { Definition } from "./expand.js";
import type { Lines } from "./lines.js";
import type { Branch, Command } from "./shell-flow.js";
import { unquote } from "./shell-words.js";
import type { Span } from "./types.js";

export interface Assignment {
  name: string;
  /** The value's range (quotes excluded); an array literal `( … )` has `entries`. */
  value: Span;
  entries: { key: string; keySpan: Span; value: Span }[] | null;
  branch: Branch | null;
  at: number;
}

const SHELL_ASSIGN =
  /^(?:(?:export|local|readonly|declare|typeset)(?:[ \t]+-[A-Za-z]+)*[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)(\[[^\]\s]+\])?=/;
const PS_ASSIGN = /^\$(?:env:|script:|global:)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/i;
/** How many assignments lead one command at most. */
const MAX_ASSIGNMENTS = 64;

/** Leading assignments of a command, in order. */
export function assignmentsOf(command: Command, powershell: boolean): Assignment[] {
  const out: Assignment[] = [];
  let k = 0;
  const body = command.text;
  for (let guard = 0; guard < MAX_ASSIGNMENTS; guard++) {
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
  return out;
}

/** A value at `k`: `"…"`, `'…'`, or plain text up to a blank; its range without quotes. */
function valueAt(
  body: string,
  k: number,
  powershell: boolean,
  limit = body.length,
): { start: number; end: number; next: number } {
  const q = body[k];
  if (q === '"' || q === "'") {
    const close = body.indexOf(q, k + 1);
    if (close >= 0) return { start: k + 1, end: close, next: close + 1 };
  }
  let j = k;
  let depth = 0;
  for (; j < limit; j++) {
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
  // A key holds no `[`, so a run of `[` is read once (linear on any input); a value is read up
  // to the next entry at most, so each character is read once however the values are written.
  const matches = [...inner.matchAll(/\[(["']?)([^[\]"'\s]+)\1\]=/g)];
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i] as RegExpExecArray;
    const key = m[2] as string;
    const ks = from + (m.index ?? 0) + 1 + (m[1] as string).length;
    const limit = matches[i + 1]?.index ?? inner.length;
    const v = valueAt(inner, (m.index ?? 0) + m[0].length, false, limit);
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
