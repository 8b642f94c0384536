import type { Reporter, SerializedError, TestModule, TestRunEndReason, Vitest } from "vitest/node";

/**
 * Prints one closing line after the run, e.g. `Tests: 12 passed, 0 failed, 1 skipped`.
 * Counts individual tests across all modules; `skipped` includes `todo` (vitest reports
 * both as state "skipped"). Tests still "pending" (an interrupted run) are not counted.
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
    for (const testModule of testModules) {
      // A file that fails before its tests are collected counts as one failure.
      if (testModule.state() === "failed" && [...testModule.children.allTests()].length === 0)
        failed++;
      for (const test of testModule.children.allTests()) {
        const { state } = test.result();
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else if (state === "skipped") skipped++;
      }
    }
    const line = `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
    if (this.vitest) this.vitest.logger.log(line);
    else process.stdout.write(`${line}\n`);
  }
}
