/**
 * `version` pins held in YAML structure: `astral-sh/setup-uv` steps' `with: version:` and
 * `astral-sh/uv-pre-commit` hooks' `rev:`. Values are read as written (`0.10` stays `0.10`).
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Scalar } from "yaml";
import { expand, type Lookup } from "./expand.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin, Skipped } from "./types.js";

const SETUP_UV = /^astral-sh\/setup-uv(@|$)/;
const UV_PRE_COMMIT = /^https:\/\/github\.com\/astral-sh\/uv-pre-commit(\.git)?\/?$/;

export interface YamlScan {
  pins: Pin[];
  /** Set when the text is not valid YAML. */
  error: Skipped | null;
}

export function extractYaml(ctx: FileContext, lookup: Lookup): YamlScan {
  const docs = parseAllDocuments(ctx.text, { keepSourceTokens: false, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const [error] = doc.errors;
    if (error) {
      const line = error.linePos?.[0]?.line ?? null;
      return {
        pins: [],
        error: { file: ctx.file, line, reason: `invalid YAML: ${error.message.split("\n")[0]}` },
      };
    }
  }
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
  for (const doc of list) visit(doc.contents);
  return { pins, error: null };
}

function pushScalar(ctx: FileContext, node: unknown, lookup: Lookup, pins: Pin[]): void {
  if (!isScalar(node) || !node.range) return;
  const scalar = node as Scalar;
  const [start, valueEnd] = scalar.range as [number, number, number];
  const quoted = scalar.type === "QUOTE_DOUBLE" || scalar.type === "QUOTE_SINGLE";
  if (!quoted && scalar.type !== "PLAIN") return;
  const s = quoted ? start + 1 : start;
  const e = quoted ? valueEnd - 1 : valueEnd;
  if (e <= s) return;
  const exp = expand(ctx.text, s, e, { lookup });
  pins.push(versionPin(ctx, exp, ctx.lines.lineOf(s)));
}
