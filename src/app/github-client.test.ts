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
});
