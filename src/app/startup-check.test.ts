import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { effectiveEnv, startupRefusal } from "./startup-check.js";

describe("startupRefusal", () => {
  it("refuses to serve webhooks without WEBHOOK_SECRET (missing or blank), in one line", () => {
    for (const env of [
      { APP_ID: "1" },
      { APP_ID: "1", WEBHOOK_SECRET: "" },
      { APP_ID: "1", WEBHOOK_SECRET: "  " },
      { APP_ID: "1", NODE_ENV: "production" },
    ]) {
      const refusal = startupRefusal(env);
      expect(refusal).toMatch(/^uv-pin-bot: WEBHOOK_SECRET is not set; refusing to start/);
      expect(refusal).not.toContain("\n");
    }
  });

  it("refuses WEBHOOK_SECRET=development (Probot's well-known fallback) outside development", () => {
    for (const env of [
      { APP_ID: "1", WEBHOOK_SECRET: "development" },
      { APP_ID: "1", WEBHOOK_SECRET: " development ", NODE_ENV: "production" },
    ]) {
      expect(startupRefusal(env)).toBe(
        "uv-pin-bot: WEBHOOK_SECRET is Probot's well-known default \"development\"; refusing to start (anyone could forge webhook deliveries). Set WEBHOOK_SECRET to the app's webhook secret, or NODE_ENV=development for local trials.",
      );
    }
    expect(
      startupRefusal({ APP_ID: "1", WEBHOOK_SECRET: "development", NODE_ENV: "development" }),
    ).toBeNull();
  });

  it("starts with a secret, in development without one, and for Probot's set-up flow (no APP_ID)", () => {
    expect(startupRefusal({ APP_ID: "1", WEBHOOK_SECRET: "s3cret" })).toBeNull();
    expect(startupRefusal({ APP_ID: "1", NODE_ENV: "development" })).toBeNull();
    expect(startupRefusal({})).toBeNull();
  });

  it("reads .env over the environment, as Probot does", () => {
    const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-env-"));
    try {
      expect(effectiveEnv({ APP_ID: "1" }, dir)).toEqual({ APP_ID: "1" });
      writeFileSync(join(dir, ".env"), "WEBHOOK_SECRET=from-file\nAPP_ID=2\n");
      const env = effectiveEnv({ APP_ID: "1" }, dir);
      expect(env).toEqual({ APP_ID: "2", WEBHOOK_SECRET: "from-file" });
      expect(startupRefusal(env)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
