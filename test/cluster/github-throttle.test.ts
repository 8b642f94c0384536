/**
 * GitHub requests of a clustered app (REDIS_URL) against a real redis-server: the app's Octokit
 * must keep answering when Redis forgets this process. Probot hands Octokit's throttling a
 * Bottleneck in Redis mode when `redisConfig` is set; Bottleneck 2.19.5 drops a client it has not
 * seen for 10 s with nothing running, and recovers only when Redis's error text is exactly
 * "UNKNOWN_CLIENT", while Redis 7 answers "ERR UNKNOWN_CLIENT". The process's limiter then
 * rejected every new request and never settled the ones queued in it: the sweep benchmark at
 * N=5,000 failed 1,439 repositories, and one run hung with two jobs waiting forever.
 */
import { generateKeyPairSync } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { Probot } from "probot";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appOctokit } from "../../src/app/github-client.js";
import { type GitHubHttp, serveGitHub } from "../app/github-http.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const INSTALLATION = 4242;

describeWithRedis("the app's GitHub client in a cluster", () => {
  let redis: RedisServer;
  let admin: Redis;
  let github: GitHubHttp;
  /** Answers to GET /repos/acme/r{n} wait here while `holding` is on. */
  let holding = false;
  const held: Array<() => void> = [];
  let probot: Probot;

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    github = await serveGitHub({
      serve: async (method, uri) => {
        if (method === "POST" && uri.includes("/access_tokens"))
          return [
            201,
            { token: "ghs_test", expires_at: new Date(Date.now() + 3_600_000).toISOString() },
          ];
        if (method === "GET" && uri.startsWith("/repos/acme/")) {
          if (holding) await new Promise<void>((release) => held.push(release));
          return [200, { full_name: uri.slice("/repos/".length) }];
        }
        return [404, { message: "Not Found" }];
      },
    });
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    // As production builds it (serve.ts: Probot's `run` reads REDIS_URL into `redisConfig`).
    probot = new Probot({
      appId: 123456,
      privateKey,
      baseUrl: github.url,
      redisConfig: redis.url,
      Octokit: appOctokit(),
      log: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    for (const release of held.splice(0)) release();
    await admin?.quit();
    await github?.close();
    await redis?.stop();
  });

  const settledWithin = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise.then(
        (value) => ({ settled: "fulfilled" as const, value }),
        (error: Error) => ({ settled: "rejected" as const, error: error.message }),
      ),
      new Promise<{ settled: "pending" }>((r) => setTimeout(() => r({ settled: "pending" }), ms)),
    ]);

  it("a process that Redis has forgotten still gets its queued and its new requests answered", async () => {
    const octokit = await probot.auth(INSTALLATION);
    expect((await octokit.request("GET /repos/acme/r0")).status).toBe(200);

    // Eleven reads at once: ten run (a limiter's share), the eleventh waits in the queue.
    holding = true;
    const reads = Array.from({ length: 11 }, (_, i) =>
      octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: `r${i + 1}` }),
    );
    for (let i = 0; i < 100 && held.length < 10; i++) await new Promise((r) => setTimeout(r, 20));
    expect(held.length).toBe(10);

    // What Bottleneck does to a client it judged unresponsive: it leaves the client list.
    for (const key of await admin.keys("b_octokit-*_client_last_seen"))
      for (const client of await admin.zrange(key, 0, -1)) await admin.zrem(key, client);

    holding = false;
    for (const release of held.splice(0)) release();
    const outcomes = await Promise.all(reads.map((read) => settledWithin(read, 5_000)));
    expect(outcomes.map((o) => (o.settled === "fulfilled" ? o.value.status : o))).toEqual(
      Array(11).fill(200),
    );
    const next = await settledWithin(octokit.request("GET /repos/acme/r12"), 5_000);
    expect(next.settled === "fulfilled" ? next.value.status : next).toBe(200);
  }, 30_000);

  it("GitHub requests are throttled in each process, not through Redis (the app's own write lock and budget hold the cluster)", async () => {
    const octokit = await probot.auth(INSTALLATION + 1);
    expect((await octokit.request("GET /repos/acme/x")).status).toBe(200);
    expect(await admin.keys("b_octokit-*")).toEqual([]);
  });
});
