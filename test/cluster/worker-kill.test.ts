/**
 * A worker killed mid-run (SIGKILL, a child process: no shutdown hook, no cleanup) hands its job
 * to another worker through Redis: the job's lock lapses, BullMQ moves the stalled job back, a
 * worker in this process finishes it. The run is idempotent: the killed worker had already
 * committed and pushed the branch and asked for the pull request when it died (GitHub had not
 * answered yet); the second run finds both, writes nothing new and answers the command.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type GitHubHttp, serveGitHub } from "../app/github-http.js";
import { type AppHarness, issueCommentPayload, startApp } from "../app/harness.js";
import { dockerfile } from "../app/support.js";
import { PROJECT } from "../built-project.js";
import { describeWithRedis, freePort, type RedisServer, startRedis } from "../redis/server.js";

const NOW = "2026-11-30T04:00:30Z";
let outDir = "";

/** Compiles the child's entry (and what it imports) with the project's compiler settings. */
beforeAll(() => {
  mkdirSync(join(PROJECT, ".test-build"), { recursive: true });
  outDir = mkdtempSync(join(PROJECT, ".test-build", "worker-"));
  const tsc = spawnSync(
    process.execPath,
    [
      join(PROJECT, "node_modules/typescript/bin/tsc"),
      "-p",
      join(PROJECT, "tsconfig.json"),
      "--noEmit",
      "false",
      "--outDir",
      outDir,
      "--sourceMap",
      "false",
    ],
    { encoding: "utf8", cwd: PROJECT },
  );
  if (tsc.status !== 0) throw new Error(`build failed:\n${tsc.stdout}${tsc.stderr}`);
}, 240_000);
afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describeWithRedis("a worker killed mid-run", () => {
  let redis: RedisServer;
  let child: ChildProcess | undefined;
  const apps: AppHarness[] = [];
  let front: GitHubHttp | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    for (const app of apps.reverse()) await app.stop();
    await front?.close();
    await redis?.stop();
  });

  it("its job completes on another worker with one commit and one pull request", async () => {
    redis = await startRedis();
    const env = { UV_PIN_BOT_LOCK_MS: "1000", UV_PIN_BOT_JOB_ATTEMPTS: "3" };
    // This process: a web replica (takes deliveries, runs nothing) owning the fake GitHub.
    const web = await startApp({
      now: () => new Date(NOW),
      mode: "redis",
      redis,
      app: { env: { ...env, UV_PIN_BOT_ROLE: "web" } },
    });
    apps.push(web);
    web.upstreams.publish("0.9.17", { daysAgo: 40 });
    web.upstreams.publish("0.9.18", { daysAgo: 10 });
    const repo = web.github.addRepo("acme/app", {
      files: { Dockerfile: dockerfile("0.9.17", web.upstreams.digestOf("0.9.17")) },
      permissions: { alice: "write" },
    });
    const issue = repo.openIssue("uv").number;
    const http = await serveGitHub(web.github);
    front = http;

    // The worker, in a child process; GitHub holds its answer to the document that moves the
    // branch and opens the pull request (both done on GitHub's side, the answer not yet sent).
    const held = web.github.hold("POST", "/graphql");
    child = spawn(process.execPath, [join(outDir, "test/cluster/worker-child.js")], {
      cwd: PROJECT,
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        REDIS_URL: redis.url,
        UV_PIN_BOT_ROLE: "worker",
        GITHUB_URL: http.url,
        NOW,
        UV_RELEASES: "0.9.17:40,0.9.18:10",
        PORT: String(await freePort()),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (d) => {
      output += String(d);
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    await expect.poll(() => output, { timeout: 60_000, interval: 50 }).toContain("ready");

    const payload = issueCommentPayload(repo, issue, "/uv-update", { user: "alice" });
    expect(await web.send("issue_comment", payload, { noWait: true })).toBe(200);
    await held.reached;
    // Branch, commit and pull request are on GitHub; the worker never hears so. It dies here.
    expect(repo.branches.has("uv-pin-bot/uv")).toBe(true);
    const exited = new Promise((r) => child?.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    held.release(); // the answer goes nowhere: the connection is gone

    // Another worker (in this process) takes the stalled job over once its lock lapsed.
    const worker = await startApp({
      mode: "redis",
      redis,
      replicaOf: web,
      app: { env: { ...env, UV_PIN_BOT_ROLE: "worker" } },
    });
    apps.push(worker);
    await worker.appFn.coordinator.idle();

    const requests = web.github.requestsFor("acme/app");
    expect(
      requests.filter((r) => r.method === "POST" && r.path.endsWith("/git/commits")),
    ).toHaveLength(1);
    expect(repo.pulls).toHaveLength(1);
    expect(repo.openPulls()).toHaveLength(1);
    const answers = repo.comments.filter((c) => c.issue === issue && c.user.type === "Bot");
    expect(answers.map((c) => c.body)).toEqual([
      expect.stringMatching(
        /^(Opened|Already proposed in) https:\/\/github\.com\/acme\/app\/pull\/2/,
      ),
    ]);
  });
});
