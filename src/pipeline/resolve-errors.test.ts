/**
 * What the plan says when a lookup fails: an adapter's own error as it is (it names the upstream
 * by its public URL); a network failure from anything else on the way (the shared cache's Redis
 * refusing, say) in words, without the internal address its text carries.
 */
import { expect, it } from "vitest";
import type { OciRegistry } from "../adapters/oci-registry.js";
import type { UvReleases } from "../adapters/uv-releases.js";
import { scanText } from "../core/extract.js";
import { DEFAULT_POLICY } from "../core/policy.js";
import { UpstreamError } from "../errors.js";
import { resolvePlan } from "./resolve.js";

const redisDown = () =>
  Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:6379"), { code: "ECONNREFUSED" });

it("a network failure that is no upstream's own error is said in words, without its address; a version pin is not current without the releases", async () => {
  const registry = {
    tags: async () => {
      throw redisDown();
    },
  } as unknown as OciRegistry;
  const releases = {
    list: async () => {
      throw redisDown();
    },
  } as unknown as UvReleases;
  const pins = [
    ...scanText("Dockerfile", "FROM ghcr.io/astral-sh/uv:0.9.17\n").pins,
    ...scanText("install.sh", "curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh\n").pins,
  ];
  const plan = await resolvePlan(
    pins,
    { registry, releases },
    { ...DEFAULT_POLICY, now: new Date("2026-11-28T00:00:00Z") },
    { subjects: false },
  );
  expect(plan.updates).toEqual([]);
  expect(plan.skipped.map((s) => s.reason)).toEqual([
    "the registry's tags for ghcr.io/astral-sh/uv are not known (lookup failed: connection refused)",
    // Not "current": without uv's releases nothing says the installer's version is the newest.
    "uv's releases could not be read: lookup failed: connection refused",
  ]);
});

it("an upstream's own error is shown as it is", async () => {
  const registry = {
    tags: async () => {
      throw new UpstreamError(
        "upstream-unavailable",
        "https://ghcr.io/v2/astral-sh/uv/tags/list?n=1000: connection refused",
        "https://ghcr.io/v2/astral-sh/uv/tags/list?n=1000",
        null,
      );
    },
  } as unknown as OciRegistry;
  const releases = { list: async () => [] } as unknown as UvReleases;
  const plan = await resolvePlan(
    scanText("Dockerfile", "FROM ghcr.io/astral-sh/uv:0.9.17\n").pins,
    { registry, releases },
    { ...DEFAULT_POLICY, now: new Date("2026-11-28T00:00:00Z") },
    { subjects: false },
  );
  expect(plan.skipped.map((s) => s.reason)).toEqual([
    "the registry's tags for ghcr.io/astral-sh/uv are not known (https://ghcr.io/v2/astral-sh/uv/tags/list?n=1000: connection refused)",
  ]);
});

it("an image pinned to a full version is not current either when uv's releases are unknown", async () => {
  const registry = { tags: async () => ["0.9.17", "0.9.18", "0.9"] } as unknown as OciRegistry;
  const releases = {
    list: async () => {
      throw redisDown();
    },
  } as unknown as UvReleases;
  const plan = await resolvePlan(
    scanText("Dockerfile", "FROM ghcr.io/astral-sh/uv:0.9.17\nFROM ghcr.io/astral-sh/uv:0.9\n")
      .pins,
    { registry, releases },
    { ...DEFAULT_POLICY, now: new Date("2026-11-28T00:00:00Z") },
    { subjects: false },
  );
  expect(plan.skipped).toEqual([
    {
      file: "Dockerfile",
      line: 1,
      reason: "uv's releases could not be read: lookup failed: connection refused",
    },
  ]);
  // The rolling tag follows the registry's tags, which were read.
  expect(plan.current.map((p) => p.line)).toEqual([2]);
});
