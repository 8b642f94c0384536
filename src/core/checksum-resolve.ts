/**
 * Per-architecture selection: every checksum an expected value can hold, with the branch (`case`/
 * `if` on `TARGETARCH`, `uname -m`, `$arch`) or the associative-array entry that chooses it, and
 * the download URL as it reads under that choice. A value is followed through at most MAX_DEPTH
 * variables and MAX_STEPS steps, and a name with more than MAX_CHOICES values is not read, so
 * each check costs a bounded amount whatever the file holds.
 */

import { type FlowIndex, MAX_CHOICES } from "./checksum-index.js";
import {
  type Bindings,
  chain,
  HEX_VALUE,
  type LocatedPin,
  NO_BINDINGS,
  type Reached,
} from "./checksum-types.js";
import type { Region } from "./commands.js";
import { type Definition, expand, type Lookup, PLACEHOLDER } from "./expand.js";
import type { FileContext } from "./pins.js";
import { type Assignment, type Branch, definitionOf } from "./shell-flow.js";
import { unquote, wordKey } from "./shell-words.js";

const MAX_DEPTH = 6;
/** How many values one check may follow (variables, branches, array entries). */
const MAX_STEPS = 256;
/** A value longer than this is no checksum, nor a name of one. */
const MAX_VALUE = 1024;

export class Resolver {
  private steps = 0;
  private readonly scopes = new WeakMap<Branch, Bindings>();

  constructor(
    private readonly ctx: FileContext,
    private readonly region: Region,
    private readonly index: FlowIndex,
  ) {}

  /**
   * Every checksum an expected value can hold, with the branch it is chosen in; null when some
   * value it can take is not a literal checksum this file writes, or there are too many.
   */
  reach(sum: { text: string; start: number; end: number }, at: number): Reached[] | null {
    this.steps = 0;
    const got = this.resolve(sum.text, sum.start, sum.end, at, 0, [], NO_BINDINGS);
    return got && got.length <= MAX_CHOICES ? got : null;
  }

  /** The download URL as it reads under a checksum's branch, or null when it is not certain. */
  urlUnder(d: LocatedPin, r: Reached): string | null {
    const lookup: Lookup = (name, at) => {
      const bound = r.bindings(this.index.fold(name));
      if (bound) return bound;
      const own = r.keys.length > 0 ? this.index.inBranches(name, r.keys, false) : [];
      if (own === null) return null;
      if (own.length === 1) return definitionOf(name, (own[0] as Assignment).value, this.ctx.lines);
      if (own.length > 1 || this.index.isConditional(name)) return null;
      return this.region.lookup(name, at);
    };
    const exp = expand(this.ctx.text, d.start, d.end, {
      lookup,
      escapeChar: this.region.escapeChar,
      drop: this.region.drop,
    });
    return exp.value.includes(PLACEHOLDER) ? null : exp.value;
  }

  private resolve(
    raw: string,
    start: number,
    end: number,
    at: number,
    depth: number,
    keys: string[],
    bindings: Bindings,
  ): Reached[] | null {
    if (depth > MAX_DEPTH || ++this.steps > MAX_STEPS || raw.length > MAX_VALUE) return null;
    const value = unquote(raw).trim();
    if (HEX_VALUE.test(value)) {
      const offset = this.ctx.text.indexOf(value, start);
      if (offset < 0 || offset >= end) return null;
      const span = { start: offset, end: offset + value.length };
      return [{ span, bindings, keys, arch: archOf(keys) }];
    }
    const arr = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\[(.+)\]\}$/.exec(value);
    if (arr)
      return this.resolveArray(arr[1] as string, arr[2] as string, at, depth, keys, bindings);
    const m =
      /^\$\$?(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|(?:env:)?([A-Za-z_][A-Za-z0-9_]*))$/i.exec(
        value,
      );
    if (!m) return null;
    const name = (m[1] ?? m[2] ?? m[3]) as string;
    const bound = bindings(this.index.fold(name));
    if (bound) return this.resolveDefinition(bound, depth, keys, bindings);
    const inBranch = this.index.inBranches(name, keys, true);
    if (inBranch === null) return null;
    if (inBranch.length > 0) {
      const out: Reached[] = [];
      for (const a of inBranch) {
        const b = a.branch as Branch;
        const nextKeys = keys.length ? keys : chain(b).map((x) => x.key);
        const scope = this.branchScope(b);
        const got = this.resolve(
          this.ctx.text.slice(a.value.start, a.value.end),
          a.value.start,
          a.value.end,
          a.at,
          depth + 1,
          nextKeys,
          (n) => scope(n) ?? bindings(n),
        );
        if (!got) return null;
        out.push(...got);
      }
      return out;
    }
    const before = this.index.plainBefore(name, at) ?? this.index.firstPlain(name);
    if (before) {
      const def = definitionOf(name, before.value, this.ctx.lines);
      return this.resolveDefinition(def, depth, keys, bindings);
    }
    const def = this.region.lookup(name, at);
    if (!def) return null;
    return this.resolveDefinition(def, depth, keys, bindings);
  }

  private resolveDefinition(
    def: Definition,
    depth: number,
    keys: string[],
    bindings: Bindings,
  ): Reached[] | null {
    if (def.end - def.start > MAX_VALUE) return null;
    const v = this.ctx.text.slice(def.start, def.end);
    return this.resolve(v, def.start, def.end, def.start, depth + 1, keys, bindings);
  }

  /** `${sums[$arch]}`: one checksum per entry, with the key bound to what the subscript names. */
  private resolveArray(
    name: string,
    subscript: string,
    at: number,
    depth: number,
    keys: string[],
    bindings: Bindings,
  ): Reached[] | null {
    const entries = this.index.arrayEntries(name, at);
    if (!entries) return null;
    const sub = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(unquote(subscript));
    const subName = sub ? this.index.fold(sub[1] as string) : null;
    // Variables assigned the same command as the subscript (`arch=$(uname -m)`) take the key too.
    const alike = sub ? null : this.index.valued(wordKey(subscript));
    const out: Reached[] = [];
    for (const e of entries) {
      const def = definitionOf(e.key, e.keySpan, this.ctx.lines);
      const next: Bindings = (n) => (n === subName || alike?.has(n) ? def : bindings(n));
      const got = this.resolve(
        this.ctx.text.slice(e.value.start, e.value.end),
        e.value.start,
        e.value.end,
        e.value.start,
        depth + 1,
        [...keys, `${name}[${e.key}]`],
        next,
      );
      if (!got) return null;
      for (const g of got) g.arch = e.key;
      out.push(...got);
    }
    return out;
  }

  /**
   * What a branch binds: the subject it tests reads as its pattern there (`case "$arch" in
   * x86_64)`), and so do the variables assigned the subject's command (`a=$(uname -m)` under
   * `case "$(uname -m)"`). The outermost branch wins a name, as its binding was made last.
   */
  private branchScope(b: Branch): Bindings {
    const known = this.scopes.get(b);
    if (known) return known;
    const tests = chain(b)
      .filter((x) => x.subject !== null && x.pattern !== null)
      .reverse();
    const memo = new Map<string, Definition | null>();
    const scope: Bindings = (name) => {
      let hit = memo.get(name);
      if (hit === undefined) {
        hit = null;
        for (const x of tests) {
          const subject = x.subject as string;
          const span = (x.pattern as { span: { start: number; end: number } }).span;
          const alike =
            this.index.valued(`$${subject}`).get(name) ?? this.index.valued(subject).get(name);
          if (alike !== undefined) hit = definitionOf(alike, span, this.ctx.lines);
          else if (/^[A-Za-z_]\w*$/.test(subject) && this.index.fold(subject) === name)
            hit = definitionOf(subject, span, this.ctx.lines);
          if (hit) break;
        }
        memo.set(name, hit);
      }
      return hit ?? undefined;
    };
    this.scopes.set(b, scope);
    return scope;
  }
}

/** The architecture a branch chooses, as its pattern is written. */
function archOf(keys: string[]): string | null {
  for (const k of keys) {
    const eq = k.lastIndexOf("=");
    if (eq >= 0 && !k.slice(eq + 1).startsWith("#")) return k.slice(eq + 1);
  }
  return null;
}
