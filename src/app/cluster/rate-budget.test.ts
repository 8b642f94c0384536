import { describe, expect, it } from "vitest";
import { budgetFrom, MemoryBudgets, waitFor } from "./rate-budget.js";

describe("rate-limit budgets", () => {
  it("reads the headers GitHub sends, and nothing from missing or odd ones", () => {
    expect(budgetFrom("4999", "1765000000")).toEqual({ remaining: 4999, resetAt: 1765000000000 });
    expect(budgetFrom(null, "1765000000")).toBeNull();
    expect(budgetFrom("12", "soon")).toBeNull();
    expect(budgetFrom("-1", "1765000000")).toBeNull();
  });

  it("waits until the reset only at or below the floor, and not for a reset in the past", () => {
    expect(waitFor({ remaining: 101, resetAt: 5000 }, 100, 1000)).toBe(0);
    expect(waitFor({ remaining: 100, resetAt: 5000 }, 100, 1000)).toBe(4000);
    expect(waitFor({ remaining: 0, resetAt: 500 }, 100, 1000)).toBe(0);
    expect(waitFor(undefined, 100, 1000)).toBe(0);
  });

  it("keeps one budget per installation", () => {
    let now = 0;
    const budgets = new MemoryBudgets(10, () => now);
    budgets.observe(1, { remaining: 3, resetAt: 60_000 });
    budgets.observe(2, { remaining: 4000, resetAt: 60_000 });
    expect([budgets.waitMs(1), budgets.waitMs(2), budgets.waitMs(3)]).toEqual([60_000, 0, 0]);
    now = 60_000;
    expect(budgets.waitMs(1)).toBe(0);
  });
});
