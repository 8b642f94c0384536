/**
 * One registry request per distinct tag for the whole cluster: three worker replicas (each its
 * own Probot server, app, BullMQ worker and Redis connections) sweep repositories that pin the
 * same uv tags, with the app's REAL upstream adapters (the OCI registry client, the releases
 * client) against the REAL local registry (docker-registry) and a local release list, their
 * lookups cached in Redis (src/app/cluster/redis-cache.ts: one loader per key in the cluster).
 * GitHub is the fake under nock (test/app/harness.ts). Attestations are `off` (the org's
 * `.github` configuration), so every upstream request is a registry or release-list lookup.
 * Each repository also pins a tag of its own, so every replica that runs one asks the registry
 * itself: the registry's token is fetched once and shared through Redis (one 401, one token).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type AppHarness, startApp } from "../app/harness.js";
import { type RedisServer, startRedis } from "../redis/server.js";
import { startRegistry, type TestRegistry } from "../registry/harness.js";
import {
  type ReleasesServer,
  seedUvImages,
  serveUvReleases,
  tagLookups,
  UV_IMAGE,
  upstreamEnv,
} from "../registry/uv-upstream.js";
import { describeWithPackages } from "../system-packages.js";

const NOW = new Date("2026-11-30T04:00:30Z");
const DAY = 86_400_000;
const VARIANT = "python3.12-bookworm-slim";
const REPLICAS = 3;
const REPOS = 12;
/** Repository `r`'s own variant of uv's images (a tag suffix no other repository pins). */
const own = (r: number) => `edition${String.fromCharCode(97 + r)}`;

describeWithPackages(["docker-registry", "openssl", "redis-server"], "shared lookups", () => {
  let registry: TestRegistry;
  let releases: ReleasesServer;
  let redis: RedisServer;
  let digests: Map<string, string>;
  const apps: AppHarness[] = [];

  beforeAll(async () => {
    registry = await startRegistry();
    digests = await seedUvImages(registry, ["0.9.17", "0.9.18"], [VARIANT]);
    // One variant of each release per repository: every repository looks one tag up that no
    // other repository does, so every replica that runs one asks the registry itself.
    for (const version of ["0.9.17", "0.9.18"])
      await registry.tag(
        UV_IMAGE,
        digests.get(version) as string,
        Array.from({ length: REPOS }, (_, r) => `${version}-${own(r)}`),
      );
    releases = await serveUvReleases([
      { version: "0.9.17", publishedAt: new Date(NOW.getTime() - 40 * DAY) },
      { version: "0.9.18", publishedAt: new Date(NOW.getTime() - 10 * DAY) },
    ]);
    redis = await startRedis();
  }, 60_000);

  afterAll(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop();
    await redis?.stop();
    await releases?.close();
    await registry?.stop();
  });

  it("workers sweeping repositories that pin the same tags ask the registry once per tag, with one challenge and one token for the cluster", async () => {
    const env = {
      ...upstreamEnv(registry, releases.url),
      // One job at a time per replica, so that the repositories spread over the replicas.
      UV_PIN_BOT_CONCURRENCY: "1",
      UV_PIN_BOT_ROLE: "all",
    };
    for (let i = 0; i < REPLICAS; i++) {
      apps.push(
        await startApp({
          now: () => NOW,
          mode: "redis",
          redis,
          realUpstreams: true,
          app: { env },
          ...(apps[0] ? { replicaOf: apps[0] } : {}),
        }),
      );
    }
    const github = (apps[0] as AppHarness).github;
    github.addRepo("acme/.github", {
      files: { ".github/uv-pin-bot.yml": "attestations: off\n" },
    });
    // Every repository pins the same two images at the old release (and one the variant too).
    const old = digests.get("0.9.17") as string;
    const oldVariant = digests.get(`0.9.17-${VARIANT}`) as string;
    for (let r = 0; r < REPOS; r++) {
      const lines = [
        `FROM ghcr.io/astral-sh/uv:0.9.17-${VARIANT}@${oldVariant} AS uv`,
        `FROM ghcr.io/astral-sh/uv:0.9.17-${own(r)}@${old} AS own`,
        "FROM python:3.12-slim",
        `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${old} /uv /uvx /bin/`,
        "",
      ];
      github.addRepo(`acme/app-${r}`, { files: { Dockerfile: lines.join("\n") } });
    }
    registry.resetCounts();
    // Mid-sweep, the lookup cache's 10-minute entries lapse (an organisation's sweep outlives
    // them): when the first repository writes its tree (its lookups done, most repositories
    // still to run), every cached lookup of 10 minutes or less (tags, digests of tags, release
    // lists; not immutable manifests) but the sweep's own is dropped. The sweep must keep the
    // answers it had: still one registry request per tag.
    const admin = new Redis(redis.url);
    const lapse = github.hold("POST", /^\/repos\/acme\/app-\d+\/git\/trees$/);
    const lapsed = lapse.reached.then(async () => {
      const lookups: string[] = [];
      for (const key of await admin.keys("uv-pin-bot:x:c:*"))
        if (!key.startsWith("uv-pin-bot:x:c:sweep:") && (await admin.pttl(key)) <= 10 * 60_000)
          lookups.push(key);
      if (lookups.length > 0) await admin.del(...lookups);
      lapse.release();
      return lookups.length;
    });

    const summary = await (apps[0] as AppHarness).sweep();
    expect(await lapsed).toBeGreaterThan(0);

    expect(summary).toMatchObject({ repositories: REPOS + 1, opened: REPOS, failed: 0 });
    // Each replica ran repositories (else one process's memory could explain one lookup a tag).
    const ran = await Promise.all(apps.map((a) => sweepJobs(a)));
    expect(ran.reduce((a, b) => a + b, 0)).toBe(REPOS + 1);
    expect(ran.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    // Tags asked: the new release's (the pinned ones are older: no digest re-check).
    const byTag = Object.fromEntries(tagLookups(registry));
    expect(byTag).toEqual({
      "0.9.18": 1,
      [`0.9.18-${VARIANT}`]: 1,
      ...Object.fromEntries(Array.from({ length: REPOS }, (_, r) => [`0.9.18-${own(r)}`, 1])),
    });
    // Every registry URL was answered ONCE for the whole cluster (tags list, tag lookups, the
    // manifests behind them). The only other requests: the cluster's first request is challenged
    // (401) and repeated with the ONE token it fetched, which every replica then takes from Redis.
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    const lookups = registry.requests.filter((r) => r.status !== 401 && r.path !== "/token");
    expect(lookups.every((r) => r.status === 200)).toBe(true);
    expect(new Set(lookups.map(key)).size).toBe(lookups.length);
    const challenges = registry.requests.filter((r) => r.status === 401);
    expect(challenges).toHaveLength(1);
    expect(challenges[0]?.headers.authorization).toBeUndefined();
    const answeredKeys = new Set(lookups.map(key));
    expect(challenges.filter((r) => !answeredKeys.has(key(r)))).toEqual([]);
    const tokens = registry.requests.filter((r) => r.path === "/token");
    expect(tokens.map((r) => r.status)).toEqual([200]);
    // Every lookup carried that one token, whichever replica sent it.
    expect(new Set(lookups.map((r) => r.headers.authorization)).size).toBe(1);
    expect(lookups.every((r) => r.headers.authorization?.startsWith("Bearer "))).toBe(true);
    expect(releases.requests()).toBe(1);
    // /metrics, summed over the replicas: upstream requests by status are what the registry and
    // the release list answered (401 challenges included).
    const answered: Record<string, number> = { "200": releases.requests() };
    for (const r of registry.requests)
      answered[String(r.status)] = (answered[String(r.status)] ?? 0) + 1;
    const counted: Record<string, number> = {};
    let asking = 0;
    for (const app of apps) {
      const byStatus = upstreamByStatus((await app.appFn.coordinator.metrics()).body);
      if (byStatus.some(([status, n]) => status === "200" && n > 0)) asking++;
      for (const [status, n] of byStatus) counted[status] = (counted[status] ?? 0) + n;
    }
    expect(counted).toEqual(answered);
    // At least two replicas asked the registry (a replica with upstream answers ran a repository
    // of its own, whose own tag only it looked up): the one challenge and token were shared.
    expect(asking).toBeGreaterThanOrEqual(2);
    // The pull requests carry the new digests the registry gave.
    const dockerfile = github.repo("acme/app-5").file("Dockerfile", "uv-pin-bot/uv") ?? "";
    expect(dockerfile).toContain(`uv:0.9.18@${digests.get("0.9.18")}`);
    expect(dockerfile).toContain(`uv:0.9.18-${VARIANT}@${digests.get(`0.9.18-${VARIANT}`)}`);
    // The sweep's pinned values end with it (dropped just after its claim is released).
    await expect.poll(() => admin.keys("uv-pin-bot:x:c:sweep:*")).toEqual([]);
    expect(await admin.keys("uv-pin-bot:x:sweep:*:once")).toEqual([]);
    await admin.quit();
  }, 120_000);
});

/** `uv_pin_bot_upstream_requests_total` by status in one replica's metrics. */
function upstreamByStatus(body: string): [string, number][] {
  return [...body.matchAll(/^uv_pin_bot_upstream_requests_total\{status="(\w+)"\} (\d+)$/gm)].map(
    (m) => [m[1] as string, Number(m[2])],
  );
}

/** Sweep repository jobs this replica completed (its own metrics registry). */
async function sweepJobs(app: AppHarness): Promise<number> {
  const { body } = await app.appFn.coordinator.metrics();
  let n = 0;
  for (const line of body.split("\n"))
    if (line.startsWith("uv_pin_bot_jobs_total{") && line.includes('kind="sweep-repo"'))
      n += Number(line.split(" ").pop());
  return n;
}
