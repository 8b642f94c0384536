import { describe, expect, it } from "vitest";
import type { PrPlan } from "../core/render-pr.js";
import { replyFor } from "./replies.js";

const plan = {} as PrPlan;
const pr = { number: 7, url: "https://github.com/acme/app/pull/7" };

describe("replyFor", () => {
  it("links the pull request and reports success for a run that opened or kept it", () => {
    expect(replyFor({ status: "created", message: "", plan, pr })).toEqual({
      body: "Opened https://github.com/acme/app/pull/7 to update uv.",
      ok: true,
    });
    expect(replyFor({ status: "updated", message: "", plan, pr })).toEqual({
      body: "Updated https://github.com/acme/app/pull/7 with the newest plan.",
      ok: true,
    });
    expect(replyFor({ status: "unchanged", message: "", plan, pr }).body).toBe(
      "Already proposed in https://github.com/acme/app/pull/7; nothing new.",
    );
    expect(replyFor({ status: "up-to-date", message: "already up to date", plan })).toEqual({
      body: "uv is already up to date here.",
      ok: true,
    });
  });

  it("fails a blocked run, a left-alone PR and an invalid config, quoting the reason", () => {
    expect(
      replyFor({ status: "blocked", message: "Dockerfile:1: attestation: none\n@team", plan }),
    ).toEqual({
      body: "Nothing could be proposed safely:\n\n> Dockerfile:1: attestation: none\n> @\u200dteam",
      ok: false,
    });
    expect(replyFor({ status: "left-alone", message: "", plan, pr })).toMatchObject({ ok: false });
    expect(
      replyFor({
        status: "invalid-config",
        message: ".github/uv-pin-bot.yml: schedule: bad",
        problems: [{ path: "schedule", message: "bad" }],
      }),
    ).toEqual({
      body: "The configuration is invalid, so nothing was changed:\n\n> .github/uv-pin-bot.yml: schedule: bad",
      ok: false,
    });
  });

  it("passes a check's plan through, and names other outcomes", () => {
    expect(replyFor({ status: "checked", message: "**plan**", plan })).toEqual({
      body: "**plan**",
      ok: true,
    });
    expect(replyFor({ status: "archived", message: "the repository is archived" })).toEqual({
      body: "Nothing to do: the repository is archived.",
      ok: true,
    });
  });
});
