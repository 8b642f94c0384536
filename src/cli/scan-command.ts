/** `uv-pin-bot scan [PATH...] [--json] [--config FILE]`: loads the scanner only (no HTTP, Sigstore or Probot). */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderScanTable, scanJson } from "../core/render-scan.js";
import type { ScanOptions } from "../core/types.js";
import { firstDirectory, scanPaths } from "../pipeline/scan-paths.js";
import type { Io } from "./io.js";
import { HELP } from "./main.js";
import { jsonText } from "./terminal-safe.js";

export async function scanCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const paths = positionals.length > 0 ? positionals : ["."];
  const result = await scanPaths(paths, await configuredImages(paths, values.config));
  io.out(values.json ? jsonText(scanJson(result)) : renderScanTable(result));
  return 0;
}

/**
 * The configuration's `images` (registry mirrors count as uv), read like `check` reads it; the
 * configuration code loads only when there is a configuration to read.
 */
async function configuredImages(paths: string[], file: string | undefined): Promise<ScanOptions> {
  const dir = await firstDirectory(paths);
  if (file === undefined) {
    if (dir === null) return {};
    const exists = await access(join(dir, ".github/uv-pin-bot.yml")).then(
      () => true,
      () => false,
    );
    if (!exists) return {};
  }
  const [{ loadConfig }, { scanOptionsFor }] = await Promise.all([
    import("../pipeline/load-config.js"),
    import("../core/mirrors.js"),
  ]);
  return scanOptionsFor((await loadConfig(dir, file)).images);
}
