/**
 * One replica of the app for the sweep benchmark, in its own process (bench/sweep-bench.ts starts
 * 1, 2 or 4): clustered on the benchmark's Redis (`REDIS_URL`, role `all`), Probot's Octokit as
 * in production (`appOctokit()`: GitHub's limits retried; writes one at a time per installation,
 * one a second, shared by the cluster through Redis) pointed at the simulated GitHub
 * (`GITHUB_URL`), and the app's REAL upstream adapters (`UV_PIN_BOT_ORIGINS`, `GITHUB_API_URL`:
 * the local registry and release list), cached in Redis. The trusted root is the fixture's (no
 * TUF fetch). Prints `ready`; then reads commands on stdin, one a line:
 *   `sweep`  → runs a sweep for the cluster, prints `swept {summary JSON}`
 *   `stats`  → prints `stats {"maxRssKb":…,"upstream":…}`
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { loadTrustMaterial } from "../src/adapters/sigstore-verify.js";
import { appOctokit } from "../src/app/github-client.js";
import { createApp } from "../src/app.js";

const env = process.env;
const FIXTURES = new URL("../../fixtures/attestations/", import.meta.url);
const material = loadTrustMaterial(
  JSON.parse(readFileSync(new URL("trusted_root.json", FIXTURES), "utf8")),
);
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const log = pino({ level: env.LOG_LEVEL ?? "warn" }, process.stderr);
const appFn = createApp({
  env,
  trustMaterial: material,
  schedule: false,
});
const server = new Server({
  host: "127.0.0.1",
  port: Number(env.PORT),
  log,
  Probot: Probot.defaults({
    appId: 123456,
    privateKey,
    secret: "bench-secret",
    baseUrl: env.GITHUB_URL,
    redisConfig: env.REDIS_URL,
    Octokit: appOctokit(),
    log,
  }),
  enableStaticFiles: false,
});
await server.load(appFn);
await server.start();
process.stdout.write("ready\n");

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = line.trim();
  if (command === "sweep") {
    appFn.sweep?.().then(
      (summary) => process.stdout.write(`swept ${JSON.stringify(summary)}\n`),
      (error: unknown) => process.stdout.write(`failed ${String(error)}\n`),
    );
  } else if (command === "stats") {
    const usage = process.resourceUsage();
    process.stdout.write(`stats ${JSON.stringify({ maxRssKb: usage.maxRSS })}\n`);
  }
});
lines.on("close", async () => {
  await server.stop();
  await appFn.coordinator.close();
  process.exit(0);
});
