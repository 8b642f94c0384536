/**
 * The scan benchmark: generates a seeded corpus of repositories, then prints files/s and MB/s for
 * reading alone, parsing alone, read + scan in-process, and the whole `scan --json` command, with
 * the ratios between them. Figures only; nothing here asserts a wall time.
 *
 *   npm run bench                      (seed from BENCH_SEED, default 0x5eed2026)
 *   BENCH_SEED=7 BENCH_RUNS=5 npm run bench
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { readText, walk } from "../adapters/local-files.js";
import { scanText } from "../core/extract.js";
import { fileKind } from "../core/file-kind.js";
import type { ScanResult } from "../core/types.js";
import { scanPaths } from "../pipeline/scan-paths.js";
import { reportAdversarial } from "./adversarial-bench.js";
import { type Corpus, DEFAULT_SEED, generateCorpus } from "./corpus.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIN_MS = 2000;
const CLI = fileURLToPath(new URL("../cli.js", import.meta.url));

interface Loaded {
  name: string;
  text: string;
}

interface Measure {
  ms: number;
  /** How many timed runs the median is taken over. */
  runs: number;
  files: number;
  bytes: number;
}

const isCandidate = (name: string) => fileKind(name) !== null;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** A full garbage collection between runs, so that one run does not pay for another's garbage. */
const collect: () => void = (() => {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return () => {};
  }
})();

/**
 * One warm-up, then timed runs until there are at least `RUNS` of them and they took at least
 * `MIN_MS` together (cheap measures get more runs); the median time.
 */
async function timed(fn: () => Promise<unknown> | unknown): Promise<{ ms: number; runs: number }> {
  await fn();
  const times: number[] = [];
  let total = 0;
  while (times.length < RUNS || (total < MIN_MS && times.length < 50)) {
    collect();
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    times.push(ms);
    total += ms;
  }
  return { ms: median(times), runs: times.length };
}

/** (a) walk + read every candidate file, exactly as the scanner reads them. */
async function readAll(dir: string): Promise<{ loaded: Loaded[]; files: number; bytes: number }> {
  const loaded: Loaded[] = [];
  let files = 0;
  let bytes = 0;
  for await (const file of walk(dir, isCandidate)) {
    files++;
    const got = await readText(file.path);
    if (got.ok) {
      loaded.push({ name: file.name, text: got.text });
      bytes += Buffer.byteLength(got.text, "utf8");
    }
  }
  return { loaded, files, bytes };
}

/** (b) the scanner on texts already in memory. */
function parseAll(loaded: readonly Loaded[]): number {
  let pins = 0;
  for (const { name, text } of loaded) pins += scanText(name, text).pins.length;
  return pins;
}

interface CommandRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: readonly string[]): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const rate = (n: number, ms: number) => (n / (ms / 1000)).toFixed(0);
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);

function report(label: string, m: Measure): void {
  console.log(`${label} time (median of ${m.runs}): ${m.ms.toFixed(1)} ms`);
  console.log(`${label} files/s: ${rate(m.files, m.ms)}`);
  console.log(`${label} MB/s: ${mbps(m.bytes, m.ms)}`);
}

function reasonClass(reason: string): string {
  if (reason.startsWith("larger than")) return "over 1 MiB";
  if (reason.startsWith("binary")) return "binary";
  if (reason.startsWith("not UTF-8")) return "not UTF-8";
  if (/not valid YAML|invalid YAML/.test(reason)) return "invalid YAML";
  if (reason.startsWith("could not be read")) return "scanner error";
  return "pin not editable";
}

/** Files whose pin count differs from the count the generator wrote. */
function mismatches(corpus: Corpus, result: ScanResult): string[] {
  const found = new Map<string, number>();
  for (const p of result.pins) found.set(p.file, (found.get(p.file) ?? 0) + 1);
  const out: string[] = [];
  const names = new Set([...corpus.expectedByFile.keys(), ...found.keys()]);
  for (const name of [...names].sort()) {
    const want = corpus.expectedByFile.get(name) ?? 0;
    const got = found.get(name) ?? 0;
    if (want !== got) out.push(`${name}: expected ${want}, found ${got}`);
  }
  return out;
}

async function main(): Promise<number> {
  const seed = process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) : DEFAULT_SEED;
  const genStart = performance.now();
  const corpus = generateCorpus({ seed });
  const genMs = performance.now() - genStart;
  const { dir } = corpus;
  let failed = false;
  try {
    console.log(`seed: 0x${corpus.seed.toString(16)}`);
    console.log(`corpus directory: ${dir}`);
    console.log(`corpus repositories: ${corpus.repos}`);
    console.log(`corpus files: ${corpus.files}`);
    console.log(`corpus MB: ${mb(corpus.bytes)}`);
    console.log(`corpus generation: ${genMs.toFixed(0)} ms`);
    console.log(`candidate files (fileKind set, outside node_modules/.git): ${corpus.candidates}`);
    console.log(`candidate MB: ${mb(corpus.candidateBytes)}`);
    console.log(
      `candidates that cannot be read (over 1 MiB, binary, not UTF-8): ${corpus.unreadable}`,
    );
    console.log(`pins written (by construction): ${corpus.expectedPins}`);
    console.log(
      `node ${process.version}; in-process measures: 1 warm-up, then at least ${RUNS} runs and ${MIN_MS} ms`,
    );
    console.log(`load average (1 min) before measuring: ${loadavg()[0]?.toFixed(2)}`);
    console.log("");

    // (a) Reading alone. The page cache is warm: the corpus was just written.
    const first = await readAll(dir);
    const { loaded, files, bytes } = first;
    const a: Measure = { ...(await timed(() => readAll(dir))), files, bytes };
    console.log(`files walked and read: ${files} (${loaded.length} as text)`);
    console.log(`MB read as text: ${mb(bytes)}`);
    report("(a) read-only", a);

    // (b) Parsing alone.
    const parsedPins = parseAll(loaded);
    const b: Measure = { ...(await timed(() => parseAll(loaded))), files: loaded.length, bytes };
    report("(b) scan-only (preloaded texts)", b);

    // (c) Read + scan, in-process.
    let result: ScanResult = await scanPaths([dir]);
    const c: Measure = {
      ...(await timed(async () => {
        result = await scanPaths([dir]);
      })),
      files,
      bytes,
    };
    report("(c) read + scan (scanPaths)", c);

    // (d) The whole command, in a fresh process each run.
    const startup: number[] = [];
    for (let i = 0; i < 3; i++) startup.push((await runCli(["--version"])).ms);
    // No warm-up: every run is a cold process over a warm page cache.
    const commandRuns: CommandRun[] = [];
    for (let i = 0; i < Math.max(3, RUNS); i++) {
      commandRuns.push(await runCli(["scan", dir, "--json"]));
    }
    const bad = commandRuns.find((run) => run.code !== 0);
    if (bad) {
      console.log(`(d) scan command FAILED: exit code ${bad.code}: ${bad.stderr.slice(0, 500)}`);
      failed = true;
    }
    let cliPins = -1;
    let cliSkipped = -1;
    try {
      const json = JSON.parse(commandRuns[0]?.stdout ?? "") as {
        pins: unknown[];
        skipped: unknown[];
      };
      cliPins = json.pins.length;
      cliSkipped = json.skipped.length;
    } catch (error) {
      console.log(`(d) scan --json output does not parse: ${String(error)}`);
      failed = true;
    }
    const d: Measure = {
      ms: median(commandRuns.map((run) => run.ms)),
      runs: commandRuns.length,
      files,
      bytes,
    };
    console.log(
      `(d) command startup (--version) wall time (median of 3): ${median(startup).toFixed(1)} ms`,
    );
    console.log(
      `(d) scan --json output MB: ${mb(Buffer.byteLength(commandRuns[0]?.stdout ?? ""))}`,
    );
    console.log(
      `(d) scan command wall time (median of ${commandRuns.length}): ${d.ms.toFixed(1)} ms`,
    );
    console.log(`(d) scan command files/s: ${rate(d.files, d.ms)}`);
    console.log(`(d) scan command MB/s: ${mbps(d.bytes, d.ms)}`);
    console.log("");

    // Counts and checks.
    const byReason = new Map<string, number>();
    for (const s of result.skipped) {
      const k = reasonClass(s.reason);
      byReason.set(k, (byReason.get(k) ?? 0) + 1);
    }
    console.log(`pins found (c): ${result.pins.length}`);
    console.log(`pins found (b): ${parsedPins}`);
    console.log(`pins found (d): ${cliPins}`);
    console.log(`skipped entries (c): ${result.skipped.length}`);
    for (const [k, n] of [...byReason].sort()) console.log(`skipped entries (c), ${k}: ${n}`);
    console.log(`skipped entries (d): ${cliSkipped}`);
    if (cliPins !== result.pins.length || cliSkipped !== result.skipped.length) {
      console.log("CHECK FAILED: the command's counts differ from scanPaths");
      failed = true;
    }
    if (parsedPins !== result.pins.length) {
      console.log("CHECK FAILED: parsing preloaded texts found a different number of pins");
      failed = true;
    }
    const diff = mismatches(corpus, result);
    console.log(`files whose pin count differs from the generator's: ${diff.length}`);
    for (const line of diff.slice(0, 10)) console.log(`  ${line}`);
    console.log("");

    const parseOverRead = b.ms / a.ms;
    const scanOverRead = c.ms / a.ms;
    console.log(`ratio scan-only / read-only (b/a): ${parseOverRead.toFixed(2)}`);
    console.log(`ratio read+scan / read-only (c/a): ${scanOverRead.toFixed(2)}`);
    console.log(`ratio command / read+scan (d/c): ${(d.ms / c.ms).toFixed(2)}`);
    console.log(`load average (1 min) after measuring: ${loadavg()[0]?.toFixed(2)}`);
    console.log("");
    console.log(
      `summary: ${files} candidate files (${mb(bytes)} MB) of ${corpus.files}; ` +
        `read ${rate(files, a.ms)} files/s, parse ${rate(b.files, b.ms)} files/s, ` +
        `read+scan ${rate(files, c.ms)} files/s, command ${rate(files, d.ms)} files/s; ` +
        `${result.pins.length} pins, ${result.skipped.length} skipped; ` +
        (parseOverRead <= 1
          ? `parsing is ${parseOverRead.toFixed(2)}x reading: the scanner is limited by reading.`
          : `parsing is ${parseOverRead.toFixed(2)}x reading: the scanner is limited by parsing (goal: by reading).`),
    );
    console.log("");
    reportAdversarial();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
