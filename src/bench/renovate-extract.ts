/**
 * The yardstick process of the side-by-side benchmark: walks a directory as our scanner does
 * (skipping .git and node_modules), reads the files Renovate's dockerfile manager matches by
 * default, runs Renovate's own `extractPackageFile` on each, and prints the uv image deps it finds
 * as JSON. Renovate is not a dependency of this project: it is loaded from an install outside the
 * repository (RENOVATE_BENCH_DIR, default /tmp/renovate-bench; see versus-bench.ts).
 *
 *   node dist/bench/renovate-extract.js DIR
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export const RENOVATE_VERSION = "39.264.1";
export const DEFAULT_RENOVATE_DIR = "/tmp/renovate-bench";
export const RENOVATE_EXTRACT = "node_modules/renovate/dist/modules/manager/dockerfile/extract.js";
/** Renovate's dockerfile manager's default fileMatch (lib/modules/manager/dockerfile/index.ts). */
const FILE_MATCH = [
  /(^|\/|\.)([Dd]ocker|[Cc]ontainer)file$/,
  /(^|\/)([Dd]ocker|[Cc]ontainer)file[^/]*$/,
];
/** The uv images: what counts as a uv pin among Renovate's deps. */
export const UV_DEP = /^(ghcr\.io\/astral-sh\/uv|(docker\.io\/)?astral\/uv)$/;

export interface RenovateDep {
  file: string;
  depName: string;
  currentValue: string | null;
  currentDigest: string | null;
}

interface Extract {
  extractPackageFile(
    content: string,
    file: string,
    config: object,
  ): { deps: { depName?: string; currentValue?: string; currentDigest?: string }[] } | null;
}

function* walk(dir: string, rel: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true });
  for (const e of entries) {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== ".git" && e.name !== "node_modules") yield* walk(join(dir, e.name), name);
    } else if (e.isFile()) yield name;
  }
}

function main(): void {
  const root = process.argv[2];
  if (!root) throw new Error("usage: renovate-extract DIR");
  const home = process.env.RENOVATE_BENCH_DIR || DEFAULT_RENOVATE_DIR;
  process.env.LOG_LEVEL ??= "fatal";
  const require = createRequire(join(home, "package.json"));
  const { extractPackageFile } = require(join(home, RENOVATE_EXTRACT)) as Extract;
  let files = 0;
  let read = 0;
  let deps = 0;
  const uv: RenovateDep[] = [];
  for (const file of walk(root, "")) {
    files++;
    if (!FILE_MATCH.some((re) => re.test(file))) continue;
    read++;
    const found = extractPackageFile(readFileSync(join(root, file), "utf8"), file, {});
    for (const d of found?.deps ?? []) {
      deps++;
      if (d.depName && UV_DEP.test(d.depName))
        uv.push({
          file,
          depName: d.depName,
          currentValue: d.currentValue ?? null,
          currentDigest: d.currentDigest ?? null,
        });
    }
  }
  process.stdout.write(`${JSON.stringify({ files, read, deps, uv })}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) main();
