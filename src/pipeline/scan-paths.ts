/** The CLI's scan: local paths in, every pin and skip reason out (the same core the app uses). */
import { stat } from "node:fs/promises";
import { readText, walk } from "../adapters/local-files.js";
import { scanText } from "../core/extract.js";
import { fileKind } from "../core/file-kind.js";
import type { ScanOptions, ScanResult } from "../core/types.js";
import { UsageError } from "../errors.js";

/** Scans files and directories; a missing path is a UsageError (nothing is scanned). */
export async function scanPaths(
  paths: readonly string[],
  options: ScanOptions = {},
): Promise<ScanResult> {
  const kinds = await Promise.all(
    paths.map(async (p) => {
      try {
        return { path: p, dir: (await stat(p)).isDirectory() };
      } catch {
        throw new UsageError(`no such file or directory: ${p}`);
      }
    }),
  );
  const result: ScanResult = { pins: [], skipped: [] };
  const scanOne = async (path: string, name: string) => {
    const loaded = await readText(path);
    if (!loaded.ok) {
      result.skipped.push({ file: name, line: null, reason: loaded.reason });
      return;
    }
    const found = scanText(name, loaded.text, options);
    result.pins.push(...found.pins);
    result.skipped.push(...found.skipped);
  };
  for (const { path, dir } of kinds) {
    if (!dir) {
      if (fileKind(path) === null) {
        result.skipped.push({ file: path, line: null, reason: "not a kind of file that pins uv" });
      } else {
        await scanOne(path, path);
      }
      continue;
    }
    for await (const file of walk(path, (name) => fileKind(name) !== null)) {
      await scanOne(file.path, file.name);
    }
  }
  return result;
}
