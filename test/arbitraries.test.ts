import fc from "fast-check";
import { expect, it } from "vitest";
import { runs } from "./arbitraries.js";

it("fails a property run that the time budget interrupts", () => {
  // Each run takes about 2 ms and the budget is 30 ms: far fewer than the 10,000 runs asked for.
  const busy = fc.property(fc.nat(), () => {
    const until = performance.now() + 2;
    while (performance.now() < until) {
      // Spin.
    }
    return true;
  });
  expect(() => fc.assert(busy, runs(10_000, 30))).toThrow(/interrupted after \d+ tests/);
  // Without `failOnInterrupt`, the same cut-short run would pass.
  expect(() =>
    fc.assert(busy, { numRuns: 10_000, plugins: [fc.interruptAfterTimeLimit(30)] }),
  ).not.toThrow();
});
