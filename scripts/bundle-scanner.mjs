/**
 * Bundles the scanner (`<dist>/pipeline/scanner.js`, as tsc wrote it, and every module of ours it
 * imports) into that one file, in place: `scan` then loads one module instead of 47. Packages and
 * Node's built-in modules stay imports. Run by `npm run build` after tsc:
 *
 *   node scripts/bundle-scanner.mjs dist
 */

import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const dist = process.argv[2];
if (!dist) {
  process.stderr.write("usage: node scripts/bundle-scanner.mjs DIST\n");
  process.exit(2);
}
const entry = resolve(dist, "pipeline", "scanner.js");
const result = await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20.19",
  logLevel: "warning",
  legalComments: "none",
  metafile: true,
});
// tsc's source map describes the file this replaced.
rmSync(`${entry}.map`, { force: true });
const inputs = Object.keys(result.metafile.inputs).length;
if (inputs < 2)
  throw new Error(`bundling ${join(dist, "pipeline/scanner.js")}: only ${inputs} input`);
