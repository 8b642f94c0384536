/**
 * The loopback GitHub (github-http.ts) keeps GitHub's primary rate limit as GitHub does: at 0
 * left it answers 403 until the reset, and at the reset the window starts again (full limit, a
 * reset in the future), so a run deferred to the reset finds room instead of a 403 with a reset
 * in the past.
 */
import { afterEach, expect, it } from "vitest";
import { type GitHubHttp, serveGitHub } from "./github-http.js";

let http: GitHubHttp | undefined;
afterEach(async () => {
  await http?.close();
});

const ask = async () => {
  const res = await fetch(`${http?.url}/repos/acme/app`, {
    headers: { authorization: "token ghs_test_7" },
  });
  await res.arrayBuffer();
  return {
    status: res.status,
    remaining: res.headers.get("x-ratelimit-remaining"),
    reset: Number(res.headers.get("x-ratelimit-reset")),
  };
};

it("the primary rate-limit window resets at its reset time: the limit is back and the next reset is ahead", async () => {
  const resetAt = Math.ceil(Date.now() / 1000) + 1;
  http = await serveGitHub({ serve: () => [200, { ok: true }] }, { rateLimit: 2, resetAt });
  expect(await ask()).toEqual({ status: 200, remaining: "1", reset: resetAt });
  expect(await ask()).toEqual({ status: 200, remaining: "0", reset: resetAt });
  expect(await ask()).toEqual({ status: 403, remaining: "0", reset: resetAt });
  // Past the reset: a new window of 2.
  await new Promise((r) => setTimeout(r, resetAt * 1000 - Date.now() + 50));
  const after = await ask();
  expect(after).toMatchObject({ status: 200, remaining: "1" });
  expect(after.reset * 1000).toBeGreaterThan(Date.now());
  expect(http.remaining()).toEqual(new Map([[7, 1]]));
});
