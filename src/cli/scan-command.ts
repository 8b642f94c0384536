/** `uv-pin-bot scan [PATH...] [--json]`: loads the scanner only (no HTTP, Sigstore or Probot). */
import { parseArgs } from "node:util";
import { renderScanTable, scanJson } from "../core/render-scan.js";
import { scanPaths } from "../pipeline/scan-paths.js";
import type { Io } from "./io.js";
import { HELP } from "./main.js";

export async function scanCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const result = await scanPaths(positionals.length > 0 ? positionals : ["."]);
  io.out(values.json ? `${JSON.stringify(scanJson(result), null, 2)}\n` : renderScanTable(result));
  return 0;
}
