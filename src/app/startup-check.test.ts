import { describe, expect, it } from "vitest";
import { startupRefusal } from "./startup-check.js";

describe("startupRefusal", () => {
  it("refuses without WEBHOOK_SECRET (missing or blank), in one line", () => {
    for (const env of [
      {},
      { WEBHOOK_SECRET: "" },
      { WEBHOOK_SECRET: "  " },
      { NODE_ENV: "production" },
    ]) {
      const refusal = startupRefusal(env);
      expect(refusal).toMatch(/^uv-pin-bot: WEBHOOK_SECRET is not set; refusing to start/);
      expect(refusal).not.toContain("\n");
    }
  });

  it("starts with a secret, or in development without one", () => {
    expect(startupRefusal({ WEBHOOK_SECRET: "s3cret" })).toBeNull();
    expect(startupRefusal({ NODE_ENV: "development" })).toBeNull();
  });
});
