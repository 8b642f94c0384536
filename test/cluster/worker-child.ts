/**
 * A worker replica in a child process (test/cluster/worker-kill.test.ts compiles and starts it):
 * the app with `UV_PIN_BOT_ROLE=worker` on the test's Redis, GitHub at `GITHUB_URL` (the test's
 * fake GitHub over loopback HTTP), uv's upstreams as the in-memory fakes with the releases named
 * in `UV_RELEASES` (`version:daysAgo,…`), the clock at `NOW`. Prints `ready` once it takes jobs.
 * SIGTERM and SIGINT stop it as `npm start` does (src/app/shutdown.ts, UV_PIN_BOT_SHUTDOWN_TIMEOUT);
 * on exit it prints `exit <code> redis <status of each of its Redis connections>`.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeSync } from "node:fs";
import type { Redis } from "ioredis";
import { Probot, ProbotOctokit, Server } from "probot";
import { handleSignals, ShutdownRegistry, shutdownTimeoutMs } from "../../src/app/shutdown.js";
import { createApp } from "../../src/app.js";
import { FakeUpstreams } from "../app/fake-upstreams.js";

const env = process.env;
const now = () => new Date(env.NOW ?? "");
const upstreams = await FakeUpstreams.create(now);
for (const spec of (env.UV_RELEASES ?? "").split(",").filter(Boolean)) {
  const [version, days] = spec.split(":");
  upstreams.publish(version ?? "", { daysAgo: Number(days) });
}
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  baseUrl: env.GITHUB_URL,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));
const shutdown = new ShutdownRegistry();
const appFn = createApp({
  env,
  shutdown,
  now,
  upstreams: upstreams.asUpstreams(),
  trustMaterial: upstreams.trustMaterial,
  schedule: false,
});
const server = new Server({
  host: "127.0.0.1",
  port: Number(env.PORT),
  Probot: Probot.defaults({
    appId: 123456,
    privateKey,
    secret: "child-secret",
    baseUrl: env.GITHUB_URL,
    Octokit,
  }),
  enableStaticFiles: false,
});
await server.load(appFn);
await server.start();
shutdown.register("http server", () => server.stop(), "drain");
handleSignals(shutdown, {
  timeoutMs: shutdownTimeoutMs(env),
  log: {
    info: (m) => process.stdout.write(`${m}\n`),
    warn: (m) => process.stdout.write(`${m}\n`),
    error: (m) => process.stdout.write(`${m}\n`),
  },
});
process.on("exit", (code) => {
  let line: string;
  try {
    const c = appFn.coordinator as unknown as { redis: Redis; connections: Redis[] };
    line = `exit ${code} redis ${[c.redis, ...c.connections].map((r) => r.status).join(",")}`;
  } catch (error) {
    line = `exit ${code} (${String(error)})`;
  }
  writeSync(1, `${line}\n`);
});
process.stdout.write("ready\n");
