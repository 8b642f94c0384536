import { nextStart, spanStartingAt } from "./span-index.js";
import type { Span } from "./types.js";

/** A variable's value as written in the file. */
export interface Definition {
  name: string;
  /** Range of the value text (quotes excluded). */
  start: number;
  end: number;
  /** 1-based line of the value text. */
  line: number;
}

/**
 * Finds a variable's definition as seen from `at`: a Definition, `null` when declared without a
 * value, `undefined` when unknown.
 */
export type Lookup = (name: string, at: number) => Definition | null | undefined;

interface Segment {
  /** Offset in the expanded value. */
  at: number;
  length: number;
  /** Offset in the file of the first character, or null for a placeholder. */
  src: number | null;
  /** The innermost variable that supplied this text. */
  variable: string | null;
  defLine: number | null;
  /** For a placeholder: the variable that could not be resolved. */
  unresolved: string | null;
}

export interface Expansion {
  value: string;
  segments: Segment[];
  /** The range of the file that was expanded. */
  source: Span;
  /**
   * The expansion read MAX_EXPANSION characters (its text, variables' values, each time they are
   * used) and stopped there: `value` is only the beginning, and nothing in it can be edited.
   */
  tooLong?: boolean;
}

/**
 * The most characters one expansion reads. A uv reference or URL, variables expanded, is a few
 * hundred characters; without a bound, a file can make each of its references read a long value,
 * or a value made of references to values made of references, many times over.
 */
export const MAX_EXPANSION = 4096;

/** Characters left to read in one expansion. */
interface Budget {
  left: number;
}

export type Mapped =
  | { ok: true; span: Span; variable: string | null; defLine: number | null }
  | { ok: false; reason: string };

export const PLACEHOLDER = "\u0000";

export interface ExpandOptions {
  lookup: Lookup;
  /** The escapeChar character (Dockerfile `\` or `` ` ``); an escaped `$` is literal. */
  escapeChar?: string;
  /** Ranges of the raw text to drop (line continuations, comment lines inside an instruction). */
  drop?: readonly Span[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const MAX_DEPTH = 8;

/**
 * Expands variable references in `text[start, end)` and keeps, for every character of the result,
 * where in the file it came from. Understands `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:=d}`,
 * `$(V)`, `${{ env.V }}`, `$env:V` and `${env:V}`.
 */
export function expand(
  text: string,
  start: number,
  end: number,
  options: ExpandOptions,
): Expansion {
  const out: Expansion = { value: "", segments: [], source: { start, end } };
  const budget: Budget = { left: MAX_EXPANSION };
  expandInto(text, start, end, options, out, null, null, null, 0, budget);
  if (budget.left < 0) out.tooLong = true;
  return out;
}

function pushLiteral(
  out: Expansion,
  src: number,
  s: string,
  variable: string | null,
  defLine: number | null,
) {
  if (s.length === 0) return;
  const last = out.segments[out.segments.length - 1];
  if (
    last &&
    last.src !== null &&
    last.src + last.length === src &&
    last.variable === variable &&
    last.defLine === defLine
  ) {
    last.length += s.length;
  } else {
    out.segments.push({
      at: out.value.length,
      length: s.length,
      src,
      variable,
      defLine,
      unresolved: null,
    });
  }
  out.value += s;
}

function pushPlaceholder(out: Expansion, name: string) {
  out.segments.push({
    at: out.value.length,
    length: 1,
    src: null,
    variable: name,
    defLine: null,
    unresolved: name,
  });
  out.value += PLACEHOLDER;
}

interface Reference {
  name: string | null;
  /** End offset of the whole reference. */
  end: number;
  /** A `${V:-default}` default's raw range. */
  fallback: Span | null;
}

/**
 * Reads a variable reference that starts at `i` (which holds `$`). Reads no further than the
 * budget allows, and takes from it what a search for a closing brace read.
 */
function readReference(text: string, i: number, end: number, budget: Budget): Reference | null {
  const rest = text.slice(i + 1, Math.min(end, i + 1 + Math.max(0, budget.left)));
  if (rest.startsWith("{{")) {
    const close = rest.indexOf("}}");
    budget.left -= close < 0 ? rest.length : close;
    if (close < 0) return null;
    const expr = rest.slice(2, close).trim();
    const m = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    // A composite action's `${{ inputs.NAME }}` reads the input's `default:` (see extract-yaml).
    const input = /^inputs\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(expr);
    const name = m?.[1] ?? (input ? `inputs.${input[1]}` : null);
    return { name, end: i + 1 + close + 2, fallback: null };
  }
  if (rest.startsWith("{")) {
    const close = matchingBrace(rest);
    budget.left -= close < 0 ? rest.length : close;
    if (close < 0) return null;
    let inner = rest.slice(1, close);
    const innerStart = i + 2;
    let offset = 0;
    if (/^env:/i.test(inner)) {
      inner = inner.slice(4);
      offset = 4;
    }
    const m = NAME.exec(inner);
    if (!m) return { name: null, end: i + 1 + close + 1, fallback: null };
    const op = /^(:?[-=])/.exec(inner.slice(m[0].length));
    let fallback: Span | null = null;
    if (op) {
      const fs = innerStart + offset + m[0].length + (op[1]?.length ?? 0);
      fallback = { start: fs, end: i + 1 + close };
    } else if (inner.length !== m[0].length) {
      return { name: null, end: i + 1 + close + 1, fallback: null };
    }
    return { name: m[0], end: i + 1 + close + 1, fallback };
  }
  if (rest.startsWith("(")) {
    // `$(NAME)` (Make, Azure Pipelines, Kubernetes) and PowerShell's `$($NAME)` / `$($env:NAME)`.
    const m = /^\((?:\$(?:env:)?)?([A-Za-z_][A-Za-z0-9_.]*)\)/i.exec(rest);
    if (!m) return null;
    return { name: m[1] ?? null, end: i + 1 + m[0].length, fallback: null };
  }
  if (/^env:/i.test(rest)) {
    const m = NAME.exec(rest.slice(4));
    if (!m) return null;
    return { name: m[0], end: i + 5 + m[0].length, fallback: null };
  }
  const m = NAME.exec(rest);
  if (!m) return null;
  return { name: m[0], end: i + 1 + m[0].length, fallback: null };
}

function matchingBrace(s: string): number {
  let depth = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Adds `text[from, to)` (a literal run) to the expansion, when it is not empty. */
function flush(
  out: Expansion,
  text: string,
  from: number,
  to: number,
  variable: string | null,
  defLine: number | null,
): void {
  if (to > from) pushLiteral(out, from, text.slice(from, to), variable, defLine);
}

const NO_SPANS: readonly Span[] = [];
const DOLLAR = 36;

function expandInto(
  text: string,
  start: number,
  end: number,
  options: ExpandOptions,
  out: Expansion,
  variable: string | null,
  defLine: number | null,
  active: Set<number> | null,
  depth: number,
  budget: Budget,
): void {
  const drop = options.drop ?? NO_SPANS;
  const escapeChar = options.escapeChar;
  // The escape character's code when it is one character (only then can it equal one).
  const escapeCode = escapeChar && escapeChar.length === 1 ? escapeChar.charCodeAt(0) : -1;
  let literalStart = start;
  let i = start;
  // Where the next dropped range starts (each character costs one of the budget, a drop one).
  let nextDrop = drop.length === 0 ? Number.POSITIVE_INFINITY : nextStart(drop, i);
  while (i < end) {
    if (nextDrop < i) nextDrop = nextStart(drop, i);
    // Plain characters up to the next `$`, escape or drop: read in one step.
    const stop = Math.min(nextDrop, end);
    let k = i;
    while (k < stop) {
      const c = text.charCodeAt(k);
      if (c === DOLLAR || c === escapeCode) break;
      k++;
    }
    if (k > i) {
      if (budget.left < k - i) {
        // The budget ends inside the run, at its `left`-th character.
        const at = i + Math.max(budget.left, 0);
        budget.left -= at - i + 1;
        flush(out, text, literalStart, at, variable, defLine);
        return;
      }
      budget.left -= k - i;
      i = k;
      if (i >= end) break;
    }
    if (--budget.left < 0) {
      flush(out, text, literalStart, i, variable, defLine);
      return;
    }
    if (i === nextDrop) {
      const dropped = spanStartingAt(drop, i) as Span;
      flush(out, text, literalStart, i, variable, defLine);
      i = Math.max(dropped.end, i + 1);
      literalStart = i;
      nextDrop = nextStart(drop, i);
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === escapeCode && text.charCodeAt(i + 1) === DOLLAR) {
      flush(out, text, literalStart, i, variable, defLine);
      pushLiteral(out, i + 1, "$", variable, defLine);
      i += 2;
      literalStart = i;
      continue;
    }
    if (c !== DOLLAR) {
      i++;
      continue;
    }
    // Make's `$$` is a literal `$` for the shell: `$${NAME}` reads NAME.
    const doubled = text[i + 1] === "$" && /[{A-Za-z_]/.test(text[i + 2] ?? "");
    const ref = readReference(text, doubled ? i + 1 : i, end, budget);
    if (!ref) {
      i++;
      continue;
    }
    flush(out, text, literalStart, i, variable, defLine);
    resolveReference(text, i, ref, options, out, active, depth, budget);
    if (budget.left < 0) return;
    i = ref.end;
    literalStart = i;
  }
  flush(out, text, literalStart, end, variable, defLine);
}

function resolveReference(
  text: string,
  at: number,
  ref: Reference,
  options: ExpandOptions,
  out: Expansion,
  active: Set<number> | null,
  depth: number,
  budget: Budget,
): void {
  const name = ref.name;
  if (name === null || depth >= MAX_DEPTH) {
    pushPlaceholder(out, name ?? text.slice(at, ref.end));
    return;
  }
  let def = options.lookup(name, at);
  if (def && active?.has(def.start)) def = undefined;
  if (def && (def.end > def.start || !ref.fallback)) {
    // The values being read (a value that reads itself is not read again): empty between
    // references, so each reference at the top starts a set of its own.
    const reading = active ?? new Set<number>();
    reading.add(def.start);
    expandInto(text, def.start, def.end, options, out, name, def.line, reading, depth + 1, budget);
    reading.delete(def.start);
    return;
  }
  if (ref.fallback) {
    // `${V:-default}`: the default is written here, and it stands for V.
    expandInto(
      text,
      ref.fallback.start,
      ref.fallback.end,
      options,
      out,
      name,
      null,
      active,
      depth + 1,
      budget,
    );
    return;
  }
  pushPlaceholder(out, name);
}

/** Maps a range of an expansion's value back to one contiguous range of the file. */
export function mapRange(expansion: Expansion, from: number, to: number): Mapped {
  for (const seg of expansion.segments) {
    if (seg.unresolved !== null && seg.at >= from && seg.at < to) {
      return { ok: false, reason: `\`${seg.unresolved}\` has no default value` };
    }
  }
  for (const seg of expansion.segments) {
    if (seg.src === null) continue;
    if (seg.at <= from && to <= seg.at + seg.length) {
      const s = seg.src + (from - seg.at);
      return {
        ok: true,
        span: { start: s, end: s + (to - from) },
        variable: seg.variable,
        defLine: seg.defLine,
      };
    }
  }
  return { ok: false, reason: "the text is split over variables or lines" };
}

/** The first unresolved variable in a range of an expansion's value, if any. */
export function unresolvedIn(expansion: Expansion, from: number, to: number): string | null {
  for (const seg of expansion.segments) {
    if (seg.unresolved !== null && seg.at >= from && seg.at < to) return seg.unresolved;
  }
  return null;
}
