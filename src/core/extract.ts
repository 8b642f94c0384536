/** The scanner's entry: a file's path and text in, its uv pins and skip reasons out. Never throws. */
import { mentionsBuildArg } from "./build-args.js";
import { ChecksumLedger, holdUntied } from "./checksum-ledger.js";
import { extractDockerfile } from "./extract-dockerfile.js";
import { extractRequirements, pyprojectRequirements } from "./extract-requirements.js";
import { extractText } from "./extract-text.js";
import { extractToml } from "./extract-toml.js";
import { extractYaml, yamlMayPin } from "./extract-yaml.js";
import { baseName, type FileKind, fileKind } from "./file-kind.js";
import { markLatest } from "./latest-urls.js";
import { Lines } from "./lines.js";
import { DEFAULT_IMAGES } from "./matchers.js";
import { markMirrored } from "./mirrors.js";
import { type FileContext, HELD_WHOLE } from "./pins.js";
import type { Pin, ScanOptions, ScanResult, Skipped } from "./types.js";
import { markers } from "./uv-markers.js";

export function scanText(path: string, text: string, options: ScanOptions = {}): ScanResult {
  const kind = fileKind(path);
  if (kind === null) return { pins: [], skipped: [] };
  return scanAs(kind, path, text, options);
}

export function scanAs(
  kind: FileKind,
  path: string,
  text: string,
  options: ScanOptions = {},
): ScanResult {
  const images = options.images ?? DEFAULT_IMAGES;
  const { buildArgs } = options;
  if (
    !mayPinUv(text, images, kind) &&
    !(kind !== "dockerfile" && mentionsBuildArg(text, buildArgs))
  )
    return { pins: [], skipped: [] };
  const ledger = new ChecksumLedger();
  const ctx: FileContext = { file: path, text, lines: new Lines(text), images, ledger };
  if (buildArgs && kind !== "dockerfile") ctx.buildArgs = buildArgs;
  try {
    const { pins: found, skipped } = extractByKind(kind, ctx);
    holdUntied(ctx, ledger, found);
    found.sort((a, b) => a.line - b.line);
    const pins = onceEach(found);
    if (options.mirrors) markMirrored(pins, options.mirrors);
    markLatest(pins);
    for (const pin of pins) {
      if (pin.skipReason) skipped.push({ file: path, line: pin.line, reason: pin.skipReason });
    }
    return { pins, skipped };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      pins: [],
      skipped: [{ file: path, line: null, reason: `could not be read: ${message}` }],
    };
  }
}

/**
 * An image without a version held whole by a variable (`ARG UV_IMAGE=…:latest`, used by several
 * `FROM ${UV_IMAGE}`) is one pin, reported at its first use: its uses are the same text.
 */
function onceEach(pins: Pin[]): Pin[] {
  const seen = new Set<string>();
  return pins.filter((p) => {
    const held = HELD_WHOLE.get(p);
    if (held === undefined) return true;
    const key = JSON.stringify([held, p.image, p.tag, p.digest, p.spans, p.skipReason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether a text can hold a uv pin at all: every pin the extractors find has one of these strings
 * written in the file (an image name, whose registry host may be in any case; an astral.sh /
 * astral-sh URL or action; `uv==`; `required-version`). In a Dockerfile a line continuation may
 * split them, so it is also tried with continuations removed. Other files are not parsed, which
 * is most files. A YAML file must also pass `yamlMayPin` (the gate is wide: `pip` in `pipeline`,
 * and a YAML file is parsed whole).
 */
export function mayPinUv(text: string, images: readonly string[], kind?: FileKind): boolean {
  const pattern = markers(images);
  if (pattern.test(text)) return kind !== "yaml" || yamlMayPin(text, images);
  if (kind !== "dockerfile" || !/[\\`][ \t]*[\r\n]/.test(text)) return false;
  return pattern.test(
    text.replace(/[\\`][ \t]*(?:\r\n|\n|\r)(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r))*/g, ""),
  );
}

function extractByKind(kind: FileKind, ctx: FileContext): { pins: Pin[]; skipped: Skipped[] } {
  switch (kind) {
    case "dockerfile":
      return { pins: extractDockerfile(ctx), skipped: [] };
    case "toml":
      return baseName(ctx.file) === "uv.toml"
        ? { pins: extractToml(ctx, ""), skipped: [] }
        : { pins: [...extractToml(ctx, "tool.uv"), ...pyprojectRequirements(ctx)], skipped: [] };
    case "requirements":
      return { pins: extractRequirements(ctx), skipped: [] };
    case "yaml":
      return extractYaml(ctx);
    default:
      return { pins: extractText(ctx, kind).pins, skipped: [] };
  }
}
