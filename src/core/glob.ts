/**
 * Glob matching in linear time: a glob is compiled to a Thompson automaton (a handful of states per
 * pattern character) and a path is run through it one character at a time with the set of live
 * states, so matching costs at most 2 × (path length + 1) × states steps, whatever the pattern. A regular
 * expression with backtracking (what picomatch compiles to) can take minutes on `*a*a*a…`
 * against `aaaa…`; a repository's configuration must not be able to stall the app.
 *
 * Syntax (picomatch's, with `dot: true`): `*` (any characters but `/`), `?` (one character but
 * `/`), `**` as a whole path segment (any number of segments, none included), `[abc]`, `[a-z]`,
 * `[!…]` / `[^…]`, `[[:alpha:]]`-style classes, `{a,b}` (nested), `{1..9}` and `{a..e}` ranges,
 * `@(a|b)`, `?(…)`, `*(…)`, `+(…)`, `(a|b)`, `\` escapes, a leading `./` (ignored) and a leading
 * `!` (negation). `!(…)` has no linear-time form and is refused.
 */

type Pred = (c: string) => boolean;
type Node = { t: "c"; pred: Pred; out: number } | { t: "split"; outs: number[] } | { t: "m" };

type Item =
  | { k: "char"; pred: Pred }
  | { k: "star"; pred: Pred }
  | { k: "globstar"; lead: boolean; trail: boolean }
  | { k: "group"; alts: Item[][]; q: "one" | "opt" | "star" | "plus" };

/** A compiled set of globs: `match(path)` is true when any of them matches the whole path. */
export interface GlobMatcher {
  match(path: string, meter?: { steps: number }): boolean;
  /** Automaton states: a match costs at most 2 × (path length + 1) × states steps (each state
   * entered once and tested once per character). */
  readonly states: number;
}

/** Past this many automaton states a glob is refused (ranges like `{1..100000}` grow large). */
export const MAX_GLOB_STATES = 4096;

export class GlobError extends Error {}

const notSlash: Pred = (c) => c !== "/";
const anyChar: Pred = () => true;

const POSIX: Record<string, Pred> = {
  alpha: (c) => /^[A-Za-z]$/.test(c),
  digit: (c) => /^[0-9]$/.test(c),
  alnum: (c) => /^[A-Za-z0-9]$/.test(c),
  upper: (c) => /^[A-Z]$/.test(c),
  lower: (c) => /^[a-z]$/.test(c),
  space: (c) => /^\s$/.test(c),
  word: (c) => /^\w$/.test(c),
  xdigit: (c) => /^[0-9A-Fa-f]$/.test(c),
  punct: (c) => /^[!-/:-@[-`{-~]$/.test(c),
};

class Parser {
  private i = 0;
  private readonly s: string[];
  private size = 0;

  constructor(pattern: string) {
    this.s = [...pattern];
  }

  parse(): Item[] {
    const items = this.sequence(new Set());
    if (this.i < this.s.length) throw new GlobError(`unexpected "${this.s[this.i]}"`);
    return items;
  }

  private grow(n: number) {
    this.size += n;
    if (this.size > MAX_GLOB_STATES)
      throw new GlobError("too complex (braces or ranges too large)");
  }

  /** Items up to (not including) one of `stops` at this level, or the end. */
  private sequence(stops: Set<string>): Item[] {
    const items: Item[] = [];
    const s = this.s;
    const atSegmentStart = () => items.length === 0 || isSlash(items[items.length - 1]);
    const atSegmentEnd = (j: number) => j >= s.length || s[j] === "/" || stops.has(s[j] ?? "");
    while (this.i < s.length) {
      const c = s[this.i] as string;
      const next = s[this.i + 1];
      if (stops.has(c)) break;
      if (c === "*" && next === "*" && atSegmentStart() && atSegmentEnd(this.i + 2)) {
        this.i += 2;
        const trail = s[this.i] === "/";
        if (trail) this.i++;
        // `a/**` also matches `a`: the slash before a final `**` goes with it.
        const last = items[items.length - 1];
        const lead = !trail && last?.k === "char";
        if (lead) items.pop();
        items.push({ k: "globstar", lead, trail });
        this.grow(3);
        continue;
      }
      if ("?*+@!".includes(c) && next === "(") {
        if (c === "!") throw new GlobError("`!(…)` patterns are not supported");
        this.i += 2;
        const q = c === "?" ? "opt" : c === "*" ? "star" : c === "+" ? "plus" : "one";
        items.push({ k: "group", alts: this.alternatives("|", ")"), q });
        continue;
      }
      if (c === "(") {
        this.i++;
        items.push({ k: "group", alts: this.alternatives("|", ")"), q: "one" });
        continue;
      }
      if (c === "*") {
        while (s[this.i] === "*") this.i++;
        items.push({ k: "star", pred: notSlash });
        this.grow(2);
        continue;
      }
      if (c === "?") {
        this.i++;
        items.push({ k: "char", pred: notSlash });
        this.grow(1);
        continue;
      }
      if (c === "[") {
        const cls = this.klass();
        if (cls) {
          items.push({ k: "char", pred: cls });
          this.grow(1);
          continue;
        }
      }
      if (c === "{") {
        const braces = this.braces();
        if (braces) {
          items.push(braces);
          continue;
        }
      }
      if (c === "\\" && next !== undefined) this.i++;
      const lit = s[this.i] as string;
      this.i++;
      items.push({ k: "char", pred: (x) => x === lit });
      this.grow(1);
    }
    return items;
  }

  /** After an opening `(` or `{`: alternatives separated by `sep` up to `close`. */
  private alternatives(sep: string, close: string): Item[][] {
    const alts: Item[][] = [];
    for (;;) {
      alts.push(this.sequence(new Set([sep, close])));
      const c = this.s[this.i];
      if (c === undefined) throw new GlobError(`"${close}" missing`);
      this.i++;
      if (c === close) return alts;
    }
  }

  /** `{a,b}`, `{1..5}` or `{a..e}`; null when the brace is a literal one (no comma, no range). */
  private braces(): Item | null {
    const start = this.i;
    const close = this.s.indexOf("}", start);
    const body = close > 0 ? this.s.slice(start + 1, close).join("") : "";
    const range = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])$/.exec(body);
    if (range) {
      this.i = close + 1;
      return {
        k: "group",
        alts: rangeItems(range[1] as string, range[2] as string, this),
        q: "one",
      };
    }
    const saved = this.size;
    this.i = start + 1;
    try {
      const alts = this.alternatives(",", "}");
      if (alts.length > 1) return { k: "group", alts, q: "one" };
    } catch (error) {
      if (!(error instanceof GlobError) || error.message !== '"}" missing') throw error;
    }
    this.i = start;
    this.size = saved;
    return null;
  }

  /** A `[…]` class, or null when there is no closing `]` (then `[` is a literal). */
  private klass(): Pred | null {
    const s = this.s;
    let j = this.i + 1;
    const negated = s[j] === "!" || s[j] === "^";
    if (negated) j++;
    const parts: Pred[] = [];
    let first = true;
    while (j < s.length && (s[j] !== "]" || first)) {
      first = false;
      const posix = /^\[:([a-z]+):\]/.exec(s.slice(j, j + 12).join(""));
      if (posix && POSIX[posix[1] as string]) {
        parts.push(POSIX[posix[1] as string] as Pred);
        j += posix[0].length;
        continue;
      }
      let lo = s[j] as string;
      if (lo === "\\" && j + 1 < s.length) lo = s[++j] as string;
      j++;
      if (s[j] === "-" && j + 1 < s.length && s[j + 1] !== "]") {
        let hi = s[j + 1] as string;
        j += 2;
        if (hi === "\\" && j < s.length) hi = s[j++] as string;
        const a = lo.codePointAt(0) as number;
        const b = hi.codePointAt(0) as number;
        parts.push((c) => {
          const x = c.codePointAt(0) as number;
          return x >= a && x <= b;
        });
      } else {
        parts.push((c) => c === lo);
      }
    }
    if (j >= s.length) return null;
    this.i = j + 1;
    return negated ? (c) => c !== "/" && !parts.some((p) => p(c)) : (c) => parts.some((p) => p(c));
  }

  countRange(n: number) {
    this.grow(n);
  }
}

// Whether a segment starts after this item: a literal slash, or a globstar with its slash.
const isSlash = (item: Item | undefined) =>
  (item?.k === "char" && item.pred("/") && !item.pred("a")) ||
  (item?.k === "globstar" && item.trail);

function rangeItems(from: string, to: string, parser: Parser): Item[][] {
  const lit = (text: string): Item[] =>
    [...text].map((ch) => ({ k: "char", pred: (x) => x === ch }));
  if (/^-?\d+$/.test(from) && /^-?\d+$/.test(to)) {
    const a = Number(from);
    const b = Number(to);
    const n = Math.abs(b - a) + 1;
    parser.countRange(n * Math.max(from.length, to.length));
    const step = a <= b ? 1 : -1;
    return Array.from({ length: n }, (_, k) => lit(String(a + k * step)));
  }
  if (/^-?\d+$/.test(from) || /^-?\d+$/.test(to)) return [lit(`${from}..${to}`)];
  const a = from.codePointAt(0) as number;
  const b = to.codePointAt(0) as number;
  const n = Math.abs(b - a) + 1;
  parser.countRange(n);
  const step = a <= b ? 1 : -1;
  return Array.from({ length: n }, (_, k) => lit(String.fromCodePoint(a + k * step)));
}

/** Builds the automaton, continuation style: each item is compiled knowing where it goes next. */
class Builder {
  readonly nodes: Node[] = [{ t: "m" }];

  private add(node: Node): number {
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  seq(items: readonly Item[], next: number): number {
    let at = next;
    for (let k = items.length - 1; k >= 0; k--) at = this.item(items[k] as Item, at);
    return at;
  }

  private loop(pred: Pred, next: number): number {
    const split = this.add({ t: "split", outs: [] });
    const step = this.add({ t: "c", pred, out: split });
    (this.nodes[split] as { outs: number[] }).outs = [step, next];
    return split;
  }

  private item(item: Item, next: number): number {
    switch (item.k) {
      case "char":
        return this.add({ t: "c", pred: item.pred, out: next });
      case "star":
        return this.loop(item.pred, next);
      case "globstar": {
        // `**/` → (anything/)?; `/**` at the end → (/anything)?; `**` alone → anything.
        if (item.trail) {
          const slash = this.add({ t: "c", pred: (c) => c === "/", out: next });
          return this.add({ t: "split", outs: [this.loop(anyChar, slash), next] });
        }
        if (item.lead) {
          const rest = this.loop(anyChar, next);
          const slash = this.add({ t: "c", pred: (c) => c === "/", out: rest });
          return this.add({ t: "split", outs: [slash, next] });
        }
        return this.loop(anyChar, next);
      }
      case "group": {
        if (item.q === "one" || item.q === "opt") {
          const starts = item.alts.map((alt) => this.seq(alt, next));
          return this.add({ t: "split", outs: item.q === "opt" ? [...starts, next] : starts });
        }
        const again = this.add({ t: "split", outs: [] });
        const starts = item.alts.map((alt) => this.seq(alt, again));
        (this.nodes[again] as { outs: number[] }).outs = [...starts, next];
        return item.q === "star" ? again : this.add({ t: "split", outs: starts });
      }
    }
  }
}

/** The automaton of some globs (any of them), and its start state. */
function automaton(patterns: readonly Item[][]): { nodes: Node[]; start: number } {
  const b = new Builder();
  const starts = patterns.map((items) => b.seq(items, 0));
  const start = b.nodes.length;
  b.nodes.push({ t: "split", outs: starts });
  return { nodes: b.nodes, start };
}

function run(nodes: Node[], start: number, path: string, meter?: { steps: number }): boolean {
  const mark = new Int32Array(nodes.length).fill(-1);
  let current: number[] = [];
  let generation = 0;
  const stack: number[] = [];
  const addTo = (list: number[], state: number) => {
    stack.push(state);
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (mark[s] === generation) continue;
      mark[s] = generation;
      if (meter) meter.steps++;
      const node = nodes[s] as Node;
      if (node.t === "split")
        for (let k = node.outs.length - 1; k >= 0; k--) stack.push(node.outs[k] as number);
      else list.push(s);
    }
  };
  addTo(current, start);
  for (const ch of path) {
    generation++;
    const next: number[] = [];
    for (const s of current) {
      const node = nodes[s] as Node;
      if (node.t === "c") {
        if (meter) meter.steps++;
        if (node.pred(ch)) addTo(next, node.out);
      }
    }
    if (next.length === 0) return false;
    current = next;
  }
  return current.some((s) => (nodes[s] as Node).t === "m");
}

function parseOne(pattern: string): { negated: boolean; items: Item[] } {
  let p = pattern;
  let negated = false;
  while (p.startsWith("!") && !p.startsWith("!(")) {
    negated = !negated;
    p = p.slice(1);
  }
  if (p.startsWith("./")) p = p.slice(2);
  return { negated, items: new Parser(p).parse() };
}

/** Why a glob is refused (a one-line reason), or null when it compiles. */
export function globProblem(pattern: string): string | null {
  try {
    parseOne(pattern);
    return null;
  } catch (error) {
    if (error instanceof GlobError) return error.message;
    throw error;
  }
}

/** Compiles globs (any may match; a leading `!` negates one). Throws GlobError on a refused one. */
export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const parsed = patterns.map(parseOne);
  const positive = automaton(parsed.filter((p) => !p.negated).map((p) => p.items));
  const negative = parsed.filter((p) => p.negated).map((p) => automaton([p.items]));
  const anyPositive = parsed.some((p) => !p.negated);
  return {
    states: positive.nodes.length + negative.reduce((n, a) => n + a.nodes.length, 0),
    match(path, meter) {
      if (anyPositive && run(positive.nodes, positive.start, path, meter)) return true;
      return negative.some((a) => !run(a.nodes, a.start, path, meter));
    },
  };
}
