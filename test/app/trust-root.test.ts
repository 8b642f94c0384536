/**
 * The trusted root is loaded when the app starts, in the background: a run does its GitHub reads
 * and upstream lookups while the root is still loading and waits for it only to verify a bundle.
 */
import { afterEach, expect, it } from "vitest";
import type { TrustRoot } from "../../src/adapters/trust-root.js";
import { type AppHarness, startApp } from "./harness.js";

const NOW = new Date("2026-11-30T04:00:30Z");
let h: AppHarness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

it("loads the root at start-up; a run looks everything up before it and verifies once it is there", async () => {
  const loads: boolean[] = [];
  let answer: ((r: TrustRoot) => void) | undefined;
  h = await startApp({
    now: () => NOW,
    app: {
      loadTrustRoot: (fresh) => {
        loads.push(fresh);
        return new Promise<TrustRoot>((resolve) => {
          answer = resolve;
        });
      },
    },
  });
  // Loaded with the app, before any delivery.
  expect(loads).toEqual([false]);
  const app = h;
  app.upstreams.publish("0.9.17", { daysAgo: 40 });
  app.upstreams.publish("0.9.18", { daysAgo: 10 });
  const repo = app.github.addRepo("acme/app", {
    files: {
      Dockerfile: `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17@${app.upstreams.digestOf("0.9.17")} /uv /bin/\n`,
    },
    permissions: { alice: "write" },
  });
  const issue = repo.openIssue("uv").number;

  let done = false;
  const delivered = app.comment(repo, issue, "/uv-update", { user: "alice" }).then((status) => {
    done = true;
    return status;
  });
  // The run gets as far as the attestations while the root is still loading.
  for (let i = 0; i < 200 && app.upstreams.calls.attestations === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(app.upstreams.calls.attestations).toBeGreaterThan(0);
  expect(app.upstreams.calls.digest).toBeGreaterThan(0);
  expect(done).toBe(false);
  expect(repo.openPulls()).toEqual([]);

  answer?.({ material: app.upstreams.trustMaterial, source: "file", warning: null });
  expect(await delivered).toBe(200);
  const pr = repo.openPulls()[0];
  expect(pr?.title).toMatch(/0\.9\.18/);
  expect(pr?.body).toMatch(/verified/i);
  // One load for the app, not one per run.
  await app.comment(repo, issue, "/uv-update check", { user: "alice" });
  expect(loads).toEqual([false]);
  app.github.assertDone();
});
