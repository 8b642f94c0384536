/**
 * Installations are swept in parallel, each with its own rate-limit budget (issue 11 §1), in
 * both modes (this file runs embedded and, in the `app-redis` project, on a real Redis): one
 * installation's slow repository does not hold the other installation up, and an installation at
 * its rate-limit floor waits for its reset while the other goes on. Embedded runs one job at a
 * time per installation here (`concurrency: 1`); a clustered worker runs jobs of any installation
 * from one queue (`UV_PIN_BOT_CONCURRENCY` slots), so the order of the requests shows who waited
 * for whom.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AppHarness, type FakeRepo, startApp } from "./harness.js";
import { dockerfile } from "./support.js";

const NOW = new Date("2026-11-30T04:00:30Z");
let h: AppHarness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function twoInstallations(workerSlots: number) {
  const app = await startApp({
    now: () => NOW,
    app: { concurrency: 1, env: { UV_PIN_BOT_CONCURRENCY: String(workerSlots) } },
  });
  h = app;
  app.upstreams.publish("0.9.17", { daysAgo: 40 });
  app.upstreams.publish("0.9.18", { daysAgo: 10 });
  app.github.addInstallation(5151, "globex");
  const pinned = (name: string) =>
    app.github.addRepo(name, {
      files: { Dockerfile: dockerfile("0.9.17", app.upstreams.digestOf("0.9.17")) },
    });
  const [a1, a2, b1, b2] = ["acme/a1", "acme/a2", "globex/b1", "globex/b2"].map(pinned);
  if (!a1 || !a2 || !b1 || !b2) throw new Error("four repositories");
  return { app, a1, a2, b1, b2 };
}

describe("installations swept in parallel", () => {
  it("one installation's held repository does not hold the other installation up", async () => {
    // Clustered: two slots, one held by a1; the other takes the rest of the queue.
    const { app, a1, a2, b1, b2 } = await twoInstallations(2);
    const hold = app.github.hold("GET", "/repos/acme/a1/git/trees/main");
    const sweep = app.sweep();
    await hold.reached;
    // globex finishes both its repositories while acme's first is still held.
    await expect
      .poll(() => [b1.openPulls().length, b2.openPulls().length], { timeout: 10_000, interval: 25 })
      .toEqual([1, 1]);
    expect(a1.openPulls()).toHaveLength(0);
    // Embedded, acme's repositories go one at a time: a2 waits for a1.
    if (app.mode === "embedded") expect(app.github.requestsFor(a2.fullName)).toHaveLength(0);
    hold.release();
    expect(await sweep).toMatchObject({ repositories: 4, opened: 4, failed: 0 });
    for (const repo of [a1, a2, b1, b2]) expect(repo.openPulls()).toHaveLength(1);
    app.github.assertDone();
  });

  it("an installation at its rate-limit floor waits for its reset while the other goes on", async () => {
    const { app, a1, a2, b1, b2 } = await twoInstallations(1);
    const reset = Math.ceil(Date.now() / 1000) + 2;
    // acme's answer to a1's config read: 5 requests left until `reset` (the floor is 100).
    app.github.intercept({
      method: "GET",
      path: "/repos/acme/a1/contents/.github/uv-pin-bot.yml",
      reply: () => [
        404,
        { message: "Not Found" },
        { "x-ratelimit-remaining": "5", "x-ratelimit-reset": String(reset) },
      ],
    });
    const summary = await app.sweep();
    expect(summary).toMatchObject({ repositories: 4, opened: 4, failed: 0 });
    const order = app.github.requests;
    const first = (repo: FakeRepo) => order.findIndex((r) => r.repo === repo.fullName);
    const last = (repo: FakeRepo) => order.findLastIndex((r) => r.repo === repo.fullName);
    // acme's a2 started only after globex had finished both of its repositories.
    expect(first(a2)).toBeGreaterThan(last(a1));
    expect(first(a2)).toBeGreaterThan(last(b1));
    expect(first(a2)).toBeGreaterThan(last(b2));
    for (const repo of [a1, a2, b1, b2]) expect(repo.openPulls()).toHaveLength(1);
    app.github.assertDone();
  });
});
