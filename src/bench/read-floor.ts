/**
 * The read-only floor of the side-by-side benchmark, as a whole process: walk the directory
 * (skipping .git and node_modules), read every file our scanner would read, and test each for a
 * substring. Nothing is parsed: no scanner can be faster than this on the same files.
 *
 *   node dist/bench/read-floor.js DIR
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileKind } from "../core/file-kind.js";

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (e.name !== ".git" && e.name !== "node_modules") walk(join(dir, e.name), out);
    } else if (e.isFile() && fileKind(e.name) !== null) out.push(join(dir, e.name));
  }
}

const root = process.argv[2];
if (!root) throw new Error("usage: read-floor DIR");
const files: string[] = [];
walk(root, files);
let hits = 0;
for (const f of files) if (readFileSync(f, "utf8").includes("uv")) hits++;
process.stdout.write(`${JSON.stringify({ files: files.length, hits })}\n`);
