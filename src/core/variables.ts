/**
 * Variable definitions in the text of shell scripts, Makefiles, PowerShell and YAML, and a lookup
 * over them: the nearest definition before the use, else the first one after it.
 */
import { inside } from "./comments.js";
import type { Definition, Lookup } from "./expand.js";
import type { Lines } from "./lines.js";
import type { Span } from "./types.js";

export type Dialect = "shell" | "make" | "powershell" | "yaml";

interface Pattern {
  re: RegExp;
  /** Whether the value may be followed by more text on the line (shell: `A=1 B=2 cmd`). */
  token: boolean;
}

const VALUE = String.raw`(?:"(?<dq>[^"\r\n]*)"|'(?<sq>[^'\r\n]*)'|(?<plain>[^\s;&|#"'\`]*))`;

const PATTERNS: Record<Dialect, Pattern[]> = {
  shell: [
    {
      re: new RegExp(
        String.raw`(?<=^|[\s;&|(])(?:(?:export|local|readonly|declare(?:\s+-\w+)*)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=${VALUE}`,
        "gmd",
      ),
      token: true,
    },
    { re: /\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*):?=(?<plain>[^}\s]*)\}/dg, token: true },
  ],
  make: [
    {
      re: new RegExp(
        String.raw`^[ \t]*(?:(?:export|override)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:\?=|::=|:=|=)[ \t]*${VALUE}[ \t]*(?:#.*)?$`,
        "gmd",
      ),
      token: false,
    },
  ],
  powershell: [
    {
      re: new RegExp(
        String.raw`(?<=^|[\s;(])\$(?:env:|script:|global:)?(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*${VALUE}`,
        "gmd",
      ),
      token: true,
    },
  ],
  yaml: [
    {
      re: new RegExp(
        String.raw`^[ \t]*(?:-[ \t]+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]+${VALUE}[ \t]*(?:#.*)?$`,
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

/** Definitions written in `text[start, end)` in one dialect, skipping those inside `hidden`. */
export function definitions(
  text: string,
  dialect: Dialect,
  lines: Lines | null,
  hidden: readonly Span[] = [],
  start = 0,
  end = text.length,
): Definition[] {
  const slice = start === 0 && end === text.length ? text : text.slice(start, end);
  const out: Definition[] = [];
  for (const { re } of PATTERNS[dialect]) {
    for (const m of slice.matchAll(re)) {
      const groups = m.indices?.groups;
      const name = m.groups?.name;
      if (!groups || !name) continue;
      const at = start + (m.index ?? 0);
      if (inside(hidden, at)) continue;
      const value = groups.dq ?? groups.sq ?? groups.plain;
      if (!value) continue;
      const [vs, ve] = value;
      const valueStart = start + vs;
      out.push({
        name,
        start: valueStart,
        end: start + ve,
        line: lines ? lines.lineOf(valueStart) : 0,
      });
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
  return definitions(text, "shell", lines, [], start, end);
}

/** Nearest definition before the use, else the first after it. */
export function lookupIn(defs: readonly Definition[]): Lookup {
  const byName = new Map<string, Definition[]>();
  for (const d of defs) {
    const list = byName.get(d.name);
    if (list) list.push(d);
    else byName.set(d.name, [d]);
  }
  return (name, at) => {
    const list = byName.get(name);
    if (!list) return undefined;
    let before: Definition | undefined;
    for (const d of list) if (d.start < at) before = d;
    return before ?? list[0];
  };
}
