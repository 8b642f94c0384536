/**
 * A sweep that cannot finish must let the cluster go on (issue 11, audit risk): the sweep's
 * cluster-wide claim (`…:sweep:current`, 12 h) is released when the sweep job fails for good
 * (listing the installations throws outside the per-installation try), and a repository job
 * that BullMQ fails without running it (stalled more than the allowed count) still counts
 * towards the sweep's end. Before, every later sweep joined the dead one for 12 h and
 * `coordinator.idle()` never returned. Real redis-server, one replica.
 */
import { afterEach, expect, it } from "vitest";
import { type AppHarness, type FakeRepo, startApp } from "../app/harness.js";
import { dockerfile } from "../app/support.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const NOW = new Date("2026-11-30T04:00:30Z");
/** Far longer than any step here takes; on the old code these waits ran into it (12 h claims). */
const STUCK_MS = 15_000;
let app: AppHarness | undefined;
let redis: RedisServer | undefined;

afterEach(async () => {
  await app?.stop();
  await redis?.stop();
  app = undefined;
  redis = undefined;
});

async function replica(env: Record<string, string> = {}): Promise<AppHarness> {
  redis = await startRedis();
  app = await startApp({ now: () => NOW, mode: "redis", redis, app: { env } });
  app.upstreams.publish("0.9.17", { daysAgo: 40 });
  app.upstreams.publish("0.9.18", { daysAgo: 10 });
  return app;
}

const pinned = (h: AppHarness, name: string) =>
  h.github.addRepo(name, {
    files: { Dockerfile: dockerfile("0.9.17", h.upstreams.digestOf("0.9.17")) },
  });
const trees = (h: AppHarness, repo: FakeRepo) =>
  h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/trees/main"));

/** `promise`'s outcome, or "stuck" when it has not settled within STUCK_MS. */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: Error } | "stuck"> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    ),
    new Promise<"stuck">((r) => setTimeout(() => r("stuck"), STUCK_MS)),
  ]);
}

const claim = (h: AppHarness) =>
  (
    h.appFn.coordinator as unknown as { redis: { get(k: string): Promise<string | null> } }
  ).redis.get("uv-pin-bot:x:sweep:current");

describeWithRedis("a sweep that fails for good", () => {
  it("listing the installations fails: the sweep rejects, its claim is released, the next sweep runs", async () => {
    const h = await replica();
    const repo = pinned(h, "acme/app");
    h.github.intercept({
      method: "GET",
      path: "/app/installations",
      reply: () => [502, { message: "Bad Gateway" }],
    });
    const first = await settled(h.sweep());
    expect(first).toEqual({ error: expect.any(Error) });
    if (first !== "stuck" && "error" in first)
      expect(first.error.message).toMatch(/^uv-pin-bot sweep failed: .*Bad Gateway/);
    expect(await claim(h)).toBeNull();
    expect(await settled(h.appFn.coordinator.idle())).toEqual({ value: undefined });
    expect(h.logs.map((l) => l.msg)).toContain("uv-pin-bot sweep failed; its claim is released");
    expect(trees(h, repo)).toHaveLength(0);

    // The next sweep is a new one (it does not join the dead one) and runs the repository.
    const second = await settled(h.sweep());
    expect(second).toEqual({
      value: expect.objectContaining({ repositories: 1, opened: 1, failed: 0 }),
    });
    expect(trees(h, repo)).toHaveLength(1);
    h.logs.length = 0;
    h.github.assertDone();
  }, 60_000);

  it("a replica that joined the sweep is told it failed (not left waiting for 12 h); the next sweep runs", async () => {
    const h = await replica();
    const other = await startApp({ now: () => NOW, mode: "redis", redis, replicaOf: h });
    try {
      const repo = pinned(h, "acme/app");
      h.github.intercept({
        method: "GET",
        path: "/app/installations",
        reply: () => [502, { message: "Bad Gateway" }],
      });
      const listing = h.github.hold("GET", "/app/installations");
      const started = settled(h.sweep());
      await listing.reached;
      // The second replica's sweep request while the first one's sweep is listing: it joins.
      const joined = settled(other.sweep());
      await new Promise((r) => setTimeout(r, 300));
      listing.release();
      for (const outcome of [await started, await joined]) {
        expect(outcome).toEqual({ error: expect.any(Error) });
        if (outcome !== "stuck" && "error" in outcome)
          expect(outcome.error.message).toMatch(/^uv-pin-bot sweep failed: .*Bad Gateway/);
      }
      expect(await claim(h)).toBeNull();
      expect(trees(h, repo)).toHaveLength(0);
      // Either replica's next request starts a new sweep that runs the repository.
      expect(await settled(other.sweep())).toEqual({
        value: expect.objectContaining({ repositories: 1, opened: 1, failed: 0 }),
      });
      expect(trees(h, repo)).toHaveLength(1);
      h.logs.length = 0;
      other.logs.length = 0;
    } finally {
      await other.stop();
    }
  }, 60_000);

  it("a repository job failed by BullMQ without running (stalled too often) still ends the sweep", async () => {
    const h = await replica({ UV_PIN_BOT_CONCURRENCY: "1" });
    const [r1, r2, r3] = ["acme/r1", "acme/r2", "acme/r3"].map((n) => pinned(h, n));
    if (!r1 || !r2 || !r3) throw new Error("three repositories");
    const hold = h.github.hold("GET", "/repos/acme/r1/git/trees/main");
    const sweep = settled(h.sweep());
    await hold.reached;
    // What BullMQ's stalled checker records on a job that stalled more than maxStalledCount
    // times: the next worker to take it fails it at once, without running the processor.
    const coordinator = h.appFn.coordinator as unknown as {
      queue: { getWaiting(): Promise<{ id?: string; data: { task: { repo: string } } }[]> };
      redis: { hset(k: string, f: string, v: string): Promise<number> };
    };
    const waiting = await coordinator.queue.getWaiting();
    const r2Job = waiting.find((j) => j.data.task.repo === "r2");
    if (!r2Job?.id) throw new Error("r2's job waits");
    await coordinator.redis.hset(
      `uv-pin-bot:uv-pin-bot:${r2Job.id}`,
      "defa",
      "job stalled more than allowable limit",
    );
    hold.release();
    const done = await sweep;
    expect(done).toEqual({
      value: expect.objectContaining({ repositories: 3, opened: 2, failed: 1 }),
    });
    expect(trees(h, r2)).toHaveLength(0);
    expect(await claim(h)).toBeNull();
    expect(await settled(h.appFn.coordinator.idle())).toEqual({ value: undefined });
    h.logs.length = 0;
  }, 60_000);
});
