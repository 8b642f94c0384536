/**
 * Side by side, whole processes, on one generated corpus (dockerfile-corpus.ts: 3,000 files, 80 %
 * Dockerfiles): our `scan DIR --json`, Renovate's dockerfile `extractPackageFile` in a small Node
 * script that walks and reads the same tree (renovate-extract.ts), and the read-only floor (walk +
 * read + a substring test, read-floor.ts). The three run in turn (A B C A B C …) after one
 * warm-up each; medians of wall time, files/s and their ratios. Then the pins: every uv image
 * Renovate finds must be among ours (counts printed; a miss fails the bench). Figures only:
 * nothing here asserts a time.
 *
 * Renovate is not a dependency: install it outside the repository, once:
 *   npm install --prefix /tmp/renovate-bench renovate@39.264.1
 * (or elsewhere, with RENOVATE_BENCH_DIR=that directory). Without it the Renovate column is
 * skipped, said loudly.
 *
 *   node dist/bench/versus-bench.js        (BENCH_RUNS, default 5; BENCH_FILES, default 3000)
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PinJson } from "../core/render-scan.js";
import { generateDockerfileCorpus } from "./dockerfile-corpus.js";
import {
  DEFAULT_RENOVATE_DIR,
  RENOVATE_EXTRACT,
  RENOVATE_VERSION,
  type RenovateDep,
} from "./renovate-extract.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const CLI = here("../cli.js");

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        ms: performance.now() - start,
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Renovate's uv deps that none of our pins in the same file accounts for. */
export function missingFromOurs(ours: readonly PinJson[], renovate: readonly RenovateDep[]) {
  const byFile = new Map<string, PinJson[]>();
  for (const p of ours) {
    if (p.kind !== "image") continue;
    const list = byFile.get(p.file) ?? [];
    list.push(p);
    byFile.set(p.file, list);
  }
  const missing: RenovateDep[] = [];
  for (const dep of renovate) {
    const candidates = byFile.get(dep.file) ?? [];
    const i = candidates.findIndex(
      (p) =>
        (dep.currentDigest === null || p.digest === dep.currentDigest) &&
        (dep.currentValue === null ||
          p.tag === dep.currentValue ||
          p.version === dep.currentValue ||
          (p.version !== null && dep.currentValue.startsWith(`${p.version}-`))),
    );
    if (i < 0) missing.push(dep);
    else candidates.splice(i, 1);
  }
  return missing;
}

async function main(): Promise<number> {
  const files = Number(process.env.BENCH_FILES ?? 3000);
  const corpus = generateDockerfileCorpus({ files });
  const renovateHome = process.env.RENOVATE_BENCH_DIR || DEFAULT_RENOVATE_DIR;
  const haveRenovate = existsSync(join(renovateHome, RENOVATE_EXTRACT));
  let failed = false;
  try {
    console.log("== scan, side by side (whole processes) ==");
    console.log(`corpus: ${corpus.dir}`);
    console.log(
      `corpus files: ${corpus.files} (${corpus.dockerfiles} Dockerfiles, ${corpus.pinnedDockerfiles} with uv pins; ${corpus.candidates} files of kinds we read); ${(corpus.bytes / 1e6).toFixed(2)} MB`,
    );
    console.log(
      `pins written: ${corpus.expectedPins} (${corpus.expectedImagePins} uv image references in FROM / COPY --from / RUN --mount)`,
    );
    if (!haveRenovate) {
      console.log(
        `RENOVATE COLUMN SKIPPED: Renovate ${RENOVATE_VERSION} is not installed at ${renovateHome}. Install it outside the repository with\n  npm install --prefix ${DEFAULT_RENOVATE_DIR} renovate@${RENOVATE_VERSION}\nor point RENOVATE_BENCH_DIR at an install.`,
      );
    }
    console.log(`node ${process.version}; ${RUNS} timed runs each after 1 warm-up, in turn`);
    console.log(`load average (1 min) before: ${loadavg()[0]?.toFixed(2)}`);

    const commands: { label: string; args: string[] }[] = [
      { label: "uv-pin-bot scan --json", args: [CLI, "scan", corpus.dir, "--json"] },
      ...(haveRenovate
        ? [
            {
              label: `renovate ${RENOVATE_VERSION} dockerfile extractPackageFile`,
              args: [here("renovate-extract.js"), corpus.dir],
            },
          ]
        : []),
      {
        label: "read-only floor (walk + read + substring)",
        args: [here("read-floor.js"), corpus.dir],
      },
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, RENOVATE_BENCH_DIR: renovateHome };
    env.LOG_LEVEL = "fatal";
    const times = commands.map(() => [] as number[]);
    const last: (Run | undefined)[] = commands.map(() => undefined);
    for (let r = 0; r <= RUNS; r++) {
      for (const [i, c] of commands.entries()) {
        const result = await run(c.args, env);
        if (result.code !== 0) {
          console.log(`${c.label} FAILED (exit ${result.code}): ${result.stderr.slice(0, 500)}`);
          return 1;
        }
        if (r > 0) times[i]?.push(result.ms);
        last[i] = result;
      }
    }
    const med = times.map(median);
    for (const [i, c] of commands.entries()) {
      const ms = med[i] as number;
      console.log(
        `${c.label}: median ${ms.toFixed(0)} ms (runs ${times[i]?.map((t) => t.toFixed(0)).join(", ")}) = ${(corpus.files / (ms / 1000)).toFixed(0)} files/s`,
      );
    }
    const ours = med[0] as number;
    const floor = med[commands.length - 1] as number;
    if (haveRenovate) {
      const renovate = med[1] as number;
      console.log(`ratio files/s ours / Renovate: ${(renovate / ours).toFixed(2)} (target >= 1.5)`);
    }
    console.log(`ratio time ours / read-only floor: ${(ours / floor).toFixed(2)} (target <= 2)`);
    console.log(`load average (1 min) after: ${loadavg()[0]?.toFixed(2)}`);

    // The pins.
    const scan = JSON.parse(last[0]?.stdout ?? "") as { pins: PinJson[]; skipped: unknown[] };
    const found = new Map<string, number>();
    for (const p of scan.pins) found.set(p.file, (found.get(p.file) ?? 0) + 1);
    let differing = 0;
    for (const name of new Set([...found.keys(), ...corpus.expectedByFile.keys()])) {
      if ((found.get(name) ?? 0) !== (corpus.expectedByFile.get(name) ?? 0)) differing++;
    }
    const images = scan.pins.filter((p) => p.kind === "image").length;
    console.log(
      `our pins: ${scan.pins.length} (${images} image, ${scan.pins.length - images} installer/version); skipped entries: ${scan.skipped.length}; files whose count differs from the generator's: ${differing}`,
    );
    if (differing > 0 || scan.pins.length !== corpus.expectedPins) failed = true;
    if (haveRenovate) {
      const rv = JSON.parse(last[1]?.stdout ?? "") as {
        files: number;
        read: number;
        deps: number;
        uv: RenovateDep[];
      };
      const missing = missingFromOurs(scan.pins, rv.uv);
      console.log(
        `renovate: ${rv.read} files read, ${rv.deps} deps, ${rv.uv.length} of them uv images; found by us too: ${rv.uv.length - missing.length}; missing from ours: ${missing.length}`,
      );
      for (const m of missing.slice(0, 10)) console.log(`  missing: ${JSON.stringify(m)}`);
      if (missing.length > 0) failed = true;
    }
    if (failed) console.log("CHECK FAILED: see the counts above");
  } finally {
    rmSync(corpus.dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
