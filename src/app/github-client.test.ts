import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appOctokit } from "./github-client.js";

const SECONDARY = {
  message:
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url:
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function client() {
  const warnings: string[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => warnings.push(m),
    error: () => undefined,
  };
  // One millisecond per second of `retry-after`: the waits are what GitHub says, scaled down.
  const Octokit = appOctokit({ retryAfterBaseValue: 1 });
  return { octokit: new Octokit({ auth: "token t", log }), warnings };
}

describe("the app's GitHub client", () => {
  it("a secondary limit without retry-after is retried after the fallback minute", async () => {
    const statuses: number[] = [];
    nock("https://api.github.com")
      .post("/repos/acme/app/pulls")
      .reply(() => {
        statuses.push(403);
        return [403, SECONDARY];
      })
      .post("/repos/acme/app/pulls")
      .reply(() => {
        statuses.push(201);
        return [201, { number: 7 }];
      });
    const { octokit, warnings } = client();
    const res = await octokit.request("POST /repos/{owner}/{repo}/pulls", {
      owner: "acme",
      repo: "app",
      title: "t",
      head: "h",
      base: "main",
    });
    expect(res.data).toEqual({ number: 7 });
    expect(statuses).toEqual([403, 201]);
    expect(warnings).toEqual([
      "GitHub secondary rate limit on POST /repos/{owner}/{repo}/pulls: retrying in 60 s (retry 1 of 3)",
    ]);
  });

  it("with retry-after, that wait instead; after three retries it gives up with GitHub's answer", async () => {
    nock("https://api.github.com")
      .post("/repos/acme/app/git/blobs")
      .times(4)
      .reply(403, SECONDARY, { "retry-after": "7" });
    const { octokit, warnings } = client();
    await expect(
      octokit.request("POST /repos/{owner}/{repo}/git/blobs", {
        owner: "acme",
        repo: "app",
        content: "x",
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(warnings).toEqual([
      "GitHub secondary rate limit on POST /repos/{owner}/{repo}/git/blobs: retrying in 7 s (retry 1 of 3)",
      "GitHub secondary rate limit on POST /repos/{owner}/{repo}/git/blobs: retrying in 7 s (retry 2 of 3)",
      "GitHub secondary rate limit on POST /repos/{owner}/{repo}/git/blobs: retrying in 7 s (retry 3 of 3)",
      "GitHub secondary rate limit on POST /repos/{owner}/{repo}/git/blobs: giving up (retry 4 of 3)",
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it("an attempt GitHub never answers is aborted after the request time limit, not awaited forever", async () => {
    nock.enableNetConnect("127.0.0.1");
    const sockets: Socket[] = [];
    const silent = createServer(() => undefined); // reads the request, never answers
    silent.on("connection", (socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as AddressInfo;
    try {
      const Octokit = appOctokit({ requestTimeoutMs: 200 });
      const octokit = new Octokit({
        auth: "token t",
        baseUrl: `http://127.0.0.1:${port}`,
        retry: { enabled: false },
        log: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const outcome = await Promise.race([
        octokit.request("GET /repos/acme/app").then(
          () => "answered",
          (error: Error) => `failed: ${error.message}`,
        ),
        new Promise((r) => setTimeout(() => r("still waiting after 5 s"), 5_000)),
      ]);
      expect(outcome).toMatch(/^failed: .*(abort|timeout)/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
