/**
 * Negative upstream answers within a sweep: a digest the registry does not have (404) is asked
 * once per sweep however many repositories pin it, asked again by the next sweep, and a
 * transient failure (503) is never remembered. The production upstream stack (`createUpstreams`:
 * HTTP layer, registry client, cache) over nock, counting what reaches the registry.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createUpstreams } from "../../src/adapters/upstreams.js";
import { type AppHarness, FakeUpstreams, startApp } from "./harness.js";
import { UV_API } from "./support.js";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MISSING = `sha256:${"d".repeat(64)}`;
const NEXT = `sha256:${"e".repeat(64)}`;
const CONFIG = "attestations: off\n";
const pinned = `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17@${MISSING} /uv /bin/\n`;

/** Registry and releases that answer every time; `sent` counts each request by `METHOD path`. */
function upstreamMocks(missing: () => [number, string]) {
  const sent: string[] = [];
  const registry = nock("https://ghcr.io")
    .persist()
    .get("/v2/astral-sh/uv/tags/list?n=1000")
    .reply(200, { name: "astral-sh/uv", tags: ["0.9.17", "0.9.18"] })
    .head("/v2/astral-sh/uv/manifests/0.9.18")
    .reply(200, "", { "docker-content-digest": NEXT, "content-type": INDEX })
    .get(`/v2/astral-sh/uv/manifests/${MISSING}`)
    .reply(() => missing());
  const release = (version: string, days: number) => ({
    tag_name: version,
    draft: false,
    prerelease: false,
    published_at: new Date(Date.parse("2026-11-28T00:00:00Z") - days * 86_400_000).toISOString(),
    html_url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
    body: `## ${version}`,
    assets: [],
  });
  const api = nock(UV_API)
    .persist()
    .get("/repos/astral-sh/uv/releases")
    .query({ per_page: "100" })
    .reply(200, [release("0.9.18", 2), release("0.9.17", 30)]);
  for (const scope of [registry, api])
    scope.on("request", (req: { method: string; path: string }) =>
      sent.push(`${req.method} ${req.path}`),
    );
  return { sent, scopes: [registry, api] };
}

async function appWithRealUpstreams() {
  const spy = vi
    .spyOn(FakeUpstreams.prototype, "asUpstreams")
    .mockImplementationOnce(() =>
      createUpstreams({ env: { GITHUB_API_URL: UV_API }, http: { maxTries: 1 } }),
    );
  try {
    return await startApp({ app: { env: { UV_PIN_BOT_CONCURRENCY: "4" } } });
  } finally {
    spy.mockRestore();
  }
}

const asked = (sent: string[]) => sent.filter((s) => s.includes(MISSING)).length;

describe("a digest that does not exist, pinned by 20 repositories", () => {
  let h: AppHarness;
  let mocks: ReturnType<typeof upstreamMocks>;
  let status = 404;

  beforeAll(async () => {
    mocks = upstreamMocks(() => [status, status === 404 ? '{"errors":[]}' : "unavailable"]);
    h = await appWithRealUpstreams();
    for (let i = 1; i <= 20; i++)
      h.github.addRepo(`acme/r${i}`, {
        files: { Dockerfile: pinned, ".github/uv-pin-bot.yml": CONFIG },
      });
  });
  afterAll(async () => {
    await h?.stop();
    for (const scope of mocks.scopes) scope.persist(false);
    nock.cleanAll();
  });
  afterEach(() => h.github.assertDone());

  it("one registry request for it per sweep; all 20 pull requests opened", async () => {
    const summary = await h.sweep();
    expect(summary).toMatchObject({ repositories: 20, opened: 20, failed: 0 });
    expect(asked(mocks.sent)).toBe(1);
  });

  it("the next sweep asks again, once (the answer lasts one sweep)", async () => {
    mocks.sent.length = 0;
    await h.sweep();
    expect(asked(mocks.sent)).toBe(1);
  });

  it("a transient failure (503) is not remembered: each repository asks", async () => {
    mocks.sent.length = 0;
    status = 503;
    await h.sweep();
    // Repositories running at the same moment in one process share a request in flight; the
    // others ask again: more than one request, never a remembered 503.
    expect(asked(mocks.sent)).toBeGreaterThan(1);
  });
});
