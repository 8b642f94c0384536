/**
 * Variable definitions in the text of shell scripts, Makefiles, PowerShell and YAML, and a lookup
 * over them: the nearest definition before the use, else the first one after it.
 */
import { inside } from "./comments.js";
import type { Definition, Lookup } from "./expand.js";
import type { Lines } from "./lines.js";
import { indexedLookup } from "./lookup-index.js";
import type { Span } from "./types.js";

export type Dialect = "shell" | "make" | "powershell" | "yaml";

interface Pattern {
  re: RegExp;
  /** Whether the value may be followed by more text on the line (shell: `A=1 B=2 cmd`). */
  token: boolean;
  /**
   * For a pattern whose match ends `tail` characters after its value (after a quoted value's
   * closing quote): where the value is needs no match indices, and this copy of `re` without
   * the `d` flag is used (indices cost a match several times over).
   */
  tail?: number;
  plain?: RegExp;
}

const VALUE = String.raw`(?:"(?<dq>[^"\r\n]*)"|'(?<sq>[^'\r\n]*)'|(?<plain>[^\s;&|#"'\`]*))`;

/**
 * After a VALUE that is followed by `[ \t]*`: the blanks before an empty value were all taken.
 * Without it, a failing line of N blanks tries every split of them between the two `[ \t]*` (N²
 * steps). The splits it removes never match where taking all blanks did not, so matches are
 * unchanged.
 */
const AFTER_BLANKS = String.raw`(?:(?<![ \t])|(?![ \t]))`;

export const PATTERNS: Record<Dialect, Pattern[]> = {
  shell: [
    {
      re: new RegExp(
        String.raw`(?<=^|[\s;&|(])(?:(?:export|local|readonly|declare(?:\s+-\w+)*)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=${VALUE}`,
        "gmd",
      ),
      token: true,
      tail: 0,
    },
    { re: /\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*):?=(?<plain>[^}\s]*)\}/dg, token: true, tail: 1 },
  ],
  make: [
    {
      re: new RegExp(
        String.raw`^[ \t]*(?:(?:export|override)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:\?=|::=|:=|=)[ \t]*${VALUE}${AFTER_BLANKS}[ \t]*(?:#.*)?$`,
        "gmd",
      ),
      token: false,
    },
  ],
  powershell: [
    {
      re: new RegExp(
        String.raw`(?<=^|[\s;(])\$(?:env:|script:|global:)?(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*${VALUE}`,
        // PowerShell ignores case: `$Env:UV_VERSION`.
        "gmdi",
      ),
      token: true,
    },
  ],
  yaml: [
    {
      re: new RegExp(
        String.raw`^[ \t]*(?:-[ \t]+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]+${VALUE}${AFTER_BLANKS}[ \t]*(?:#.*)?$`,
        "gmd",
      ),
      token: false,
    },
    {
      re: new RegExp(
        String.raw`^[ \t]*-[ \t]+["']?(?<name>[A-Za-z_][A-Za-z0-9_]*)=${VALUE}`,
        "gmd",
      ),
      token: true,
    },
  ],
};

for (const patterns of Object.values(PATTERNS)) {
  for (const p of patterns) {
    if (p.tail !== undefined) p.plain = new RegExp(p.re.source, p.re.flags.replace("d", ""));
  }
}

/** Definitions written in `text[start, end)` in one dialect, skipping those inside `hidden`. */
export function definitions(
  text: string,
  dialect: Dialect,
  lines: Lines | null,
  hidden: readonly Span[] = [],
  start = 0,
  end = text.length,
): ScopedDefinition[] {
  const slice = start === 0 && end === text.length ? text : text.slice(start, end);
  const out: ScopedDefinition[] = [];
  for (const { re, tail, plain } of PATTERNS[dialect]) {
    // A pattern whose value ends `tail` characters before the match's end (one more after a
    // closing quote) is run without match indices (`plain`); the others read the value's indices.
    const pattern = plain !== undefined && tail !== undefined ? plain : re;
    // The module's regex (nothing here calls back in): its search starts at the slice's start.
    pattern.lastIndex = 0;
    for (let m = pattern.exec(slice); m !== null; m = pattern.exec(slice)) {
      if (m[0].length === 0) pattern.lastIndex++;
      const groups = m.groups;
      const name = groups?.name;
      if (!groups || !name) continue;
      const at = start + m.index;
      if (inside(hidden, at)) continue;
      const quote = groups.dq !== undefined ? '"' : groups.sq !== undefined ? "'" : "";
      const value = groups.dq ?? groups.sq ?? groups.plain;
      let vs: number;
      let ve: number;
      if (pattern === re) {
        const indices = m.indices?.groups;
        const range = indices?.dq ?? indices?.sq ?? indices?.plain;
        if (value === undefined || !range) continue;
        [vs, ve] = range;
      } else {
        if (value === undefined) continue;
        ve = m.index + m[0].length - (tail as number) - (quote ? 1 : 0);
        vs = ve - value.length;
      }
      const valueStart = start + vs;
      const def: ScopedDefinition = {
        name,
        start: valueStart,
        end: start + ve,
        line: lines ? lines.lineOf(valueStart) : 0,
      };
      if (ve === vs || computed(text.slice(valueStart, def.end), dialect, quote))
        def.unknown = true;
      out.push(def);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Shell assignments inside a Dockerfile RUN instruction. */
export function shellDefinitions(
  text: string,
  lines: Lines,
  start: number,
  end: number,
): Definition[] {
  // Every shell assignment holds `=`.
  if (!text.slice(start, end).includes("=")) return [];
  return definitions(text, "shell", lines, [], start, end);
}

/** A definition with where it applies and whether its value is known (see `lookupIn`). */
export interface ScopedDefinition extends Definition {
  /** Applies only inside this range (a YAML map, say); without one it applies file-wide. */
  scope?: Span;
  /** The value is empty or computed at run time (`$(cmd)`): declared, but without a known value. */
  unknown?: boolean;
}

/**
 * A lookup over definitions: within the innermost scope that defines the name, the nearest
 * definition before the use, else the first after it. A reference inside a variable's own value
 * (`V="${V:-0.9.17}"`) means an earlier value, never that one or a later one. An `unknown`
 * definition reads as declared without a value (`null`). PowerShell names ignore case.
 */
export function lookupIn(
  defs: readonly ScopedDefinition[],
  options: { ignoreCase?: boolean } = {},
): Lookup {
  const fold = (name: string) => (options.ignoreCase ? name.toLowerCase() : name);
  const sorted = [...defs].sort((a, b) => a.start - b.start);
  return indexedLookup(sorted, fold, lookupByScan(sorted, options));
}

/**
 * `lookupIn` as a pass over the name's definitions on every lookup: what the index answers,
 * written plainly (the index falls back on it where scopes do not nest).
 */
export function lookupByScan(
  defs: readonly ScopedDefinition[],
  options: { ignoreCase?: boolean } = {},
): Lookup {
  const fold = (name: string) => (options.ignoreCase ? name.toLowerCase() : name);
  const byName = new Map<string, ScopedDefinition[]>();
  for (const d of [...defs].sort((a, b) => a.start - b.start)) {
    const list = byName.get(fold(d.name));
    if (list) list.push(d);
    else byName.set(fold(d.name), [d]);
  }
  return (name, at) => {
    const visible = (byName.get(fold(name)) ?? []).filter(
      (d) => !d.scope || (d.scope.start <= at && at < d.scope.end),
    );
    for (const scope of scopesInnermostFirst(visible)) {
      const group = visible.filter((d) => d.scope === scope);
      const own = group.find((d) => d.start <= at && at < d.end);
      let found: ScopedDefinition | undefined;
      if (own) found = group.filter((d) => d.end <= own.start).at(-1);
      else found = group.filter((d) => d.start < at).at(-1) ?? group[0];
      if (found) return found.unknown ? null : found;
    }
    return undefined;
  };
}

function scopesInnermostFirst(defs: readonly ScopedDefinition[]): (Span | undefined)[] {
  const scopes = [...new Set(defs.map((d) => d.scope))];
  const size = (s: Span | undefined) => (s ? s.end - s.start : Number.POSITIVE_INFINITY);
  return scopes.sort((a, b) => size(a) - size(b));
}

/** Whether a shell or PowerShell value is computed when the script runs: `$(cmd)`, `(cmd)`. */
function computed(value: string, dialect: Dialect, quote: string): boolean {
  if (quote === "'") return false;
  if (dialect === "shell") return value.startsWith("$(") && !value.startsWith("$((");
  if (dialect === "powershell") return value.startsWith("$(") || (!quote && value.startsWith("("));
  return false;
}
