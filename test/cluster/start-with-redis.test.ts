/**
 * `npm start`'s path (Probot's `run()`) with `REDIS_URL` set, as Probot documents for
 * cluster-wide throttling: Probot loads `ioredis` for its throttling (it crashed at start with
 * ERR_MODULE_NOT_FOUND before `ioredis` was installed) and the app runs clustered on the same
 * Redis. A signed command delivery goes all the way: Probot's throttled Octokit on Redis, the
 * job through BullMQ, the answer on the issue.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { Redis } from "ioredis";
import nock from "nock";
import { run, type Server } from "probot";
import { afterEach, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { BOT_LOGIN, FakeGitHub, issueCommentPayload } from "../app/harness.js";
import { describeWithRedis, freePort, type RedisServer, startRedis } from "../redis/server.js";

let redis: RedisServer | undefined;
let server: Server | undefined;
let github: FakeGitHub | undefined;
let app: ReturnType<typeof createApp> | undefined;

afterEach(async () => {
  await server?.stop();
  await app?.coordinator.close();
  await redis?.stop();
  github?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describeWithRedis("start-up with REDIS_URL", () => {
  it("starts, is ready, and answers a command through Redis", async () => {
    redis = await startRedis();
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    github = new FakeGitHub(() => new Date("2026-11-30T04:00:30Z"));
    github.addInstallation(4242, "acme");
    const repo = github.addRepo("acme/app", { permissions: { alice: "write" } });
    const issue = repo.openIssue("help?").number;
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const port = await freePort();
    const env = {
      APP_ID: "123456",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: "start-secret",
      REDIS_URL: redis.url,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "fatal" as const,
    };
    app = createApp({ env, schedule: false });
    server = await run(app, { env });
    const url = `http://127.0.0.1:${port}`;
    expect(app.coordinator.mode).toBe("redis");
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const body = JSON.stringify(issueCommentPayload(repo, issue, "/uv-update help"));
    const res = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": "start-1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "start-secret").update(body).digest("hex")}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    await app.coordinator.idle();
    const answers = repo.comments.filter((c) => c.user.login === BOT_LOGIN);
    expect(answers.map((c) => c.body)).toEqual([expect.stringContaining("/uv-update")]);
    // Probot's throttling ran on the same Redis (Bottleneck's keys), next to the app's jobs.
    const client = new Redis(redis.url);
    const keys = await client.keys("*");
    await client.quit();
    expect(keys.some((k) => k.startsWith("b_"))).toBe(true);
    expect(keys.some((k) => k.startsWith("uv-pin-bot:"))).toBe(true);
    github.assertDone();
  });
});
