/**
 * A worker killed mid-run (SIGKILL, a child process: no shutdown hook, no cleanup) hands its job
 * to another worker through Redis: the job's lock lapses, BullMQ moves the stalled job back, a
 * worker in this process finishes it. The run is idempotent: the killed worker had already
 * committed and pushed the branch and asked for the pull request when it died (GitHub had not
 * answered yet); the second run finds both, writes nothing new and answers the command.
 *
 * A worker stopped with SIGTERM (as `docker stop` or Kubernetes do) exits 0 with its Redis
 * connections closed: a job that finishes within its share of UV_PIN_BOT_SHUTDOWN_TIMEOUT is
 * finished; one that does not is handed back and another worker completes it, one commit and one
 * pull request either way.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type GitHubHttp, serveGitHub } from "../app/github-http.js";
import { type AppHarness, type FakeRepo, issueCommentPayload, startApp } from "../app/harness.js";
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

interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The worker replica (test/cluster/worker-child.ts) in a child process, once it takes jobs. */
async function spawnWorker(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [join(outDir, "test/cluster/worker-child.js")], {
    cwd: PROJECT,
    env: {
      PATH: process.env.PATH ?? "",
      UV_PIN_BOT_ROLE: "worker",
      NOW,
      UV_RELEASES: "0.9.17:40,0.9.18:10",
      PORT: String(await freePort()),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (d: unknown) => {
    output += String(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // "close": the exit code once its output has been read to the end.
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  await expect.poll(() => output, { timeout: 60_000, interval: 50 }).toContain("ready");
  return { process: child, output: () => output, exited };
}

describeWithRedis("a worker stopped with SIGTERM while it runs a job", () => {
  let redis: RedisServer | undefined;
  let child: Child | undefined;
  const apps: AppHarness[] = [];
  let front: GitHubHttp | undefined;

  afterEach(async () => {
    if (child && child.process.exitCode === null) child.process.kill("SIGKILL");
    for (const app of apps.splice(0).reverse()) await app.stop();
    await front?.close();
    await redis?.stop();
    child = undefined;
    front = undefined;
    redis = undefined;
  });

  /** A web replica here (owning the fake GitHub), a worker child, a command held at `held`. */
  async function scenario(env: Record<string, string>, held: [string, string]) {
    redis = await startRedis();
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
    front = await serveGitHub(web.github);
    const hold = web.github.hold(held[0], held[1]);
    child = await spawnWorker({ ...env, REDIS_URL: redis.url, GITHUB_URL: front.url });
    const payload = issueCommentPayload(repo, issue, "/uv-update", { user: "alice" });
    expect(await web.send("issue_comment", payload, { noWait: true })).toBe(200);
    await hold.reached;
    return { web, repo, issue, hold, child };
  }

  const commits = (web: AppHarness) =>
    web.github
      .requestsFor("acme/app")
      .filter((r) => r.method === "POST" && r.path.endsWith("/git/commits"));
  const answers = (repo: FakeRepo, issue: number) =>
    repo.comments.filter((c) => c.issue === issue && c.user.type === "Bot").map((c) => c.body);

  it("a job that finishes in time: finished, exit 0, Redis connections closed", async () => {
    const { web, repo, issue, hold, child } = await scenario(
      { UV_PIN_BOT_LOCK_MS: "2000", UV_PIN_BOT_SHUTDOWN_TIMEOUT: "20" },
      ["POST", "/graphql"],
    );
    child.process.kill("SIGTERM");
    await expect
      .poll(() => child.output(), { timeout: 10_000, interval: 25 })
      .toContain("SIGTERM: stopping");
    hold.release(); // the running job goes on and finishes
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain("uv-pin-bot: stopped");
    expect(child.output()).not.toContain("handed back");
    // Every connection the worker opened was closed by it (quit), not dropped by the exit.
    expect(child.output()).toMatch(/exit 0 redis end(,end)+\n/);
    expect(commits(web)).toHaveLength(1);
    expect(repo.pulls).toHaveLength(1);
    expect(answers(repo, issue)).toEqual([
      expect.stringMatching(/^Opened https:\/\/github\.com\/acme\/app\/pull\/2 /),
    ]);
    // Nothing left for another worker: the job completed.
    const counts = await (
      web.appFn.coordinator as unknown as {
        queue: { getJobCounts(...s: string[]): Promise<Record<string, number>> };
      }
    ).queue.getJobCounts("completed", "active", "waiting", "failed");
    expect(counts).toEqual({ completed: 1, active: 0, waiting: 0, failed: 0 });
  }, 120_000);

  it("a job that does not finish in time: handed back, exit 0, another worker completes it", async () => {
    const { web, repo, issue, hold, child } = await scenario(
      { UV_PIN_BOT_LOCK_MS: "1000", UV_PIN_BOT_SHUTDOWN_TIMEOUT: "2" },
      ["POST", "/graphql"],
    );
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain(
      "uv-pin-bot worker: running jobs did not finish in time; handed back to other workers",
    );
    expect(child.output()).toMatch(/exit 0 redis end(,end)+\n/);
    hold.release(); // its answer goes nowhere: the worker is gone
    // Another worker takes the job over once its lock lapsed; the run is idempotent.
    const worker = await startApp({
      mode: "redis",
      redis,
      replicaOf: web,
      app: { env: { UV_PIN_BOT_LOCK_MS: "1000", UV_PIN_BOT_ROLE: "worker" } },
    });
    apps.push(worker);
    await worker.appFn.coordinator.idle();
    expect(commits(web)).toHaveLength(1);
    expect(repo.pulls).toHaveLength(1);
    expect(answers(repo, issue)).toEqual([
      expect.stringMatching(
        /^(Opened|Already proposed in) https:\/\/github\.com\/acme\/app\/pull\/2/,
      ),
    ]);
  }, 120_000);
});

describeWithRedis("a worker killed mid-run", () => {
  let redis: RedisServer;
  let child: Child | undefined;
  const apps: AppHarness[] = [];
  let front: GitHubHttp | undefined;

  afterAll(async () => {
    if (child && child.process.exitCode === null) child.process.kill("SIGKILL");
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
    child = await spawnWorker({ ...env, REDIS_URL: redis.url, GITHUB_URL: http.url });

    const payload = issueCommentPayload(repo, issue, "/uv-update", { user: "alice" });
    expect(await web.send("issue_comment", payload, { noWait: true })).toBe(200);
    await held.reached;
    // Branch, commit and pull request are on GitHub; the worker never hears so. It dies here.
    expect(repo.branches.has("uv-pin-bot/uv")).toBe(true);
    child.process.kill("SIGKILL");
    await child.exited;
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

describeWithRedis("two worker processes writing for one installation", () => {
  let redis: RedisServer | undefined;
  const children: Child[] = [];
  const apps: AppHarness[] = [];
  let front: GitHubHttp | undefined;

  afterAll(async () => {
    for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL");
    for (const app of apps.reverse()) await app.stop();
    await front?.close();
    await redis?.stop();
  });

  it("never have two of its content-creating requests in flight at once (the lock in Redis)", async () => {
    redis = await startRedis();
    const env = { UV_PIN_BOT_LOCK_MS: "2000", UV_PIN_BOT_CONCURRENCY: "4" };
    const web = await startApp({
      now: () => new Date(NOW),
      mode: "redis",
      redis,
      app: { env: { ...env, UV_PIN_BOT_ROLE: "web" } },
    });
    apps.push(web);
    web.upstreams.publish("0.9.17", { daysAgo: 40 });
    web.upstreams.publish("0.9.18", { daysAgo: 10 });
    const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    for (const name of names)
      web.github.addRepo(`acme/${name}`, {
        files: { Dockerfile: dockerfile("0.9.17", web.upstreams.digestOf("0.9.17")) },
      });
    front = await serveGitHub(web.github);
    // Every write takes a moment to answer: without a cluster-wide lock, the two workers' runs
    // (4 at once each, and no process lock in the children) would overlap their writes.
    web.github.slowWrites(20);
    for (let i = 0; i < 2; i++)
      children.push(await spawnWorker({ ...env, REDIS_URL: redis.url, GITHUB_URL: front.url }));
    const summary = await web.sweep();
    expect(summary).toMatchObject({ repositories: 6, opened: 6, failed: 0 });
    const auth = `installation:${web.installation.id}`;
    const writes = web.github.requests.filter((r) => r.method !== "GET" && r.auth === auth);
    // Each PR: tree, commit, one GraphQL document, labels.
    expect(writes).toHaveLength(6 * 4);
    expect(web.github.maxWritesInFlight.get(auth)).toBe(1);
  }, 180_000);
});
