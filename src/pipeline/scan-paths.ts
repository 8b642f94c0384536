/** The CLI's scan: local paths in, every pin and skip reason out (the same core the app uses). */
import { stat } from "node:fs/promises";
import { readText, walk } from "../adapters/local-files.js";
import { type FileKind, fileKind } from "../core/file-kind.js";
import type { ScanOptions, ScanResult } from "../core/types.js";
import { UsageError } from "../errors.js";

export interface LocalScan extends ScanResult {
  /** Where each scanned file is on disk, by the name its pins carry. */
  locations: Map<string, string>;
  /** The options the files were scanned with (rewrite with these: they read the same pins). */
  options?: ScanOptions;
}

export interface LocalScanOptions extends ScanOptions {
  /** Which files (by their reported name) to read; default all. */
  accept?: (name: string) => boolean;
}

/** Scans files and directories; a missing path is a UsageError (nothing is scanned). */
export async function scanPaths(
  paths: readonly string[],
  options: LocalScanOptions = {},
): Promise<LocalScan> {
  const kinds = await Promise.all(
    paths.map(async (p) => {
      try {
        return { path: p, dir: (await stat(p)).isDirectory() };
      } catch {
        throw new UsageError(`no such file or directory: ${p}`);
      }
    }),
  );
  const result: LocalScan = { pins: [], skipped: [], locations: new Map() };
  const accept = options.accept ?? (() => true);
  const files: { path: string; name: string }[] = [];
  for (const { path, dir } of kinds) {
    if (!dir) {
      if (fileKind(path) === null) {
        result.skipped.push({ file: path, line: null, reason: "not a kind of file that pins uv" });
      } else {
        files.push({ path, name: path });
      }
      continue;
    }
    for (const file of walk(path, (name) => fileKind(name) !== null && accept(name))) {
      files.push(file);
    }
  }
  if (files.length === 0) return result;
  // The extractors (and their parsers) load only when there is something to scan.
  const { scanAs, withBuildArgs } = await import("./scanner.js");
  for (const f of files) result.locations.set(f.name, f.path);
  const texts: { path: string; text: string }[] = [];
  const scans = new Map<string, ScanResult>();
  const scanned = files.map(({ path, name }) => {
    const loaded = readText(path);
    if (!loaded.ok)
      return { pins: [], skipped: [{ file: name, line: null, reason: loaded.reason }] };
    // Every file here has a kind (the walk and the single paths above kept only those).
    const kind = fileKind(name) as FileKind;
    const found = scanAs(kind, name, loaded.text, options);
    // The second scan reads the Dockerfiles with pins and the other files: a Dockerfile without
    // pins is not kept (most of a repository's text, held until the end for nothing).
    if (found.pins.length > 0 || kind !== "dockerfile") {
      texts.push({ path: name, text: loaded.text });
    }
    scans.set(name, found);
    return found;
  });
  // Overrides of the Dockerfile ARGs that feed pins are pins too: their files are read again.
  result.options = withBuildArgs(texts, scans, options);
  for (const [i, f] of files.entries())
    scanned[i] = scans.get(f.name) ?? (scanned[i] as ScanResult);
  for (const found of scanned) {
    result.pins.push(...found.pins);
    result.skipped.push(...found.skipped);
  }
  return result;
}

/** The first of the paths that is a directory (where `.github/uv-pin-bot.yml` is read), or null. */
export async function firstDirectory(paths: readonly string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      if ((await stat(p)).isDirectory()) return p;
    } catch {
      // scanPaths reports missing paths.
    }
  }
  return null;
}
