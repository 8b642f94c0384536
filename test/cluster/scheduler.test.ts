/**
 * One sweep per firing for the whole cluster (issue 11 §1): every replica starts with the sweep
 * cron (`UV_PIN_BOT_SCHEDULE`), and each upserts the same BullMQ job scheduler, so Redis holds
 * ONE scheduler entry and ONE next firing (a delayed job), however many replicas run. A firing
 * is one sweep job, taken by one replica, which fans out one job per repository: each repository
 * runs once per firing, across replicas. The firings are triggered deterministically (the next
 * firing's delayed job promoted) instead of waiting for the clock. Real redis-server.
 */
import type { Job, Queue } from "bullmq";
import { afterEach, expect, it } from "vitest";
import { type AppHarness, type FakeRepo, startApp } from "../app/harness.js";
import { dockerfile } from "../app/support.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const NOW = new Date("2026-11-30T04:00:30Z");
const CRON = "0 4 * * 1";
const running: AppHarness[] = [];
let redis: RedisServer | undefined;

afterEach(async () => {
  for (const app of running.splice(0).reverse()) await app.stop();
  await redis?.stop();
  redis = undefined;
});

const queueOf = (h: AppHarness) => (h.appFn.coordinator as unknown as { queue: Queue }).queue;
const trees = (h: AppHarness, repo: FakeRepo) =>
  h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/trees/main"));
/** The scheduler's next firing: delayed jobs that a job scheduler made. */
const nextFirings = async (queue: Queue): Promise<Job[]> =>
  (await queue.getDelayed()).filter((j) => j.repeatJobKey !== undefined);

describeWithRedis("the sweep scheduler on a cluster", () => {
  it("three replicas with the cron: one scheduler entry, each repository run once per firing", async () => {
    redis = await startRedis();
    const apps: AppHarness[] = [];
    for (let i = 0; i < 3; i++) {
      const app = await startApp({
        now: () => NOW,
        mode: "redis",
        redis,
        app: { schedule: CRON },
        ...(apps[0] ? { replicaOf: apps[0] } : {}),
      });
      apps.push(app);
      running.push(app);
    }
    const first = apps[0] as AppHarness;
    first.upstreams.publish("0.9.17", { daysAgo: 40 });
    first.upstreams.publish("0.9.18", { daysAgo: 10 });
    const repos = ["acme/one", "acme/two", "acme/three", "acme/four", "acme/five"].map((name) =>
      first.github.addRepo(name, {
        files: { Dockerfile: dockerfile("0.9.17", first.upstreams.digestOf("0.9.17")) },
      }),
    );
    const queue = queueOf(first);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual([
      expect.objectContaining({ key: "uv-pin-bot-sweep", pattern: CRON, tz: "UTC" }),
    ]);
    for (const app of apps)
      expect(app.logs.map((l) => l.msg)).toContain(
        `uv-pin-bot: sweeps on "${CRON}" (UTC), one per firing for the cluster`,
      );

    const summaries = () =>
      apps.flatMap((a) => a.logs).filter((l) => /^uv-pin-bot sweep: \d/.test(l.msg));
    // In firing order: `summaries()` lists them by replica, and any replica may log either firing's.
    const inOrder: string[] = [];
    for (const firing of [1, 2]) {
      const next = await nextFirings(queue);
      expect(next).toHaveLength(1);
      await next[0]?.promote();
      await expect.poll(() => summaries().length, { timeout: 20_000, interval: 25 }).toBe(firing);
      await first.appFn.coordinator.idle();
      inOrder.push(
        ...summaries()
          .map((l) => l.msg)
          .filter((m) => !inOrder.includes(m)),
      );
      // Each repository once per firing, whichever replica ran it; one summary per firing.
      for (const repo of repos) expect(trees(first, repo)).toHaveLength(firing);
      expect(first.github.requests.filter((r) => r.path === "/app/installations")).toHaveLength(
        firing,
      );
      // Still one scheduler and one next firing (the one just promoted ran).
      expect(await queue.getJobSchedulers()).toHaveLength(1);
      const after = await nextFirings(queue);
      expect(after).toHaveLength(1);
      expect(after[0]?.id).not.toBe(next[0]?.id);
    }
    expect(inOrder).toEqual([
      expect.stringMatching(/^uv-pin-bot sweep: 5 repositories, 5 opened, 0 updated, 0 skipped/),
      expect.stringMatching(/^uv-pin-bot sweep: 5 repositories, 0 opened, 0 updated, 5 skipped/),
    ]);
    for (const repo of repos) expect(repo.pulls).toHaveLength(1);
    first.github.assertDone();
  }, 90_000);
});
