import { describe, expect, it } from "vitest";
import { cronProblem, DEFAULT_SCHEDULE, dueOnSweep } from "./schedule.js";

const at = (iso: string) => new Date(iso);

describe("dueOnSweep", () => {
  it("weekly cron: weekly and daily repositories run on every firing; off never", () => {
    const monday = at("2026-11-30T04:00:05Z");
    expect(dueOnSweep("weekly", DEFAULT_SCHEDULE, monday)).toBe(true);
    expect(dueOnSweep("daily", DEFAULT_SCHEDULE, monday)).toBe(true);
    expect(dueOnSweep("off", DEFAULT_SCHEDULE, monday)).toBe(false);
  });

  it("daily cron: daily repositories every day, weekly ones on the week's first firing (Monday)", () => {
    const daily = "0 4 * * *";
    expect(dueOnSweep("daily", daily, at("2026-12-02T04:00:05Z"))).toBe(true);
    expect(dueOnSweep("weekly", daily, at("2026-12-02T04:00:05Z"))).toBe(false);
    expect(dueOnSweep("weekly", daily, at("2026-11-30T04:00:05Z"))).toBe(true);
    expect(dueOnSweep("weekly", daily, at("2026-12-06T04:00:05Z"))).toBe(false);
  });

  it("validates cron expressions", () => {
    expect(cronProblem(DEFAULT_SCHEDULE)).toBeNull();
    expect(cronProblem("every monday")).toMatch(/./);
  });
});

describe("dueOnSweep for a sweep started from outside (POST /uv-pin-bot/sweep)", () => {
  it("belongs to the latest firing: any day of the week under the weekly cron", () => {
    for (const day of ["2026-11-28T12:00:00Z", "2026-12-01T09:00:00Z", "2026-12-06T23:59:00Z"])
      expect(dueOnSweep("weekly", DEFAULT_SCHEDULE, at(day))).toBe(true);
  });

  it("under a daily cron: weekly repositories on Monday after the firing, not later in the week", () => {
    const daily = "0 4 * * *";
    expect(dueOnSweep("weekly", daily, at("2026-11-30T18:00:00Z"))).toBe(true);
    expect(dueOnSweep("weekly", daily, at("2026-12-01T18:00:00Z"))).toBe(false);
    // Monday before its 04:00 firing still belongs to Sunday's.
    expect(dueOnSweep("weekly", daily, at("2026-11-30T02:00:00Z"))).toBe(false);
    expect(dueOnSweep("daily", daily, at("2026-12-01T18:00:00Z"))).toBe(true);
    expect(dueOnSweep("off", daily, at("2026-11-30T18:00:00Z"))).toBe(false);
  });
});
