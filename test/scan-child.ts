/**
 * Runs the scanner in a child process, one file after another, with a watchdog: the adversarial
 * tests use it so that a hang or a crash (a V8 fatal error ends the whole process, which no
 * `catch` sees) fails a test instead of taking the test runner down.
 *
 * The scanner is the project's own source, transpiled file by file (no type check: the suite's
 * typecheck does that) into `.test-build/`, so that the child runs on plain node.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

const project = join(import.meta.dirname, "..");

/** Transpiles `src/core` and `src/bench/adversarial.ts` into a fresh directory; returns it. */
export function buildScanner(): string {
  mkdirSync(join(project, ".test-build"), { recursive: true });
  const out = mkdtempSync(join(project, ".test-build", "scanner-"));
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  const files = [
    ...readdirSync(join(project, "src/core"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => `core/${f}`),
    "bench/adversarial.ts",
  ];
  for (const file of files) {
    const source = readFileSync(join(project, "src", file), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    }).outputText;
    const target = join(out, file.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(out, "child.mjs"), CHILD);
  return out;
}

export function removeBuild(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * The child: reads one job (JSON) from its argument, generates the files, and for each prints
 * `start <i>` before scanning and `done <i> <cpu ms> <pins> <skipped>` after. `repeat` scans each
 * file that many times and reports the least CPU time (for the scaling check).
 */
const CHILD = `
import { scanText } from "./core/extract.js";
import { adversarialFiles } from "./bench/adversarial.js";
const job = JSON.parse(process.argv[2]);
const files = adversarialFiles(job.size, job.kinds).filter((f) => !job.names || job.names.includes(f.name));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
process.stdout.write("count " + files.length + "\\n");
for (let i = 0; i < files.length; i++) {
  const f = files[i];
  process.stdout.write("start " + i + " " + JSON.stringify(f.kind + ": " + f.name) + "\\n");
  let best = Infinity;
  let result;
  for (let r = 0; r < (job.repeat ?? 1); r++) {
    const before = cpu();
    result = scanText(f.path, f.text);
    best = Math.min(best, cpu() - before);
  }
  process.stdout.write("done " + i + " " + best.toFixed(1) + " " + result.pins.length + " " + result.skipped.length + "\\n");
}
`;

export interface Job {
  /** About how many characters each file has. */
  size: number;
  kinds?: string[];
  /** Only the files with these names (see `adversarialFiles`). */
  names?: string[];
  repeat?: number;
}

export interface Scanned {
  name: string;
  /** CPU time of the scan (the least of `repeat` scans), in milliseconds. */
  cpuMs: number;
  pins: number;
  skipped: number;
}

export type Outcome =
  | { ok: true; files: Scanned[] }
  | { ok: false; reason: string; files: Scanned[] };

/**
 * Runs one job. The watchdog allows `stallMs` of wall time per file: a file still scanning after
 * that is a hang, the child is killed and the outcome names the file.
 */
export function runJob(build: string, job: Job, stallMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(build, "child.mjs"), JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const files: Scanned[] = [];
    let current: string | null = null;
    let buffered = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        finish({
          ok: false,
          reason: `${current ?? "start-up"}: still scanning after ${stallMs} ms (a hang)`,
          files,
        });
      }, stallMs);
    };
    arm();
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
        const [word, , ...rest] = line.split(" ");
        if (word === "start") {
          current = JSON.parse(rest.join(" ")) as string;
          arm();
        } else if (word === "done" && current !== null) {
          const [cpu, pins, skipped] = rest.map(Number);
          files.push({ name: current, cpuMs: cpu ?? 0, pins: pins ?? 0, skipped: skipped ?? 0 });
          current = null;
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on("close", (code, signal) => {
      if (code === 0 && current === null) finish({ ok: true, files });
      else
        finish({
          ok: false,
          reason: `${current ?? "after the last file"}: the child ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
          files,
        });
    });
  });
}
