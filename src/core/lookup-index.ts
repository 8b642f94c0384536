/**
 * The lookup of `lookupIn` (variables.ts), indexed: per name, the scopes that define it as a
 * forest (YAML maps nest, they never overlap in part), and each scope's definitions in order, so
 * that one lookup costs the depth of the scopes around it plus a binary search, not a pass over
 * every definition of the name. Scopes that do overlap in part (or repeat a range) are answered
 * by the plain pass over the definitions (`fallback`).
 */
import type { Definition, Lookup } from "./expand.js";
import type { Span } from "./types.js";
import type { ScopedDefinition } from "./variables.js";

interface Group {
  scope: Span | undefined;
  /** By start. */
  defs: ScopedDefinition[];
  /** `reach[i]`: the largest end among `defs[0..i]`. */
  reach: number[];
  /** The innermost scope of the same name that holds this one. */
  parent: Group | null;
}

interface Named {
  /** Scoped groups by scope start (outer first on a tie). */
  scoped: Group[];
  fileWide: Group | null;
}

/** `defs` sorted by start. `fallback` answers names whose scopes do not nest. */
export function indexedLookup(
  defs: readonly ScopedDefinition[],
  fold: (name: string) => string,
  fallback: Lookup,
): Lookup {
  const byName = new Map<string, Map<Span | undefined, ScopedDefinition[]>>();
  for (const d of defs) {
    const name = fold(d.name);
    let groups = byName.get(name);
    if (!groups) {
      groups = new Map();
      byName.set(name, groups);
    }
    const list = groups.get(d.scope);
    if (list) list.push(d);
    else groups.set(d.scope, [d]);
  }
  const named = new Map<string, Named | null>();
  for (const [name, groups] of byName) named.set(name, build(groups));
  return (name, at) => {
    const entry = named.get(fold(name));
    if (entry === undefined) return undefined;
    if (entry === null) return fallback(name, at);
    for (let g = innermost(entry.scoped, at); g; g = g.parent) {
      if (!g.scope || !(g.scope.start <= at && at < g.scope.end)) continue;
      const found = inGroup(g, at);
      if (found) return found.unknown ? null : found;
    }
    if (entry.fileWide) {
      const found = inGroup(entry.fileWide, at);
      if (found) return found.unknown ? null : found;
    }
    return undefined;
  };
}

function group(scope: Span | undefined, defs: ScopedDefinition[]): Group {
  const reach: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const d of defs) {
    max = Math.max(max, d.end);
    reach.push(max);
  }
  return { scope, defs, reach, parent: null };
}

/** The groups of one name as a forest, or null when their scopes do not nest. */
function build(groups: Map<Span | undefined, ScopedDefinition[]>): Named | null {
  let fileWide: Group | null = null;
  const scoped: Group[] = [];
  for (const [scope, defs] of groups) {
    if (scope) scoped.push(group(scope, defs));
    else fileWide = group(undefined, defs);
  }
  scoped.sort(
    (a, b) =>
      (a.scope as Span).start - (b.scope as Span).start ||
      (b.scope as Span).end - (a.scope as Span).end,
  );
  const open: Group[] = [];
  for (const g of scoped) {
    const s = g.scope as Span;
    while (open.length && ((open[open.length - 1] as Group).scope as Span).end <= s.start)
      open.pop();
    const top = open[open.length - 1];
    if (top) {
      const t = top.scope as Span;
      // Inside the open scope, not equal to it, not past its end.
      if (s.end > t.end || (s.start === t.start && s.end === t.end)) return null;
      g.parent = top;
    }
    open.push(g);
  }
  return { scoped, fileWide };
}

/** The last group (by start) whose scope starts at or before `at`: its ancestors hold the rest. */
function innermost(scoped: readonly Group[], at: number): Group | null {
  let lo = 0;
  let hi = scoped.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (((scoped[mid] as Group).scope as Span).start <= at) lo = mid + 1;
    else hi = mid;
  }
  return scoped[lo - 1] ?? null;
}

/**
 * Within one scope: inside a definition's own value, the last definition that ends before it;
 * else the last one before `at`, else the first one.
 */
function inGroup(g: Group, at: number): ScopedDefinition | undefined {
  const { defs, reach } = g;
  // Definitions that start at or before `at`.
  let lo = 0;
  let hi = defs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((defs[mid] as Definition).start <= at) lo = mid + 1;
    else hi = mid;
  }
  const upTo = lo;
  // The first of them whose value holds `at`: where the running largest end first passes `at`.
  lo = 0;
  hi = upTo;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((reach[mid] as number) > at) hi = mid;
    else lo = mid + 1;
  }
  if (lo < upTo) {
    const own = defs[lo] as ScopedDefinition;
    // The last definition (in order) that ends by `own.start`: an empty one at `own.start` listed
    // after `own`, else the nearest before it (values overlap two deep at most, so this is short).
    let found: ScopedDefinition | undefined;
    for (let k = lo + 1; k < defs.length && (defs[k] as Definition).start <= own.start; k++) {
      if ((defs[k] as Definition).end <= own.start) found = defs[k];
    }
    if (found) return found;
    for (let k = lo - 1; k >= 0; k--) {
      if ((defs[k] as ScopedDefinition).end <= own.start) return defs[k];
    }
    return undefined;
  }
  // The last definition that starts before `at` (`start < at`), else the first.
  let last = upTo - 1;
  while (last >= 0 && (defs[last] as Definition).start >= at) last--;
  return last >= 0 ? defs[last] : defs[0];
}
