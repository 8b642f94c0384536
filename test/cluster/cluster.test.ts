/**
 * Clustered operation against a REAL redis-server (started per scenario on 127.0.0.1): two or
 * three replicas of the app (each its own Probot server, app and Redis connections) in front of
 * one fake GitHub (test/app/harness.ts), jobs through BullMQ. What a cluster must guarantee:
 * a delivery is handled once whichever replica gets it, a sweep runs each repository once however
 * many replicas start it, a burst of commands collapses into one waiting run and every command
 * gets its answer, a job that keeps failing lands in the failed set with its error, a Redis
 * restart mid-sweep loses nothing, and an installation at its rate-limit floor waits while
 * another proceeds.
 */
import { afterEach, expect, it, vi } from "vitest";
import { QUEUE } from "../../src/app/cluster/redis.js";
import {
  type AppHarness,
  BOT_LOGIN,
  type FakeRepo,
  issueCommentPayload,
  type RecordedRequest,
  startApp,
} from "../app/harness.js";
import { dockerfile } from "../app/support.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const NOW = new Date("2026-11-30T04:00:30Z");
const running: AppHarness[] = [];
let redis: RedisServer | undefined;

async function cluster(
  n: number,
  options: { env?: Record<string, string>; roles?: string[]; persist?: boolean } = {},
): Promise<AppHarness[]> {
  redis = await startRedis({ persist: options.persist });
  const apps: AppHarness[] = [];
  for (let i = 0; i < n; i++) {
    const env = { ...options.env, UV_PIN_BOT_ROLE: options.roles?.[i] ?? "all" };
    const app = await startApp({
      now: () => NOW,
      mode: "redis",
      redis,
      app: { env },
      ...(apps[0] ? { replicaOf: apps[0] } : {}),
    });
    apps.push(app);
    running.push(app);
  }
  const first = apps[0] as AppHarness;
  first.upstreams.publish("0.9.17", { daysAgo: 40 });
  first.upstreams.publish("0.9.18", { daysAgo: 10 });
  return apps;
}

afterEach(async () => {
  // Replicas first, the one owning the fake GitHub last.
  for (const app of running.splice(0).reverse()) await app.stop();
  await redis?.stop();
  redis = undefined;
});

const pinned = (h: AppHarness, name: string, permissions = {}) =>
  h.github.addRepo(name, {
    files: { Dockerfile: dockerfile("0.9.17", h.upstreams.digestOf("0.9.17")) },
    permissions,
  });
const trees = (h: AppHarness, repo: FakeRepo) =>
  h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/trees/main"));
const writes = (h: AppHarness, repo: FakeRepo, suffix: string) =>
  h.github
    .requestsFor(repo.fullName)
    .filter((r: RecordedRequest) => r.method === "POST" && r.path.endsWith(suffix));
const botComments = (repo: FakeRepo, issue: number) =>
  repo.comments.filter((c) => c.issue === issue && c.user.login === BOT_LOGIN).map((c) => c.body);

async function jobCounts(h: AppHarness) {
  const coordinator = h.appFn.coordinator as unknown as {
    queue: { getJobCounts(...t: string[]): Promise<Record<string, number>> };
  };
  return coordinator.queue.getJobCounts("completed", "failed", "waiting", "active", "delayed");
}

describeWithRedis("a cluster on a real Redis", () => {
  it("the same delivery posted to two web replicas: one job, one PR", async () => {
    const [worker, webA, webB] = await cluster(3, { roles: ["worker", "web", "web"] });
    if (!worker || !webA || !webB) throw new Error("three replicas");
    const repo = pinned(worker, "acme/app", { alice: "write" });
    const issue = repo.openIssue("uv").number;
    const payload = issueCommentPayload(repo, issue, "/uv-update", { user: "alice" });
    const statuses = await Promise.all([
      webA.send("issue_comment", payload, { id: "same-delivery" }),
      webB.send("issue_comment", payload, { id: "same-delivery" }),
    ]);
    expect(statuses).toEqual([200, 200]);
    await worker.appFn.coordinator.idle();
    expect(await jobCounts(worker)).toMatchObject({ completed: 1, failed: 0 });
    expect(repo.openPulls()).toHaveLength(1);
    expect(writes(worker, repo, "/git/commits")).toHaveLength(1);
    expect(botComments(repo, issue)).toEqual([
      expect.stringMatching(/^Opened https:\/\/github\.com\/acme\/app\/pull\/\d+ to update uv\.$/),
    ]);
    // The web replicas only verified, looked at the command and enqueued: no run of their own.
    expect(trees(worker, repo)).toHaveLength(1);
    worker.github.assertDone();
  });

  it("a burst of commands on one repository: one run, one waiting run, every command answered", async () => {
    const [h] = await cluster(1, { env: { UV_PIN_BOT_CONCURRENCY: "4" } });
    if (!h) throw new Error("one replica");
    const repo = pinned(h, "acme/app", { alice: "write", bob: "write" });
    const issue = repo.openIssue("uv").number;
    // The first run stops at its tree listing until released; four more commands arrive meanwhile.
    const hold = h.github.hold("GET", "/repos/acme/app/git/trees/main");
    await h.comment(repo, issue, "/uv-update", { user: "alice", noWait: true });
    await hold.reached;
    for (const user of ["bob", "alice", "bob", "alice"])
      await h.comment(repo, issue, "/uv-update", { user, noWait: true });
    expect(await jobCounts(h)).toMatchObject({ active: 1, waiting: 0 });
    hold.release();
    await h.appFn.coordinator.idle();
    // Two runs in all (the held one and ONE for the four that came during it), five answers.
    expect(trees(h, repo)).toHaveLength(2);
    expect(await jobCounts(h)).toMatchObject({ completed: 2, failed: 0 });
    expect(repo.openPulls()).toHaveLength(1);
    expect(writes(h, repo, "/git/commits")).toHaveLength(1);
    const answers = botComments(repo, issue);
    expect(answers).toHaveLength(5);
    expect(answers[0]).toMatch(/^Opened /);
    expect(answers.slice(1).every((a) => a.startsWith("Already proposed in "))).toBe(true);
    h.github.assertDone();
  });

  it("a sweep started on every replica runs each repository once", async () => {
    const apps = await cluster(3);
    const first = apps[0] as AppHarness;
    const repos = ["acme/one", "acme/two", "acme/three", "acme/four"].map((n) => pinned(first, n));
    const summaries = await Promise.all(apps.map((a) => a.sweep()));
    for (const s of summaries)
      expect(s).toMatchObject({ repositories: 4, opened: 4, updated: 0, skipped: 0, failed: 0 });
    expect(first.github.requests.filter((r) => r.path === "/app/installations")).toHaveLength(1);
    for (const repo of repos) {
      expect(trees(first, repo)).toHaveLength(1);
      expect(repo.openPulls()).toHaveLength(1);
    }
    // One summary line for the cluster, from whichever worker finished the last repository.
    const lines = apps.flatMap((a) => a.logs).filter((l) => /^uv-pin-bot sweep: \d/.test(l.msg));
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^uv-pin-bot sweep: 4 repositories, 4 opened, 0 updated, 0 skipped/),
    ]);
    first.github.assertDone();
  });

  it("a job that keeps failing is retried with backoff, then kept in the failed set with its error", async () => {
    const [h] = await cluster(1, { env: { UV_PIN_BOT_JOB_ATTEMPTS: "3" } });
    if (!h) throw new Error("one replica");
    const repo = pinned(h, "acme/broken", { alice: "write" });
    const issue = repo.openIssue("uv").number;
    const failedAt: number[] = [];
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/broken/git/trees/main",
      times: 3,
      reply: () => {
        failedAt.push(Date.now());
        return [500, { message: "Server Error" }];
      },
    });
    // Each retry's delay as BullMQ scheduled it (exponential from 1 s; the harness's locks are 2 s).
    const coordinatorOf = h.appFn.coordinator as unknown as {
      worker: { on(e: "failed", f: (job: { delay: number; finishedOn?: number }) => void): void };
    };
    const delays: number[] = [];
    coordinatorOf.worker.on("failed", (job) => {
      if (!job.finishedOn) delays.push(job.delay);
    });
    await h.comment(repo, issue, "/uv-update", { user: "alice" });
    expect(trees(h, repo)).toHaveLength(3);
    expect(delays).toEqual([1_000, 2_000]);
    // BullMQ kept them: no attempt started before its delay had passed (a lower bound only).
    const [t0 = 0, t1 = 0, t2 = 0] = failedAt;
    expect(t1 - t0).toBeGreaterThanOrEqual(1_000);
    expect(t2 - t1).toBeGreaterThanOrEqual(2_000);
    expect(await jobCounts(h)).toMatchObject({ completed: 1 });
    // The command's job answers once, after its last attempt, with the error.
    expect(botComments(repo, issue)).toEqual([
      expect.stringMatching(/^uv-pin-bot could not finish: /),
    ]);
    const retried = h.logs.filter((l) => l.msg === "uv-pin-bot job failed, retried later");
    expect(retried).toHaveLength(2);
    h.logs.length = 0;

    // A job whose failure is not answered (a closed PR's clean-up): the failed set keeps it.
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/broken/issues/99/comments",
      times: 3,
      reply: () => [502, { message: "Bad Gateway" }],
    });
    await h.appFn.coordinator.submit({
      kind: "closed",
      installationId: 4242,
      owner: "acme",
      repo: "broken",
      pr: { number: 99, merged: false, headSha: "0".repeat(40), target: "0.9.18" },
    });
    await h.appFn.coordinator.idle();
    expect(await jobCounts(h)).toMatchObject({ failed: 1 });
    const coordinator = h.appFn.coordinator as unknown as {
      queue: { getFailed(): Promise<{ failedReason: string; attemptsMade: number }[]> };
    };
    const [failed] = await coordinator.queue.getFailed();
    expect(failed?.attemptsMade).toBe(3);
    expect(failed?.failedReason).toMatch(/Bad Gateway/);
    expect(h.logs.map((l) => l.msg)).toContain("uv-pin-bot job failed (kept in the failed set)");
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/uv_pin_bot_queue_jobs\{state="failed"\} 1/);
    expect(metrics).toMatch(/uv_pin_bot_jobs_total\{kind="closed",outcome="error"\} 3/);
    h.logs.length = 0;
  });

  it("Redis restarted mid-sweep: the sweep resumes and finishes every repository", async () => {
    const [h] = await cluster(1, { persist: true, env: { UV_PIN_BOT_CONCURRENCY: "1" } });
    if (!h || !redis) throw new Error("one replica");
    const repos = ["acme/r1", "acme/r2", "acme/r3"].map((n) => pinned(h, n));
    const hold = h.github.hold("GET", "/repos/acme/r2/git/trees/main");
    const sweep = h.sweep();
    await hold.reached;
    expect(await h.post("/nothing")).toBe(404);
    await redis.restart();
    hold.release();
    const summary = await sweep;
    expect(summary).toMatchObject({ repositories: 3, opened: 3, failed: 0 });
    for (const repo of repos) expect(repo.openPulls()).toHaveLength(1);
    for (const repo of repos) expect(writes(h, repo, "/git/commits")).toHaveLength(1);
    h.logs.length = 0; // ioredis and the worker log the lost connection; that is the point here
  });

  it("an installation at its rate-limit floor waits for its reset while another proceeds", async () => {
    const [h] = await cluster(1, { env: { UV_PIN_BOT_CONCURRENCY: "1" } });
    if (!h) throw new Error("one replica");
    h.github.addInstallation(5151, "globex");
    const a1 = pinned(h, "acme/a1");
    const a2 = pinned(h, "acme/a2");
    const b1 = pinned(h, "globex/b1");
    const b2 = pinned(h, "globex/b2");
    const reset = Math.ceil(Date.now() / 1000) + 2;
    // acme's answer to a1's config read: 5 requests left until `reset` (the floor is 100).
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/a1/contents/.github/uv-pin-bot.yml",
      reply: () => [
        404,
        { message: "Not Found" },
        { "x-ratelimit-remaining": "5", "x-ratelimit-reset": String(reset) },
      ],
    });
    const sweeping = h.sweep();
    // a2 waits for acme's reset as a delayed job (not failed, not an attempt used).
    await expect
      .poll(async () => (await (await fetch(`${h.url}/metrics`)).text()) as string, {
        timeout: 10_000,
        interval: 25,
      })
      .toMatch(/uv_pin_bot_queue_jobs\{state="delayed"\} 1\n/);
    const summary = await sweeping;
    expect(summary).toMatchObject({ repositories: 4, opened: 4, failed: 0 });
    const order = h.github.requests;
    const first = (repo: FakeRepo) => order.findIndex((r) => r.repo === repo.fullName);
    const last = (repo: FakeRepo) => order.findLastIndex((r) => r.repo === repo.fullName);
    // globex went on while acme waited: both its repositories ran before a2 started.
    expect(first(a2)).toBeGreaterThan(last(b1));
    expect(first(a2)).toBeGreaterThan(last(b2));
    expect(first(a2)).toBeGreaterThan(last(a1));
    expect(
      h.logs.some(
        (l) =>
          l.msg.includes("rate-limit floor") &&
          (l as { installation?: number }).installation === 4242,
      ),
    ).toBe(true);
    for (const repo of [a1, a2, b1, b2]) expect(repo.openPulls()).toHaveLength(1);
    h.github.assertDone();
  });

  it("readiness fails while Redis is unreachable; /ping stays the liveness probe", async () => {
    const [h] = await cluster(1);
    if (!h || !redis) throw new Error("one replica");
    expect((await fetch(`${h.url}/ready`)).status).toBe(200);
    await redis.kill();
    await vi.waitFor(async () => expect((await fetch(`${h.url}/ready`)).status).toBe(503), {
      timeout: 5_000,
      interval: 50,
    });
    expect((await fetch(`${h.url}/ping`)).status).toBe(200);
    await redis.start();
    await vi.waitFor(async () => expect((await fetch(`${h.url}/ready`)).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
    h.logs.length = 0;
  });

  it("metrics: jobs by outcome, run durations, queue depth, PRs, GitHub requests, rate limits, sweep", async () => {
    const [h] = await cluster(1, { env: { UV_PIN_BOT_CONCURRENCY: "1" } });
    if (!h) throw new Error("one replica");
    const one = pinned(h, "acme/one");
    pinned(h, "acme/two");
    // acme's budget as GitHub reports it on one answer (well above the floor: nothing waits).
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/one/contents/.github/uv-pin-bot.yml",
      reply: () => [
        404,
        { message: "Not Found" },
        { "x-ratelimit-remaining": "4321", "x-ratelimit-reset": String(2_000_000_000) },
      ],
    });
    const metrics = async () => (await (await fetch(`${h.url}/metrics`)).text()) as string;
    // While acme/one runs (held at its tree), acme/two waits: one active, one waiting.
    const hold = h.github.hold("GET", "/repos/acme/one/git/trees/main");
    const sweep = h.sweep();
    await hold.reached;
    await expect
      .poll(metrics, { timeout: 10_000, interval: 25 })
      .toMatch(/uv_pin_bot_queue_jobs\{state="waiting"\} 1\n/);
    const during = await metrics();
    expect(during).toMatch(/uv_pin_bot_queue_jobs\{state="active"\} 1\n/);
    expect(during).toMatch(/uv_pin_bot_queue_jobs\{state="delayed"\} 0\n/);
    expect(during).toMatch(/uv_pin_bot_sweep_repositories\{state="total"\} 2\n/);
    expect(during).toMatch(/uv_pin_bot_sweep_repositories\{state="done"\} 0\n/);
    hold.release();
    await sweep;
    // The sweep ends when the last job's result is recorded; BullMQ moves that job out of
    // "active" just after (seen once in CI as active 1 here): read the gauges once it has.
    await expect
      .poll(metrics, { timeout: 5_000, interval: 25 })
      .toMatch(/uv_pin_bot_queue_jobs\{state="active"\} 0\n/);
    const res = await fetch(`${h.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/uv_pin_bot_jobs_total\{kind="sweep-repo",outcome="opened"\} 2/);
    expect(text).toMatch(/uv_pin_bot_run_duration_seconds_count\{kind="sweep-repo"\} 2/);
    expect(text).toMatch(/uv_pin_bot_queue_jobs\{state="waiting"\} 0/);
    expect(text).toMatch(/uv_pin_bot_queue_jobs\{state="active"\} 0/);
    expect(text).toMatch(/uv_pin_bot_pull_requests_total\{action="opened"\} 2/);
    expect(text).toMatch(/uv_pin_bot_github_requests_total\{status="200"\} \d+/);
    expect(text).toMatch(/uv_pin_bot_github_requests_total\{status="404"\} \d+/);
    expect(text).toMatch(/uv_pin_bot_rate_limit_remaining\{installation="4242"\} 4321\n/);
    expect(text).toMatch(/uv_pin_bot_sweep_repositories\{state="done"\} 2/);

    // A newer release: the next sweep updates both pull requests in place.
    h.upstreams.publish("0.9.19", { daysAgo: 3 });
    expect(await h.sweep()).toMatchObject({ repositories: 2, opened: 0, updated: 2 });
    const after = await metrics();
    expect(after).toMatch(/uv_pin_bot_pull_requests_total\{action="updated"\} 2\n/);
    expect(after).toMatch(/uv_pin_bot_pull_requests_total\{action="opened"\} 2\n/);
    expect(after).toMatch(/uv_pin_bot_jobs_total\{kind="sweep-repo",outcome="updated"\} 2/);
    expect(one.openPulls()).toHaveLength(1);
    expect(QUEUE).toBe("uv-pin-bot");
  });

  it("UV_PIN_BOT_CONCURRENCY bounds the jobs a worker runs at once", async () => {
    const [h] = await cluster(1, { env: { UV_PIN_BOT_CONCURRENCY: "2" } });
    if (!h) throw new Error("one replica");
    const names = ["acme/c1", "acme/c2", "acme/c3", "acme/c4"];
    for (const name of names) pinned(h, name);
    const holds = names.map((n) => h.github.hold("GET", `/repos/${n}/git/trees/main`));
    const reached = new Set<number>();
    holds.forEach((hold, i) => {
      void hold.reached.then(() => reached.add(i));
    });
    const sweep = h.sweep();
    await expect.poll(() => reached.size, { timeout: 10_000, interval: 25 }).toBe(2);
    await expect
      .poll(async () => jobCounts(h), { timeout: 10_000, interval: 25 })
      .toMatchObject({ active: 2, waiting: 2 });
    expect(reached.size).toBe(2);
    // One finishes: exactly one more starts.
    const [first] = [...reached];
    holds[first ?? 0]?.release();
    await expect.poll(() => reached.size, { timeout: 10_000, interval: 25 }).toBe(3);
    expect(await jobCounts(h)).toMatchObject({ active: 2, waiting: 1 });
    for (const hold of holds) hold.release();
    expect(await sweep).toMatchObject({ repositories: 4, opened: 4, failed: 0 });
    h.github.assertDone();
  });
});
