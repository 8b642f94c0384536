import { spawnSync } from "node:child_process";
import { join } from "node:path";
import picomatch from "picomatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScanner, removeBuild } from "../../test/scan-child.js";
import { parseConfig } from "./config.js";
import { compileGlobs, globProblem, MAX_GLOB_STATES } from "./glob.js";

/** `*a` sixteen times: within the wildcard bound, and minutes of backtracking for picomatch. */
const HOSTILE = "*a".repeat(16);

describe("globs", () => {
  it("match as picomatch (dot: true) does on repository paths", () => {
    const patterns = [
      "**",
      "*.sh",
      "**/*.yml",
      "**/ci/*.y?ml",
      ".github/**",
      "a/**",
      "a/**/b",
      "a/**/**/b",
      "**/**",
      "**/x",
      "a**b",
      "*/*",
      "a/*/b",
      "{a,b}/c",
      "{a,{b,c}}",
      "x{,y}",
      "{a}",
      "{1..3}",
      "{a..c}x",
      "[a-c]",
      "[^a]b",
      "[[:alpha:]]",
      "[a",
      "a]",
      "{a,b",
      "?",
      "a\\*",
      "./a",
      "!a",
      "@(a|b)",
      "+(a)",
      "*(a|b)c",
      "?(x)y",
      "(a|b)",
      "a|b",
      "*a*a*a",
      "docker/**/Dockerfile*",
      "{ci,.github}/**",
    ];
    const paths = [
      "a",
      "a/b",
      "a/b/c",
      "x",
      "a/b/x",
      "a/x/y/b",
      "axxb",
      "ax/xb",
      "b.sh",
      "a/b.sh",
      ".sh",
      "b/c",
      "{a}",
      "2",
      "bx",
      "b",
      "a*",
      "aa",
      "xy",
      "y",
      "c",
      "ab",
      "aab",
      "bb",
      "abc",
      "cb",
      "ababc",
      "aaaa",
      "ci/x.yml",
      "z/ci/w.yaml",
      "ci.yml",
      "[a",
      "a]",
      "{a,b",
      "a|b",
      "docker/Dockerfile",
      "docker/x/Dockerfile.dev",
      ".github/workflows/ci.yml",
      "ci/.hidden/x",
    ];
    const differ: string[] = [];
    for (const pattern of patterns) {
      const ours = compileGlobs([pattern]);
      const theirs = picomatch(pattern, { dot: true });
      for (const path of paths) {
        if (ours.match(path) !== theirs(path))
          differ.push(`${pattern} on ${path}: picomatch ${theirs(path)}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it("a list matches when any glob does; a leading ! negates one", () => {
    const m = compileGlobs(["docker/**", "*.sh"]);
    expect(["docker/x/Dockerfile", "install.sh", "ci/install.sh"].map((p) => m.match(p))).toEqual([
      true,
      true,
      false,
    ]);
    expect(compileGlobs(["!vendor/**"]).match("vendor/x/Dockerfile")).toBe(false);
    expect(compileGlobs(["!vendor/**"]).match("Dockerfile")).toBe(true);
  });

  it("the work is at most 2 × (path length + 1) × states, whatever the glob: `*a` × 16 included", () => {
    const m = compileGlobs([HOSTILE]);
    const work = (path: string) => {
      const meter = { steps: 0 };
      const matched = m.match(path, meter);
      return { matched, steps: meter.steps };
    };
    const short = work(`${"a".repeat(30)}.sh`);
    const long = work(`${"a".repeat(3000)}.sh`);
    expect([short.matched, long.matched, work("a".repeat(3000)).matched]).toEqual([
      false,
      false,
      true,
    ]);
    expect(short.steps).toBeLessThanOrEqual(2 * 34 * m.states);
    expect(long.steps).toBeLessThanOrEqual(2 * 3004 * m.states);
    // Linear: past the first few characters, each 1,000 more cost exactly as much as the last.
    const at = (n: number) => work(`${"a".repeat(n)}.sh`).steps;
    expect(at(3000) - at(2000)).toBe(at(2000) - at(1000));
    expect(m.states).toBeLessThan(100);
  });

  it("refuses what has no linear form or grows too large, in one line", () => {
    expect(globProblem("!(vendor)/**")).toBe("`!(…)` patterns are not supported");
    expect(globProblem("{1..100000}")).toBe("too complex (braces or ranges too large)");
    expect(globProblem("@(a|b")).toBe('")" missing');
    expect(globProblem("{1..9}/**")).toBeNull();
    expect(MAX_GLOB_STATES).toBe(4096);
    const r = parseConfig('paths: {exclude: ["!(vendor)/**"]}\n');
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "paths.exclude.0: not a usable glob: `!(…)` patterns are not supported",
    ]);
  });
});

describe("a hostile paths.include in a child process (a hang fails the test, not the runner)", () => {
  let build: string | undefined;
  // Transpiling the sources takes seconds on a loaded machine (the default 10 s hook bound is not enough).
  beforeAll(() => {
    build = buildScanner();
  }, 120_000);
  afterAll(() => removeBuild(build));

  it("`*a` × 16 passes validation and is matched at once against aaaa…a.sh (40 a's)", () => {
    const config = join(build as string, "core", "config.js");
    const script = `
      const { parseConfig, pathFilter } = await import(${JSON.stringify(config)});
      const parsed = parseConfig(${JSON.stringify(`paths: {include: ["${HOSTILE}"]}\n`)});
      const accept = pathFilter(parsed.config);
      const names = ["a".repeat(40) + ".sh", "a".repeat(60), "x/" + "a".repeat(50) + ".sh"];
      console.log(JSON.stringify([parsed.ok, ...names.map(accept)]));`;
    // A watchdog, not a timing: the old matcher took minutes here; the linear one, microseconds.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
      killSignal: "SIGKILL",
    });
    expect(run.signal, "the child was still matching after 20 s (a hang)").toBeNull();
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([true, false, true, false]);
  });
});
