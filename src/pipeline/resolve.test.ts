/**
 * The resolver against a real registry (docker-registry on 127.0.0.1 standing in for ghcr.io):
 * per-platform digests stay per-platform, digest-only pins report the version they stood for,
 * floating tags get digest updates, registry failures skip with the reason, nothing is asked twice.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { describeWithRegistry } from "../../test/registry/available.js";
import { type SeededImage, startRegistry, type TestRegistry } from "../../test/registry/harness.js";
import { MemoryCache } from "../adapters/cache.js";
import { HttpClient } from "../adapters/http.js";
import { OciRegistry } from "../adapters/oci-registry.js";
import type { UvReleases } from "../adapters/uv-releases.js";
import { scanText } from "../core/extract.js";
import { DEFAULT_POLICY } from "../core/policy.js";
import type { Release } from "../core/types.js";
import { resolvePlan } from "./resolve.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const release = (version: string): Release => ({
  version,
  publishedAt: "2026-11-01T00:00:00Z",
  prerelease: false,
  url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
  notes: "",
  assets: [],
});
const RELEASES = [release("0.10.1"), release("0.10.0"), release("0.9.17")];
const releases = { list: async () => RELEASES } as unknown as UvReleases;

let registry: TestRegistry;
const seeded: Record<string, SeededImage> = {};
let http: HttpClient;
let oci: OciRegistry;

describeWithRegistry("resolvePlan", () => {
  beforeAll(async () => {
    registry = await startRegistry();
    for (const v of ["0.9.17", "0.10.0", "0.10.1"]) {
      seeded[v] = await registry.seedImage("astral-sh/uv", v, {
        attestations: true,
        labels: { "org.opencontainers.image.version": v },
      });
    }
    await registry.tag("astral-sh/uv", seeded["0.10.1"]?.digest as string, ["latest", "0.10"]);
  }, 60_000);
  afterAll(() => registry?.stop());
  beforeEach(() => {
    registry.resetCounts();
    http = new HttpClient({
      origins: [{ from: "https://ghcr.io", to: registry.origin }],
      sleep: async () => undefined,
    });
    oci = new OciRegistry(http, new MemoryCache());
  });

  const plan = (text: string) =>
    resolvePlan(
      scanText("Dockerfile", text).pins,
      { registry: oci, releases },
      { ...DEFAULT_POLICY, now: NOW },
    );

  it("keeps pinning the same platform's digest when the file pins one today", async () => {
    const amd64 = seeded["0.9.17"]?.platformDigests["linux/amd64"];
    const p = await plan(`COPY --from=ghcr.io/astral-sh/uv:0.9.17@${amd64} /uv /bin/\n`);
    expect(p.updates).toHaveLength(1);
    expect(p.updates[0]).toMatchObject({
      type: "minor",
      to: {
        version: "0.10.1",
        tag: "0.10.1",
        digest: seeded["0.10.1"]?.platformDigests["linux/amd64"],
      },
      note: "keeps pinning the linux/amd64 platform digest, as the file does",
      blocked: null,
    });
  });

  it("pins the index digest of a multi-arch tag", async () => {
    const p = await plan(
      `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${seeded["0.9.17"]?.digest} /uv /bin/\n`,
    );
    expect(p.updates[0]?.to.digest).toBe(seeded["0.10.1"]?.digest);
    expect(p.updates[0]?.target).toEqual({
      version: "0.10.1",
      digest: seeded["0.10.1"]?.digest,
      addDigest: false,
    });
  });

  it("moves a digest-only pin to the newest release's digest and says which version it stood for", async () => {
    const p = await plan(`FROM ghcr.io/astral-sh/uv@${seeded["0.9.17"]?.digest}\n`);
    expect(p.updates[0]).toMatchObject({
      type: "digest",
      from: { version: "0.9.17", tag: null, digest: seeded["0.9.17"]?.digest },
      to: { tag: "0.10.1", digest: seeded["0.10.1"]?.digest },
    });
  });

  it("gives latest@digest a digest update, and leaves it when it is current", async () => {
    const stale = await plan(`FROM ghcr.io/astral-sh/uv:latest@${seeded["0.9.17"]?.digest}\n`);
    expect(stale.updates[0]).toMatchObject({
      type: "digest",
      to: { tag: "latest", digest: seeded["0.10.1"]?.digest },
    });
    const current = await plan(`FROM ghcr.io/astral-sh/uv:latest@${seeded["0.10.1"]?.digest}\n`);
    expect(current.updates).toEqual([]);
    expect(current.current).toHaveLength(1);
  });

  it("moves a rolling X.Y pin to the newest X.Y tag with its digest", async () => {
    const p = await plan(
      `COPY --from=ghcr.io/astral-sh/uv:0.9@${seeded["0.9.17"]?.digest} /uv /bin/\n`,
    );
    expect(p.updates[0]).toMatchObject({
      type: "minor",
      to: { version: "0.10", tag: "0.10", digest: seeded["0.10.1"]?.digest },
    });
  });

  it("with pinDigests, a tag-only pin gains the tag's index digest (type pin)", async () => {
    const pins = scanText("Dockerfile", "FROM ghcr.io/astral-sh/uv:0.10.1\n").pins;
    const p = await resolvePlan(
      pins,
      { registry: oci, releases },
      { ...DEFAULT_POLICY, pinDigests: true, now: NOW },
    );
    expect(p.updates[0]).toMatchObject({
      type: "pin",
      to: { tag: "0.10.1", digest: seeded["0.10.1"]?.digest },
      target: { digest: seeded["0.10.1"]?.digest, addDigest: true },
    });
    const without = await plan("FROM ghcr.io/astral-sh/uv:0.10.1\n");
    expect(without.updates).toEqual([]);
  });

  it("asks the registry about each tag once across pins and runs", async () => {
    const text = [
      `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${seeded["0.9.17"]?.digest} /uv /bin/`,
      `RUN --mount=from=ghcr.io/astral-sh/uv:0.10.0@${seeded["0.10.0"]?.digest},source=/uv,target=/bin/uv uv sync`,
      "",
    ].join("\n");
    await plan(text);
    await plan(text);
    expect(registry.count({ method: "GET", path: "/v2/astral-sh/uv/tags/list", status: 200 })).toBe(
      1,
    );
    expect(registry.count({ method: "HEAD", path: "/v2/astral-sh/uv/manifests/0.10.1" })).toBe(1);
    expect(registry.count({ path: "/token" })).toBe(1);
  });

  it("skips pins of an image whose tags cannot be read, with the reason", async () => {
    registry.failNext({ path: /tags\/list/ }, [
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
    ]);
    const p = await plan("COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n");
    expect(p.updates).toEqual([]);
    expect(p.skipped).toHaveLength(1);
    expect(p.skipped[0]?.reason).toMatch(/upstream error \(503\) after 4 tries/);
  });

  it("blocks (not skips) an update whose new digest cannot be fetched", async () => {
    registry.failNext({ method: "HEAD", path: /manifests\/0\.10\.1$/ }, [{ status: 404 }]);
    const p = await plan(
      `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${seeded["0.9.17"]?.digest} /uv /bin/\n`,
    );
    expect(p.updates[0]?.blocked).toMatch(/not found \(404\)/);
  });
});
