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
