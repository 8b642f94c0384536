import { describe, expect, it } from "vitest";
import { UsageError } from "../../errors.js";
import { clusterSettings } from "./settings.js";

const base = { REDIS_URL: "redis://127.0.0.1:6379" };

describe("clusterSettings", () => {
  it("without REDIS_URL: embedded (null), whatever else is set", () => {
    expect(clusterSettings({ UV_PIN_BOT_ROLE: "nonsense" })).toBeNull();
  });

  it("defaults: role all, concurrency 4, 3 attempts, 30 s locks, half the shutdown bound to drain", () => {
    expect(clusterSettings(base)).toEqual({
      redisUrl: "redis://127.0.0.1:6379",
      role: "all",
      concurrency: 4,
      attempts: 3,
      lockMs: 30_000,
      rateLimitFloor: 100,
      drainMs: 4_000,
    });
  });

  it("reads the role and the concurrency (trimmed)", () => {
    expect(
      clusterSettings({ ...base, UV_PIN_BOT_ROLE: " worker ", UV_PIN_BOT_CONCURRENCY: "16" }),
    ).toMatchObject({ role: "worker", concurrency: 16 });
    expect(clusterSettings({ ...base, UV_PIN_BOT_ROLE: "web" })?.role).toBe("web");
  });

  it.each([
    [{ UV_PIN_BOT_ROLE: "boss" }, "UV_PIN_BOT_ROLE: expected web, worker or all, not `boss`"],
    [{ UV_PIN_BOT_ROLE: "WEB" }, "UV_PIN_BOT_ROLE: expected web, worker or all, not `WEB`"],
    [
      { UV_PIN_BOT_CONCURRENCY: "0" },
      "UV_PIN_BOT_CONCURRENCY: expected a whole number from 1 to 256, not `0`",
    ],
    [
      { UV_PIN_BOT_CONCURRENCY: "2.5" },
      "UV_PIN_BOT_CONCURRENCY: expected a whole number from 1 to 256, not `2.5`",
    ],
    [
      { UV_PIN_BOT_CONCURRENCY: "four" },
      "UV_PIN_BOT_CONCURRENCY: expected a whole number from 1 to 256, not `four`",
    ],
    [
      { UV_PIN_BOT_CONCURRENCY: "257" },
      "UV_PIN_BOT_CONCURRENCY: expected a whole number from 1 to 256, not `257`",
    ],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL: expected redis://host:port (or rediss://)"],
  ])("rejects %o with one line", (env, message) => {
    let thrown: unknown;
    try {
      clusterSettings({ ...base, ...env });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
    expect((thrown as Error).message).not.toContain("\n");
  });
});
