import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrPlan } from "../core/render-pr.js";
import { UpstreamError, UsageError } from "../errors.js";
import { oneLine, replyFor } from "./replies.js";

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

describe("oneLine: an error as a reply shows it, never with an internal address", () => {
  // A real GitHub client against real sockets on this machine: a port nobody listens on, a server
  // that hangs up without answering, and one that answers 500 with GitHub's kind of message.
  let closedPort = 0;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    server = createServer((req, res) => {
      if (req.url === "/hang-up") {
        req.socket.destroy();
        return;
      }
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Server Error" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const github = (baseUrl: string) =>
    new ProbotOctokit({ baseUrl, retry: { enabled: false }, throttle: { enabled: false } });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected a failure");
      },
      (error: unknown) => error,
    );

  it("GitHub not reachable: the failure in words, without the address or port", async () => {
    const refused = await failure(github(`http://127.0.0.1:${closedPort}`).request("GET /app"));
    expect(String((refused as Error).message)).toContain("127.0.0.1");
    expect(oneLine(refused)).toBe("GitHub could not be reached: connection refused");

    const closed = await failure(github(`http://127.0.0.1:${port}`).request("GET /hang-up"));
    expect(oneLine(closed)).toBe("GitHub could not be reached: connection closed");
  });

  it("a socket error Octokit has no word for (a 500 without an answer) is worded too", () => {
    // What Octokit throws when fetch fails: an HttpError, status 500, the socket's text, no response.
    const error = Object.assign(
      new Error("connect EADDRNOTAVAIL 10.0.3.7:443 - Local (0.0.0.0:0)"),
      {
        name: "HttpError",
        status: 500,
      },
    );
    expect(oneLine(error)).toBe("GitHub could not be reached: network error");
    const tls = Object.assign(new Error("unable to verify the first certificate"), {
      name: "HttpError",
      status: 500,
      cause: Object.assign(new Error("unable to verify the first certificate"), {
        code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      }),
    });
    expect(oneLine(tls)).toBe("GitHub could not be reached: network error");
  });

  it("GitHub's own answers and the app's coded errors by their first line; anything else in words", async () => {
    const answered = await failure(github(`http://127.0.0.1:${port}`).request("GET /app"));
    expect(oneLine(answered)).toBe("Server Error");
    expect(oneLine(new UsageError("bad thing\nsecond line"))).toBe("bad thing");
    expect(
      oneLine(
        new UpstreamError(
          "upstream-unavailable",
          "https://ghcr.io/v2/: connection refused",
          "x",
          null,
        ),
      ),
    ).toBe("https://ghcr.io/v2/: connection refused");
    expect(oneLine(new TypeError("Cannot read properties of undefined (reading '10.0.0.1')"))).toBe(
      "an unexpected error (the app's log has the details)",
    );
  });
});
