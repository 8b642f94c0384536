/**
 * Attestations ON, three replicas on one real Redis: the release's attestations (signed by the
 * test Sigstore instance, test/sigstore) and the commit its release tag points to are looked up
 * ONCE for the whole cluster and shared through the Redis lookup cache, like tags and release
 * lists (shared-lookups.test.ts). The app's real upstream adapters (createApp without
 * `upstreams`) against nock: every lookup is answered once (test/app/support.ts realUpstreams);
 * a second one anywhere in the cluster has no answer and fails its repository. Only the
 * registry's 401 challenge and token are per process (a process without a token is challenged).
 */
import nock from "nock";
import { afterAll, expect, it } from "vitest";
import { type AppHarness, startApp } from "../app/harness.js";
import { dockerfile, realUpstreams, UV_API } from "../app/support.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const REPLICAS = 3;
const REPOS = 9;

describeWithRedis("attestations shared across replicas", () => {
  let redis: RedisServer | undefined;
  const apps: AppHarness[] = [];

  afterAll(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop();
    await redis?.stop();
  });

  it("verified attestations and release commits are looked up once for the cluster", async () => {
    redis = await startRedis();
    const env = { GITHUB_API_URL: UV_API, UV_PIN_BOT_CONCURRENCY: "1", UV_PIN_BOT_ROLE: "all" };
    for (let i = 0; i < REPLICAS; i++)
      apps.push(
        await startApp({
          mode: "redis",
          redis,
          realUpstreams: true,
          app: { env },
          ...(apps[0] ? { replicaOf: apps[0] } : {}),
        }),
      );
    const first = apps[0] as AppHarness;
    // The registry's challenge and token for a replica that has no token yet (per process).
    const challenges: string[] = [];
    const unauthenticated = nock("https://ghcr.io", { badheaders: ["authorization"] })
      .persist()
      .intercept(/^\/v2\//, "HEAD")
      .reply(401, "", {
        "www-authenticate":
          'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:astral-sh/uv:pull"',
      })
      .intercept(/^\/v2\//, "GET")
      .reply(401, "", {
        "www-authenticate":
          'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:astral-sh/uv:pull"',
      })
      .get("/token")
      .query(true)
      .reply(200, { token: "registry-token", expires_in: 300 });
    unauthenticated.on("request", (req: { method: string; path: string }) =>
      challenges.push(`${req.method} ${req.path}`),
    );
    // Everything else answered once (realUpstreams' own one-process challenge goes unused: the
    // persistent one above answers first).
    const real = realUpstreams(first.upstreams);
    const once = real.scopes.slice(1);
    const files = { Dockerfile: dockerfile("0.9.17", real.old) };
    const repos = Array.from({ length: REPOS }, (_, i) =>
      first.github.addRepo(`acme/app-${i}`, { files }),
    );

    const summary = await first.sweep();

    expect(summary).toMatchObject({ repositories: REPOS, opened: REPOS, failed: 0 });
    for (const repo of repos) expect(repo.openPulls()).toHaveLength(1);
    // Each replica ran repositories (else one process's memory could explain one lookup each).
    const ran = await Promise.all(apps.map((a) => sweepJobs(a)));
    expect(ran.reduce((a, b) => a + b, 0)).toBe(REPOS);
    expect(ran.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    // Every lookup once for the cluster: the release's attestations and its tag's commit too.
    for (const scope of once) expect(scope.pendingMocks()).toEqual([]);
    const lookups = real.sent.filter((s) => !s.includes("/token"));
    expect(new Set(lookups).size).toBe(lookups.length);
    expect(lookups.filter((s) => s.includes("/attestations/"))).toEqual([
      expect.stringMatching(
        new RegExp(`^GET ${UV_API}/orgs/astral-sh/attestations/${real.next}(\\?|$)`),
      ),
    ]);
    expect(lookups.filter((s) => s.includes("/git/ref/tags/"))).toEqual([
      `GET ${UV_API}/repos/astral-sh/uv/git/ref/tags/0.9.18`,
    ]);
    // Per process: at most one token each (challenges repeat no answered lookup).
    const tokens = challenges.filter((c) => c.startsWith("GET /token"));
    expect(tokens.length).toBeLessThanOrEqual(REPLICAS);
    // The pull requests carry the verified digest.
    const updated = first.github.repo("acme/app-4").file("Dockerfile", "uv-pin-bot/uv") ?? "";
    expect(updated).toContain(`uv:0.9.18@${real.next}`);
  }, 120_000);
});

/** Sweep repository jobs this replica completed (its own metrics registry). */
async function sweepJobs(app: AppHarness): Promise<number> {
  const { body } = await app.appFn.coordinator.metrics();
  let n = 0;
  for (const line of body.split("\n"))
    if (line.startsWith("uv_pin_bot_jobs_total{") && line.includes('kind="sweep-repo"'))
      n += Number(line.split(" ").pop());
  return n;
}
