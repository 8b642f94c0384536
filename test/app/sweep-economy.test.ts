/**
 * What a sweep costs, request by request, against the recorded fake GitHub (which answers ETags
 * and 304s as GitHub does): no `GET /repos/{o}/{r}` the listing already answered, the
 * organisation's fallback config once per sweep, blobs by SHA from the shared cache, an
 * unchanged repository = one 304, and a new uv release still reaching an unchanged repository.
 * Runs in both modes (the `app-redis` project re-runs it clustered).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppHarness, type RecordedRequest, startApp } from "./harness.js";
import { calls, dockerfile } from "./support.js";

const ORG_CONFIG = "/repos/acme/.github/contents/.github/uv-pin-bot.yml";
const isRepoRead = (r: RecordedRequest) => /^\/repos\/[^/]+\/[^/]+$/.test(r.path);
const isBlobRead = (r: RecordedRequest) => r.method === "GET" && r.path.includes("/git/blobs/");
const NO_UV = "FROM python:3.12-slim\nRUN pip install ruff\n";

describe("sweep economy: listing, org config, blobs, ETags", () => {
  let h: AppHarness;

  beforeAll(async () => {
    h = await startApp({
      // One repository at a time, so that "read once" does not depend on timing.
      app: { concurrency: 1, env: { UV_PIN_BOT_CONCURRENCY: "1" } },
    });
    h.upstreams.publish("0.9.16", { daysAgo: 60 });
    h.upstreams.publish("0.9.17", { daysAgo: 30 });
    for (const n of [1, 2, 3])
      h.github.addRepo(`acme/plain-${n}`, { files: { Dockerfile: NO_UV } });
    h.github.addRepo("acme/pinned", { files: { Dockerfile: dockerfile("0.9.16") } });
    h.github.addRepo("acme/current", {
      files: {
        Dockerfile: dockerfile("0.9.17"),
        ".github/uv-pin-bot.yml": "labels: [deps]\n",
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("first sweep: no GET /repos/{o}/{r}, the org fallback read once, one blob per distinct file", async () => {
    const summary = await h.sweep();
    expect(summary).toMatchObject({ repositories: 5, opened: 1, failed: 0 });
    expect(h.github.requests.filter(isRepoRead)).toEqual([]);
    // Four repositories have no config of their own; the organisation's `.github` has none
    // either: asked once for the sweep, not once per repository.
    expect(h.github.requests.filter((r) => r.path === ORG_CONFIG).map((r) => r.status)).toEqual([
      404,
    ]);
    // The three `plain-*` Dockerfiles are the same blob: read once, then from the cache.
    const blobs = h.github.requests.filter(isBlobRead);
    expect(blobs.filter((r) => r.repo?.startsWith("acme/plain-"))).toHaveLength(1);
    // pinned and current: their Dockerfiles (the app's own config is not a candidate file).
    expect(blobs).toHaveLength(3);
    // A repository without uv: its config (404), the tree, its one candidate blob (or none).
    expect(calls(h, (r) => r.repo === "acme/plain-1")).toEqual([
      "GET /repos/acme/plain-1/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/plain-1/git/trees/main?recursive=1",
      expect.stringMatching(/^GET \/repos\/acme\/plain-1\/git\/blobs\/[0-9a-f]{40}$/),
    ]);
  });

  it("second sweep, nothing changed: one 304 per repository, the org fallback once", async () => {
    h.github.reset();
    const before = h.github.notModified;
    const summary = await h.sweep();
    expect(summary).toMatchObject({ repositories: 5, opened: 0, updated: 0, skipped: 5 });
    for (const name of ["plain-1", "plain-2", "plain-3", "pinned", "current"]) {
      const asked = h.github.requestsFor(`acme/${name}`);
      expect(asked.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET /repos/acme/${name}/git/trees/main 304`,
      ]);
    }
    expect(h.github.notModified - before).toBe(5);
    expect(h.github.requests.filter((r) => r.path === ORG_CONFIG)).toHaveLength(1);
    expect(h.github.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("a new uv release reaches unchanged repositories: their PRs are opened or updated", async () => {
    h.github.reset();
    h.upstreams.publish("0.9.18", { daysAgo: 1 });
    const summary = await h.sweep();
    expect(summary).toMatchObject({ repositories: 5, opened: 1, updated: 1, failed: 0 });
    const pinned = h.github.repo("acme/pinned");
    const current = h.github.repo("acme/current");
    for (const repo of [pinned, current]) {
      expect(repo.openPulls().map((p) => p.title)).toEqual(["chore(deps): update uv to 0.9.18"]);
      expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(dockerfile("0.9.18"));
    }
    // Without uv pins nothing changed for them: still one 304 each.
    for (const n of [1, 2, 3])
      expect(h.github.requestsFor(`acme/plain-${n}`).map((r) => r.status)).toEqual([304]);
  });

  it("a push changes the tree: that repository runs again (its unchanged blob from the cache)", async () => {
    h.github.reset();
    h.github.repo("acme/plain-2").commit({ branch: "main", files: { "README.md": "hello\n" } });
    await h.sweep();
    expect(calls(h, (r) => r.repo === "acme/plain-2")).toEqual([
      "GET /repos/acme/plain-2/git/trees/main?recursive=1",
      "GET /repos/acme/plain-2/contents/.github/uv-pin-bot.yml",
    ]);
    expect(h.github.requests.filter((r) => r.repo === "acme/plain-2").map((r) => r.status)).toEqual(
      [200, 404],
    );
    for (const name of ["plain-1", "plain-3", "pinned", "current"])
      expect(h.github.requestsFor(`acme/${name}`).map((r) => r.status)).toEqual([304]);
    h.github.assertDone();
  });
});
