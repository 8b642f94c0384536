/**
 * A region's assignments and located pins, indexed for the checksum tracer: every question it
 * asks (the assignment of a name before a place, the assignments made in some branches, an
 * array's entries, the pin whose URL is at a place) costs O(log n) or a bounded amount, whatever
 * the region holds, so tracing stays linear in the region's size.
 */

import type { LocatedPin } from "./checksum-types.js";
import type { Region } from "./commands.js";
import type { Definition } from "./expand.js";
import type { FileContext } from "./pins.js";
import type { Assignment, Flow } from "./shell-flow.js";
import { wordKey } from "./shell-words.js";

/** How many values a name may take under branches, or an array may hold, and still be read. */
export const MAX_CHOICES = 64;

type Entry = NonNullable<Assignment["entries"]>[number];

interface Named {
  /** Unconditional scalar assignments, in text order. */
  plain: Assignment[];
  /** Assignments made in a branch (scalars and arrays), in text order, and by branch key. */
  branched: Assignment[];
  byBranch: Map<string, Assignment[]>;
  /** Unconditional array assignments (a literal, or one entry `S[k]=v`), in text order. */
  arrays: Assignment[];
  entries: number;
}

export class FlowIndex {
  private readonly names = new Map<string, Named>();
  /** Unconditional scalar assignments by their value's key (`$(uname -m)`): folded name → name. */
  private values: Map<string, Map<string, string>> | null = null;

  constructor(
    private readonly ctx: FileContext,
    private readonly region: Region,
    private readonly flow: Flow,
    private readonly located: LocatedPin[],
  ) {
    for (const a of flow.assignments) {
      const key = this.fold(a.name);
      let n = this.names.get(key);
      if (!n) {
        n = { plain: [], branched: [], byBranch: new Map(), arrays: [], entries: 0 };
        this.names.set(key, n);
      }
      if (a.branch) {
        n.branched.push(a);
        const list = n.byBranch.get(a.branch.key);
        if (list) list.push(a);
        else n.byBranch.set(a.branch.key, [a]);
      } else if (a.entries) {
        n.arrays.push(a);
        n.entries += a.entries.length;
      } else n.plain.push(a);
    }
  }

  fold(name: string): string {
    return this.region.powershell ? name.toLowerCase() : name;
  }

  lookup(name: string, at: number): Definition | null | undefined {
    return this.region.lookup(name, at);
  }

  /** Whether some branch assigns the name. */
  isConditional(name: string): boolean {
    return (this.names.get(this.fold(name))?.branched.length ?? 0) > 0;
  }

  /** The last unconditional scalar assignment of the name before `at`. */
  plainBefore(name: string, at: number): Assignment | undefined {
    const plain = this.names.get(this.fold(name))?.plain ?? [];
    let lo = 0;
    let hi = plain.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((plain[mid] as Assignment).at < at) lo = mid + 1;
      else hi = mid;
    }
    return plain[lo - 1];
  }

  /** The first unconditional scalar assignment of the name. */
  firstPlain(name: string): Assignment | undefined {
    return this.names.get(this.fold(name))?.plain[0];
  }

  /**
   * The assignments of the name made in a branch whose key is one of `keys` (in any branch when
   * `keys` is empty), in text order; only scalars with `scalars`. Null when there are more than
   * MAX_CHOICES.
   */
  inBranches(name: string, keys: readonly string[], scalars: boolean): Assignment[] | null {
    const n = this.names.get(this.fold(name));
    if (!n) return [];
    const wanted = (a: Assignment) => !scalars || a.entries === null;
    if (keys.length === 0) {
      if (n.branched.length > MAX_CHOICES) return null;
      return n.branched.filter(wanted);
    }
    const out: Assignment[] = [];
    for (const key of new Set(keys)) {
      for (const a of n.byBranch.get(key) ?? []) {
        if (!wanted(a)) continue;
        if (out.length === MAX_CHOICES) return null;
        out.push(a);
      }
    }
    return out.sort((x, y) => x.at - y.at);
  }

  /**
   * Every entry of the name's unconditional arrays, when all of them are assigned before `at`;
   * null when there are none, one comes later, or there are more than MAX_CHOICES.
   */
  arrayEntries(name: string, at: number): Entry[] | null {
    const n = this.names.get(this.fold(name));
    if (!n || n.entries === 0 || n.entries > MAX_CHOICES) return null;
    if ((n.arrays.at(-1) as Assignment).at > at) return null;
    return n.arrays.flatMap((a) => a.entries ?? []);
  }

  /** Names whose unconditional scalar value reads `key` (`arch=$(uname -m)`): folded → name. */
  valued(key: string): ReadonlyMap<string, string> {
    if (!this.values) {
      this.values = new Map();
      for (const n of this.names.values()) {
        for (const a of n.plain) {
          const v = wordKey(this.ctx.text.slice(a.value.start, a.value.end));
          const names = this.values.get(v) ?? new Map<string, string>();
          names.set(this.fold(a.name), a.name);
          this.values.set(v, names);
        }
      }
    }
    return this.values.get(key) ?? EMPTY;
  }

  /** The located pin whose URL starts in [start, end): binary search (they are in text order). */
  locatedIn(start: number, end: number): LocatedPin | null {
    let lo = 0;
    let hi = this.located.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.located[mid] as LocatedPin).start < start) lo = mid + 1;
      else hi = mid;
    }
    const found = this.located[lo];
    return found && found.start < end ? found : null;
  }

  /** The located pin a URL word stands for: the URL written there, or the variable holding it. */
  pinAt(at: number, key: string, end = at + key.length): LocatedPin | null {
    const here = this.locatedIn(at, end);
    if (here) return here;
    const m = /^\$(?:env:)?\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/i.exec(key);
    if (!m) return null;
    const name = m[1] as string;
    const span = this.plainBefore(name, at)?.value ?? this.region.lookup(name, at) ?? null;
    if (!span) return null;
    return this.locatedIn(span.start, span.end);
  }

  commands(): Flow["commands"] {
    return this.flow.commands;
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
