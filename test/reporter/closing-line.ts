import type {
  Reporter,
  SerializedError,
  TestCase,
  TestModule,
  TestRunEndReason,
  Vitest,
} from "vitest/node";
import { installHint } from "../system-packages.js";

/**
 * Prints one closing line after the run, e.g. `Tests: 12 passed, 0 failed, 1 skipped`.
 * Counts individual tests across all modules; `skipped` includes `todo` (vitest reports
 * both as state "skipped"). Tests still "pending" (an interrupted run) are not counted.
 *
 * Tests skipped because a system package is missing (test/system-packages.ts marks their suite)
 * are counted as skipped, and one line before the summary names the packages and the
 * `apt-get install` command, once per run however many files they are in.
 */
export default class ClosingLineReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    _unhandledErrors: ReadonlyArray<SerializedError>,
    _reason: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let needPackages = 0;
    let failedForPackages = 0;
    const missing = new Set<string>();
    for (const testModule of testModules) {
      // A file that fails before its tests are collected counts as one failure.
      if (testModule.state() === "failed" && [...testModule.children.allTests()].length === 0)
        failed++;
      for (const test of testModule.children.allTests()) {
        const { state } = test.result();
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else if (state === "skipped") skipped++;
        const packages = missingPackagesOf(test);
        if (packages.length === 0) continue;
        for (const pkg of packages) missing.add(pkg);
        if (state === "skipped") needPackages++;
        else if (state === "failed") failedForPackages++;
      }
    }
    const lines: string[] = [];
    if (missing.size > 0) {
      const what = [
        needPackages > 0 ? `${needPackages} ${plural(needPackages)} skipped` : "",
        failedForPackages > 0
          ? `${failedForPackages} ${plural(failedForPackages)} failed (CI)`
          : "",
      ]
        .filter((part) => part !== "")
        .join(", ");
      lines.push(`System packages: ${what}: ${installHint([...missing].sort())}`);
    }
    const of = needPackages > 0 ? ` (${needPackages} need a system package)` : "";
    lines.push(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped${of}`);
    for (const line of lines) {
      if (this.vitest) this.vitest.logger.log(line);
      else process.stdout.write(`${line}\n`);
    }
  }
}

/** The packages the test's suites are marked as missing (empty for an ordinary test). */
function missingPackagesOf(test: TestCase): string[] {
  const own = test.meta().missingSystemPackages;
  if (own && own.length > 0) return own;
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) {
    const packages = parent.meta().missingSystemPackages;
    if (packages && packages.length > 0) return packages;
  }
  return [];
}

function plural(n: number): string {
  return n === 1 ? "test" : "tests";
}
