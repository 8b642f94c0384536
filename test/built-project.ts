/**
 * The project built as `npm run build` builds it (tsc with tsconfig.build.json, then the scanner
 * bundled by scripts/bundle-scanner.mjs), into a directory of its own under `.test-build/` (inside
 * the project, so the built files resolve its node_modules).
 * `build.path("dist/start.js")` is then the file the image runs.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";

export const PROJECT = join(import.meta.dirname, "..");

export interface BuiltProject {
  dir: string;
  path(relative: string): string;
  remove(): void;
}

/** Builds (about 10–40 s); throws with tsc's output when the build fails. */
export function buildProject(): BuiltProject {
  mkdirSync(join(PROJECT, ".test-build"), { recursive: true });
  const dir = mkdtempSync(join(PROJECT, ".test-build", "run-"));
  copyFileSync(join(PROJECT, "package.json"), join(dir, "package.json"));
  const tsc = spawnSync(
    process.execPath,
    [
      join(PROJECT, "node_modules/typescript/bin/tsc"),
      "-p",
      join(PROJECT, "tsconfig.build.json"),
      "--outDir",
      join(dir, "dist"),
    ],
    { encoding: "utf8" },
  );
  const output = `${tsc.stdout}${tsc.stderr}`;
  if (tsc.status !== 0 || output !== "") throw new Error(`build failed:\n${output}`);
  const bundle = spawnSync(
    process.execPath,
    [join(PROJECT, "scripts/bundle-scanner.mjs"), join(dir, "dist")],
    { encoding: "utf8" },
  );
  const bundled = `${bundle.stdout}${bundle.stderr}`;
  if (bundle.status !== 0 || bundled !== "") throw new Error(`bundling failed:\n${bundled}`);
  return {
    dir,
    path: (relative) => join(dir, relative),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
