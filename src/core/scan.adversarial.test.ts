/**
 * Adversarial inputs. The scanner runs on every file of every installed repository, so its cost
 * must grow linearly with a file's size whatever the file holds: long lines, long runs of every
 * keyword the matchers look for, deep nesting, 1 MiB files, in every kind of file.
 *
 * Each file is scanned in a child process (test/scan-child.ts), so that a crash (a V8 fatal
 * error ends the whole process) or a hang fails a test instead of the test runner. The budgets
 * are hang detectors, not speed assertions: a file may take 60 s of wall time before it counts as
 * hung, and 5 s of CPU time per file, where a linear scan of 1 MiB takes well under one second
 * and the quadratic and cubic cases that these tests were written against took minutes. The
 * scaling check compares the CPU time of the same content at 32 KiB and at 256 KiB (8 times as
 * much): linear work takes about 8 times as long, quadratic 64 times; it fails above 24. The
 * checksum tracer's shapes are compared at 128 KiB and 1 MiB, where a quadratic part that a
 * linear one hides at smaller sizes shows.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScanner, type Outcome, removeBuild, runJob } from "../../test/scan-child.js";
import {
  type AdversarialKind,
  adversarialFiles,
  KEYWORDS,
  KIND_PATHS,
} from "../bench/adversarial.js";

const STALL_MS = 60_000;
const CPU_BUDGET_MS = 5_000;
const KINDS = Object.keys(KIND_PATHS) as AdversarialKind[];

/** The keywords that 1 MiB files are made of (every keyword is tried at 64 KiB). */
const BIG = [
  "pip install ",
  "uv ",
  "astral",
  "ghcr.io/astral-sh/uv:",
  "--mount=from=",
  "ARG A=",
  "ENV A=",
  "${",
  "sha256sum ",
  "curl ",
];

/** What the scaling check measures: contents that were super-linear once, and the common ones. */
const SCALED = [
  '"pip install " on one line',
  '"astral/uv:" on one line',
  '"ghcr.io/astral-sh/uv:" on one line',
  '"https://astral.sh/uv/" on one line',
  '"ghcr.io/astral-sh/uv:${" on one line',
  '"A=" on one line',
  '" " on one line',
  '"\\"" on one line',
  '"A: " on every line',
  '"ARG A=" on every line',
  '"ghcr.io/astral-sh/uv:$A" on every line',
  "comment lines inside an instruction",
  "flow sequences nested deep",
];

/**
 * The checksum tracer's shapes (src/bench/adversarial-checksums.ts) that were super-linear once,
 * in the kinds of file whose shell text it traces, compared at 128 KiB and 1 MiB with a bound of
 * 16 (twice the linear 8): each took 17 to 30 times the CPU time at 8 times the size, or hung,
 * before the tracer read only the downloads that reach a check and indexed its lookups; they
 * take 3 to 8 times now.
 */
const TRACER_SCALED = [
  "many checksum-check lines",
  "many download-and-check lines",
  "many checksum files written and checked",
  "many URL variables, each downloaded and checked",
  "many checks of one variable",
  "many here-strings",
  "many case arms",
  "many if branches",
  "many array entry assignments",
  "array entries that never close",
  ".DownloadFile( with a long argument",
  "many checks of committed checksum files",
  "check commands repeated on one line",
  "hex values repeated on one line",
  "many checks of other files",
  "many openssl and hashlib checks",
];
/**
 * A Dockerfile holds these shapes in one RUN heredoc, where the Dockerfile parser's own cost is
 * not linear (dockerfile-ast's arguments of one 1 MiB instruction: 25 ms at 128 KiB, 681 ms at
 * 1 MiB): Dockerfiles are held to the CPU budget here, not to the ratio.
 */
const TRACER_KINDS: AdversarialKind[] = ["shell", "make", "yaml"];
const TRACER_PS = ["many PowerShell downloads, each hashed and compared"];
/**
 * Dockerfile instructions that a stage's checksum tracing reads together (no heredoc). "many ADDs
 * of one file" took 14 times the CPU time at 8 times the size (each ADD looked through every pin
 * read before it) before the pins were indexed by line.
 */
const TRACER_DOCKERFILE = [
  "many RUNs, downloads and checks in turn",
  "many instructions between a download and its check",
  "many ADDs of one file, then a check",
  "many stages, each a download and a check",
];

const names = (keywords: readonly string[]) =>
  keywords.flatMap((k) => [
    `${JSON.stringify(k)} on one line`,
    `${JSON.stringify(k)} on every line`,
  ]);

let build: string;
beforeAll(() => {
  build = buildScanner();
}, 120_000);
afterAll(() => removeBuild(build));

/** The outcome as something to compare: why it failed, and every file over the CPU budget. */
function problems(outcome: Outcome): string[] {
  const out = outcome.ok ? [] : [outcome.reason];
  for (const f of outcome.files) {
    if (f.cpuMs > CPU_BUDGET_MS) out.push(`${f.name}: ${f.cpuMs} ms of CPU time`);
  }
  return out;
}

describe.each(KINDS)("adversarial %s files", (kind) => {
  it("scan within the budget: every keyword as a long line and as many lines, deep nesting (64 KiB)", async () => {
    const outcome = await runJob(build, { size: 64 * 1024, kinds: [kind] }, STALL_MS);
    expect(problems(outcome)).toEqual([]);
    expect(outcome.files.length).toBe(adversarialFiles(1024, [kind]).length);
  }, 600_000);

  it("scan within the budget at 1 MiB", async () => {
    const wanted = [...names(BIG), "flow sequences nested deep", "Dockerfile continuations"];
    const outcome = await runJob(
      build,
      { size: 1024 * 1024, kinds: [kind], names: wanted },
      STALL_MS,
    );
    expect(problems(outcome)).toEqual([]);
    expect(outcome.files.map((f) => f.name).sort()).toEqual(
      wanted.map((n) => `${kind}: ${n}`).sort(),
    );
  }, 600_000);
});

/**
 * The CPU time of each named file at `smallSize` and at 8 times that size, as ratios; what is
 * over `bound` is measured once more (a busy machine can slow one measure down). Returns what is still over.
 */
async function overBound(
  kinds: AdversarialKind[],
  names: string[],
  count: number,
  smallSize = 32 * 1024,
  bound = 24,
): Promise<string[]> {
  const job = { kinds, names, repeat: 2 };
  const measure = async () => {
    const small = await runJob(build, { ...job, size: smallSize }, STALL_MS);
    const large = await runJob(build, { ...job, size: 8 * smallSize }, STALL_MS);
    expect(problems(small)).toEqual([]);
    expect(problems(large)).toEqual([]);
    const ratios = new Map<string, number>();
    small.files.forEach((f, i) => {
      // Where the larger file takes under 20 ms, the content is cheap at any size that the
      // scanner reads (1 MiB at most) and a ratio of tiny figures would only measure noise.
      const big = large.files[i]?.cpuMs ?? 0;
      const ratio = big < 20 ? 0 : big / Math.max(f.cpuMs, 1);
      ratios.set(f.name, ratio);
      if (process.env.ADVERSARIAL_REPORT)
        console.log(`${f.name}: ${f.cpuMs} ms, x8: ${big} ms, ratio ${ratio.toFixed(1)}`);
    });
    return ratios;
  };
  const first = await measure();
  expect(first.size).toBe(count);
  const over = [...first].filter(([, r]) => r > bound).map(([name]) => name);
  const again = over.length ? await measure() : first;
  return over
    .map((name) => `${name}: ${again.get(name)?.toFixed(1)}x`)
    .filter((_, i) => (again.get(over[i] as string) ?? 0) > bound);
}

describe("adversarial scaling", () => {
  it("eight times the content costs about eight times the CPU time, not 64 times", async () => {
    expect(await overBound(KINDS, SCALED, KINDS.length * SCALED.length)).toEqual([]);
  }, 600_000);

  it("the checksum tracer's shapes: eight times the content, about eight times the CPU time", async () => {
    // At 128 KiB and 1 MiB: a quadratic part shows where a linear part no longer hides it.
    const count = TRACER_KINDS.length * TRACER_SCALED.length;
    expect(await overBound(TRACER_KINDS, TRACER_SCALED, count, 128 * 1024, 16)).toEqual([]);
    expect(await overBound(["powershell"], TRACER_PS, TRACER_PS.length, 128 * 1024, 16)).toEqual(
      [],
    );
    const dockerfile = TRACER_DOCKERFILE.length;
    expect(await overBound(["dockerfile"], TRACER_DOCKERFILE, dockerfile, 128 * 1024, 16)).toEqual(
      [],
    );
  }, 600_000);
});

describe("the scan command on the inputs of the pre-stop check", () => {
  it("exits 0 with the deep file skipped", () => {
    const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-adversarial-"));
    try {
      mkdirSync(join(dir, ".github/workflows"), { recursive: true });
      writeFileSync(join(dir, "a.sh"), `# astral\n${"pip install ".repeat(4000)}`);
      writeFileSync(join(dir, "Makefile"), `# astral uv\nA=${" ".repeat(40000)}x;\n`);
      writeFileSync(
        join(dir, ".github/workflows/ci.yml"),
        `# astral\nx: ${"[".repeat(20000)}${"]".repeat(20000)}\n`,
      );
      writeFileSync(
        join(dir, "Dockerfile"),
        `FROM x\n${`RUN echo ghcr.io/astral-sh/uv:${"0.".repeat(50)} \\\n`.repeat(3000)}\n`,
      );
      const run = spawnSync(process.execPath, [join(build, "cli.js"), "scan", dir, "--json"], {
        encoding: "utf8",
        timeout: STALL_MS,
      });
      expect(run.error).toBeUndefined();
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        pins: [],
        skipped: [
          {
            file: ".github/workflows/ci.yml",
            line: 2,
            reason: "nested deeper than 200 levels: not read as YAML",
          },
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

it("has a keyword list without repeats", () => {
  expect(new Set(KEYWORDS).size).toBe(KEYWORDS.length);
});
