/** A repository's second scan: the files that override a Dockerfile ARG that feeds a uv pin. Pure. */
import { buildArgUses, mentionsBuildArg } from "./build-args.js";
import { scanText } from "./extract.js";
import { fileKind } from "./file-kind.js";
import type { Pin, ScanOptions, ScanResult } from "./types.js";

/**
 * Learns the ARGs that the scanned Dockerfiles' pins read, and scans again (in `scans`, in place)
 * the other files that name one of them. Returns the options to scan and rewrite with from now on
 * (`options` itself when no Dockerfile ARG feeds a pin).
 */
export function withBuildArgs(
  files: readonly { path: string; text: string }[],
  scans: Map<string, ScanResult>,
  options: ScanOptions,
): ScanOptions {
  const texts = new Map<string, string>();
  const pins: Pin[] = [];
  for (const f of files) {
    if (fileKind(f.path) !== "dockerfile") continue;
    const found = scans.get(f.path);
    if (!found?.pins.length) continue;
    texts.set(f.path, f.text);
    for (const p of found.pins) pins.push(p);
  }
  const uses = buildArgUses(pins, texts);
  if (uses.size === 0) return options;
  const extended: ScanOptions = { ...options, buildArgs: uses };
  for (const f of files) {
    const kind = fileKind(f.path);
    if (kind === null || kind === "dockerfile" || !mentionsBuildArg(f.text, uses)) continue;
    scans.set(f.path, scanText(f.path, f.text, extended));
  }
  return extended;
}
