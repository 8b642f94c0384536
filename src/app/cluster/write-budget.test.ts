import { describe, expect, it } from "vitest";
import {
  DEFERRAL_FLOOR_MS,
  deferral,
  MemoryWriteBudget,
  WriteBudgetError,
  writeWindows,
} from "./write-budget.js";

describe("writeWindows (UV_PIN_BOT_WRITE_BUDGET)", () => {
  it("defaults to GitHub's secondary limits: 80 a minute, 500 an hour", () => {
    expect(writeWindows({})).toEqual([
      { count: 80, ms: 60_000 },
      { count: 500, ms: 3_600_000 },
    ]);
  });
  it("reads count/seconds pairs, shortest window first; a bad value is a one-line error", () => {
    expect(writeWindows({ UV_PIN_BOT_WRITE_BUDGET: "9/3, 100/1" })).toEqual([
      { count: 100, ms: 1_000 },
      { count: 9, ms: 3_000 },
    ]);
    expect(() => writeWindows({ UV_PIN_BOT_WRITE_BUDGET: "80 per minute" })).toThrow(
      "UV_PIN_BOT_WRITE_BUDGET: expected count/seconds pairs such as 80/60,500/3600, not `80 per minute`",
    );
    expect(() => writeWindows({ UV_PIN_BOT_WRITE_BUDGET: "0/60" })).toThrow(/count\/seconds/);
  });
});

describe("MemoryWriteBudget (sliding windows)", () => {
  it("a full short window waits for its oldest write to leave it; a full longest window says so", async () => {
    let now = 1_000_000;
    const budget = new MemoryWriteBudget(
      [
        { count: 3, ms: 1_000 },
        { count: 5, ms: 10_000 },
      ],
      () => now,
    );
    for (let i = 0; i < 3; i++) {
      expect(await budget.take(1)).toEqual({ ok: true });
      now += 100;
    }
    // 3 in the last second (at +0, +100, +200; now +300): the first leaves at +1000.
    expect(await budget.take(1)).toEqual({ ok: false, waitMs: 700, longest: false });
    // Another installation has its own budget.
    expect(await budget.take(2)).toEqual({ ok: true });
    now += 700;
    expect(await budget.take(1)).toEqual({ ok: true });
    now += 500;
    expect(await budget.take(1)).toEqual({ ok: true });
    // 5 in the last 10 s (+0, +100, +200, +1000, +1500; now +1500): the first leaves at +10000.
    expect(await budget.take(1)).toEqual({ ok: false, waitMs: 8_500, longest: true });
    // Room for a pull request (5 writes) only when all 5 have left: at +11500.
    expect(await budget.roomIn(1, 5)).toBe(10_000);
    expect(await budget.roomIn(1, 1)).toBe(8_500);
    expect(await budget.roomIn(2, 5)).toBe(300 + 10_000 - 1_500);
    now += 10_000;
    expect(await budget.roomIn(1, 5)).toBe(0);
  });
});

describe("reservations (a pull request's writes kept before its first)", () => {
  it("reserved writes are used only by their holder; others see them as used until taken or released; a lapsed one frees its room", async () => {
    let now = 1_000_000;
    const budget = new MemoryWriteBudget([{ count: 6, ms: 10_000 }], () => now);
    expect(await budget.take(1)).toEqual({ ok: true });
    expect(await budget.reserve(1, "pr", 4, 60_000)).toEqual({ ok: true });
    // 1 written + 4 reserved: one more write fits, then none (the first leaves at +10000).
    expect(await budget.take(1)).toEqual({ ok: true });
    expect(await budget.take(1)).toEqual({ ok: false, waitMs: 10_000, longest: true });
    expect(await budget.reserve(1, "other", 1)).toMatchObject({ ok: false, longest: true });
    expect(await budget.roomIn(1, 1)).toBe(10_000);
    // The holder's writes fit: they were counted when reserved.
    for (let i = 0; i < 3; i++) expect(await budget.take(1, "pr")).toEqual({ ok: true });
    // Released with one left: it is free for anyone.
    await budget.release(1, "pr");
    expect(await budget.take(1)).toEqual({ ok: true });
    expect(await budget.take(1, "pr")).toMatchObject({ ok: false, longest: true });
    // A reservation whose holder died lapses after its lease.
    now += 10_001;
    expect(await budget.reserve(1, "dead", 6, 1_000)).toEqual({ ok: true });
    expect(await budget.take(1)).toMatchObject({ ok: false, longest: true });
    now += 1_000;
    expect(await budget.take(1)).toEqual({ ok: true });
    // At most the window's count is reserved (a PR larger than the window can never fit whole).
    now += 10_001;
    expect(await budget.reserve(2, "big", 9)).toEqual({ ok: true });
    for (let i = 0; i < 6; i++) expect(await budget.take(2, "big")).toEqual({ ok: true });
    expect(await budget.take(2, "big")).toMatchObject({ ok: false, longest: true });
  });
});

describe("deferral", () => {
  it("the hour's budget: its retry time; GitHub's primary limit at 0: its reset; anything else: null", () => {
    expect(deferral(new WriteBudgetError(4, 123_000), 100_000)).toBe(123_000);
    const limited = Object.assign(new Error("API rate limit exceeded"), {
      status: 403,
      response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000000" } },
    });
    expect(deferral(limited, 1_700_000_000_000)).toBe(1_800_000_000_000);
    const secondary = Object.assign(new Error("secondary rate limit"), {
      status: 403,
      response: { headers: { "x-ratelimit-remaining": "4000", "retry-after": "60" } },
    });
    expect(deferral(secondary)).toBeNull();
    expect(deferral(new Error("boom"))).toBeNull();
  });

  it("never a time in the past: a reset GitHub says has passed is put a few seconds ahead; a budget retry time gone by is now", () => {
    const now = 1_800_000_000_000;
    const stale = Object.assign(new Error("API rate limit exceeded"), {
      status: 403,
      response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1799999990" } },
    });
    expect(deferral(stale, now)).toBe(now + DEFERRAL_FLOOR_MS);
    expect(deferral(new WriteBudgetError(4, now - 1), now)).toBe(now);
    expect(deferral(new WriteBudgetError(4, now + 60_000), now)).toBe(now + 60_000);
    expect(DEFERRAL_FLOOR_MS).toBeGreaterThanOrEqual(1_000);
  });
});
