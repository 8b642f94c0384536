/**
 * uv pins in YAML files. Image references, installer URLs and `pip install uv==…` are found in
 * the text (outside comments), with variables from the YAML structure; `version` pins held in
 * the structure are `astral-sh/setup-uv` steps' `with: version:` and `astral-sh/uv-pre-commit`
 * hooks' `rev:`. Values are read as written (`0.10` stays `0.10`). Text that is not valid YAML is
 * reported, and the pins found in it are never edited.
 */
import type { Document } from "yaml";
import { expand, type Lookup } from "./expand.js";
import { yamlOverridePins } from "./extract-overrides.js";
import { extractText } from "./extract-text.js";
import { baseName } from "./file-kind.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin, Skipped } from "./types.js";
import { instructionMarkers, instructionMayPin } from "./uv-markers.js";
import { lookupIn, type ScopedDefinition } from "./variables.js";
import { TOO_DEEP } from "./yaml-depth.js";
import { isMap, isScalar, isSeq } from "./yaml-lib.js";
import { parseYaml } from "./yaml-parse.js";
import { valueRange, yamlScopes } from "./yaml-scopes.js";

const SETUP_UV = /^astral-sh\/setup-uv(@|$)/;
const UV_PRE_COMMIT = /^https:\/\/github\.com\/astral-sh\/uv-pre-commit(\.git)?\/?$/;
/**
 * Text in which a scalar's value can match SETUP_UV or UV_PRE_COMMIT, so that `structurePins` can
 * find anything. A scalar's value keeps its text's characters in order: quotes and indentation are
 * dropped, `''` reads `'`, and a line break folds to a space or to line breaks, never to nothing.
 * Only a double-quoted scalar's escapes write what the text does not: a `\x`/`\u`/`\U` code, or an
 * escaped line break, which joins two lines (the other escapes write no letter and no `-`). So
 * without these, a value holds `setup-uv` or `uv-pre-commit` only where the text does.
 */
const MAY_PIN_STRUCTURE = /setup-uv|uv-pre-commit|\\[xuU\r\n]/;
export const INVALID_YAML = "the file is not valid YAML";

/**
 * Whether a YAML file may hold a pin, asked before it is parsed (parsing is most of a YAML file's
 * cost: a 700 kB manifest takes a third of a second, and the file gate lets one through for a
 * `pipeline` in it). Every pin the YAML extractor finds comes from the text's uv text (the image
 * names, installer URLs and commands of `extractText`, the `UV_VERSION` build arguments of
 * `yamlOverridePins`: `instructionMayPin`, the test that decides which Dockerfile instructions the
 * same scanners read) or from a value of the structure (MAY_PIN_STRUCTURE, which also lets through
 * the escapes that write a value the text does not hold). A file with neither is not parsed, so
 * it is not reported when it is not valid YAML: it holds nothing this tool updates.
 */
export function yamlMayPin(text: string, images: readonly string[]): boolean {
  return instructionMayPin(text, instructionMarkers(images)) || MAY_PIN_STRUCTURE.test(text);
}

export function extractYaml(ctx: FileContext): { pins: Pin[]; skipped: Skipped[] } {
  const { docs, comments, errors, tooDeep } = parseYaml(ctx.text);
  if (tooDeep !== undefined) {
    // Read as text only, like invalid YAML: pins are reported, never edited.
    const text = extractText(ctx, "yaml");
    for (const pin of text.pins) pin.skipReason ??= TOO_DEEP;
    return {
      pins: text.pins,
      skipped: [{ file: ctx.file, line: ctx.lines.lineOf(tooDeep), reason: TOO_DEEP }],
    };
  }
  const error = errors ? firstError(ctx, docs) : null;
  if (error) {
    const text = extractText(ctx, "yaml");
    for (const pin of text.pins) pin.skipReason ??= INVALID_YAML;
    return { pins: text.pins, skipped: [error] };
  }
  const { hidden, defs } = yamlScopes(ctx.text, ctx.lines, docs, comments);
  const lookup = lookupIn([...defs, ...actionInputs(ctx, docs)]);
  const text = extractText(ctx, "yaml", { hidden, lookup });
  const found = [...text.pins, ...yamlOverridePins(ctx, docs, lookup, text.hidden)];
  if (!MAY_PIN_STRUCTURE.test(ctx.text)) return { pins: found, skipped: [] };
  return { pins: [...found, ...structurePins(ctx, docs, lookup)], skipped: [] };
}

/**
 * An action's `inputs:` defaults, as definitions named `inputs.NAME` (what `${{ inputs.NAME }}`
 * reads inside the same `action.yml`). Only in `action.yml`/`action.yaml`: in a workflow,
 * `inputs` are the caller's.
 */
function actionInputs(ctx: FileContext, docs: readonly Document[]): ScopedDefinition[] {
  if (!/^action\.ya?ml$/.test(baseName(ctx.file))) return [];
  const out: ScopedDefinition[] = [];
  for (const doc of docs) {
    if (!isMap(doc.contents)) continue;
    const inputs = doc.contents.get("inputs", true);
    if (!isMap(inputs)) continue;
    for (const pair of inputs.items) {
      const name = isScalar(pair.key) ? pair.key.value : null;
      const value = isMap(pair.value) ? pair.value.get("default", true) : null;
      const range = isScalar(value) ? valueRange(value) : null;
      if (typeof name !== "string" || !range) continue;
      const unknown = range.end === range.start;
      out.push({ name: `inputs.${name}`, ...range, line: ctx.lines.lineOf(range.start), unknown });
    }
  }
  return out;
}

function firstError(ctx: FileContext, docs: readonly Document[]): Skipped | null {
  for (const doc of docs) {
    const [error] = doc.errors;
    if (!error) continue;
    const line = error.linePos?.[0]?.line ?? null;
    // The first line of the message, without the source excerpt it introduces.
    const message = (error.message.split("\n")[0] ?? "").replace(/:$/, "");
    return { file: ctx.file, line, reason: `${INVALID_YAML}: ${message}` };
  }
  return null;
}

/** setup-uv `with: version:` and uv-pre-commit `rev:`, anywhere in any document. */
function structurePins(ctx: FileContext, docs: readonly Document[], lookup: Lookup): Pin[] {
  const pins: Pin[] = [];
  const visit = (node: unknown): void => {
    if (isSeq(node)) {
      for (const item of node.items) visit(item);
      return;
    }
    if (!isMap(node)) return;
    const uses = node.get("uses", true);
    if (isScalar(uses) && typeof uses.value === "string" && SETUP_UV.test(uses.value)) {
      const withMap = node.get("with", true);
      if (isMap(withMap)) pushScalar(ctx, withMap.get("version", true), lookup, pins);
    }
    const repo = node.get("repo", true);
    if (isScalar(repo) && typeof repo.value === "string" && UV_PRE_COMMIT.test(repo.value)) {
      pushScalar(ctx, node.get("rev", true), lookup, pins);
    }
    for (const pair of node.items) visit(pair.value);
  };
  for (const doc of docs) visit(doc.contents);
  return pins;
}

function pushScalar(ctx: FileContext, node: unknown, lookup: Lookup, pins: Pin[]): void {
  if (!isScalar(node)) return;
  if (node.type !== "PLAIN" && node.type !== "QUOTE_DOUBLE" && node.type !== "QUOTE_SINGLE") return;
  const range = valueRange(node);
  if (!range || range.end <= range.start) return;
  // The version text leaves out a `v` prefix (`v0.9.17`), as image tags and URLs do.
  const s = /^v\d/.test(ctx.text.slice(range.start, range.end)) ? range.start + 1 : range.start;
  const exp = expand(ctx.text, s, range.end, { lookup });
  const pin = versionPin(ctx, exp, ctx.lines.lineOf(s));
  if (pin.version !== null && /^[0-9a-f]{40}$/i.test(pin.version)) {
    // `pre-commit autoupdate --freeze` pins a commit; the version is only in a comment.
    pin.skipReason = `version: \`${pin.version}\` is a commit SHA, not a version`;
    pin.version = null;
    pin.spans.version = null;
    pin.versionLine = null;
  }
  pins.push(pin);
}
