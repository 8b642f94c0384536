/**
 * A GitHub rate-limit budget per installation, following `x-ratelimit-remaining` and
 * `x-ratelimit-reset` of the installation's latest answer: when the remaining requests fall to
 * the floor (`UV_PIN_BOT_RATE_LIMIT_FLOOR`, default 100, left for comment commands and people),
 * that installation's repository work waits until the reset; other installations go on.
 */
export interface Budget {
  remaining: number;
  /** Epoch milliseconds. */
  resetAt: number;
}

export const DEFAULT_RATE_LIMIT_FLOOR = 100;

/** The budget a response's headers announce, or null when they carry none. */
export function budgetFrom(
  remaining: string | null | undefined,
  reset: string | null | undefined,
): Budget | null {
  if (!remaining || !reset || !/^\d+$/.test(remaining) || !/^\d+$/.test(reset)) return null;
  return { remaining: Number(remaining), resetAt: Number(reset) * 1000 };
}

/** How long work for an installation with `budget` waits (0: go on). */
export function waitFor(budget: Budget | null | undefined, floor: number, now: number): number {
  if (!budget || budget.remaining > floor) return 0;
  return Math.max(0, budget.resetAt - now);
}

export class MemoryBudgets {
  private readonly budgets = new Map<number, Budget>();

  constructor(
    readonly floor: number,
    private readonly now: () => number = Date.now,
  ) {}

  observe(installationId: number, budget: Budget): void {
    this.budgets.set(installationId, budget);
  }

  waitMs(installationId: number): number {
    return waitFor(this.budgets.get(installationId), this.floor, this.now());
  }
}
