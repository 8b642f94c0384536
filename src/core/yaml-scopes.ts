/**
 * What a YAML file's structure tells the text scan: where the comments are (YAML comments, and
 * shell comments inside scripts) and which variables the file defines, each scoped to the map that
 * holds it: `env:` and `variables:` maps (GitHub Actions, GitLab CI, also GitLab's `{value: …}`
 * form), `name:`/`value:` lists (Kubernetes `env:` for `$(NAME)` in `command`/`args`, Azure
 * Pipelines `variables:`), and shell assignments in scripts.
 */
import type { Document, Scalar } from "yaml";
import { hashComments } from "./comments.js";
import type { Lines } from "./lines.js";
import type { Span } from "./types.js";
import { definitions, type ScopedDefinition } from "./variables.js";
import { isMap, isScalar, isSeq } from "./yaml-lib.js";

/** Keys whose string values (or the items of whose lists) are shell scripts. */
const SCRIPT_KEYS = new Set([
  "run",
  "script",
  "before_script",
  "after_script",
  "command",
  "args",
  "entrypoint",
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface YamlScopes {
  hidden: Span[];
  defs: ScopedDefinition[];
}

/**
 * `comments` are the file's YAML comments (see `parseYaml`); the array is extended and returned as
 * `hidden`.
 *
 * Work that cannot change the result is skipped. Definitions are only ever read through a lookup,
 * and a lookup only happens at a `$` in the text (every reference that `expand` reads, and the
 * checksum variables of `pairArchiveChecksum`, start with one): without a `$`, no definitions are
 * needed. `hashComments` only finds spans that start at a `#`: without one, no spans are added.
 */
export function yamlScopes(
  text: string,
  lines: Lines,
  docs: readonly Document[],
  comments: Span[],
): YamlScopes {
  const hidden = comments;
  const defs: ScopedDefinition[] = [];
  const wantDefs = text.includes("$");
  const wantHidden = text.includes("#");
  if (!wantDefs && !wantHidden) return { hidden, defs };
  const scripts: { start: number; end: number; scope: Span }[] = [];
  const define = (name: unknown, value: unknown, scope: Span): void => {
    if (typeof name !== "string" || !NAME.test(name)) return;
    const range = isScalar(value) ? valueRange(value) : null;
    if (range) {
      const unknown = range.end === range.start;
      defs.push({ name, ...range, line: lines.lineOf(range.start), scope, unknown });
    } else if (value !== undefined) {
      // Set from elsewhere (`valueFrom:`, a nested map): declared, value unknown.
      defs.push({ name, start: scope.start, end: scope.start, line: 0, scope, unknown: true });
    }
  };
  const visit = (node: unknown, scope: Span | null, key: string | null): void => {
    if (isSeq(node)) {
      for (const item of node.items) visit(item, scope, key);
      return;
    }
    if (isScalar(node)) {
      const range = valueRange(node);
      const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
      if (!range || !scope || typeof node.value !== "string") return;
      if (wantHidden && (block || node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE")) {
        hidden.push(...hashComments(text, range.start, range.end));
      }
      if (wantDefs && (block || (key !== null && SCRIPT_KEYS.has(key)))) {
        scripts.push({ ...range, scope });
      }
      return;
    }
    if (!isMap(node) || !node.range) return;
    const here = { start: node.range[0], end: node.range[2] };
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : null;
      if (wantDefs && (k === "env" || k === "variables")) {
        if (isMap(pair.value)) {
          for (const v of pair.value.items) {
            if (!isScalar(v.key)) continue;
            const value = isMap(v.value) ? v.value.get("value", true) : v.value;
            define(v.key.value, value, here);
          }
        } else if (isSeq(pair.value)) {
          for (const item of pair.value.items) {
            if (!isMap(item)) continue;
            define(item.get("name"), item.get("value", true) ?? item.get("valueFrom", true), here);
          }
        }
      }
      visit(pair.value, here, typeof k === "string" ? k : null);
    }
  };
  for (const doc of docs) visit(doc.contents, null, null);
  for (const s of scripts) {
    for (const d of definitions(text, "shell", lines, hidden, s.start, s.end)) {
      defs.push({ ...d, scope: s.scope });
    }
  }
  return { hidden, defs };
}

/** The range of a scalar's text as written: quotes excluded; a block scalar's header included. */
export function valueRange(node: Scalar): Span | null {
  if (!node.range) return null;
  const [start, end] = node.range;
  const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
  return quoted ? { start: start + 1, end: end - 1 } : { start, end };
}
