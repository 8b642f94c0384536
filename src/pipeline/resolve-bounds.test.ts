/**
 * A repository with thousands of distinct pins: the resolver works on at most LOOKUPS_AT_ONCE
 * pins at a time, each asking at most two things at once (the new digest and the old digest's
 * platform), so a run cannot open thousands of sockets.
 */
import { expect, it } from "vitest";
import type { OciRegistry } from "../adapters/oci-registry.js";
import type { UvReleases } from "../adapters/uv-releases.js";
import { scanText } from "../core/extract.js";
import { DEFAULT_POLICY } from "../core/policy.js";
import { LOOKUPS_AT_ONCE, resolvePlan } from "./resolve.js";

it("2,000 distinct digests: at most 2 × LOOKUPS_AT_ONCE lookups in flight", async () => {
  let inFlight = 0;
  let peak = 0;
  let calls = 0;
  const slow = async <T>(value: T): Promise<T> => {
    calls++;
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    return value;
  };
  const registry = {
    tags: () => slow(["0.9.17", "0.9.18"]),
    digest: (_image: string, tag: string) =>
      slow({
        digest: `sha256:${tag.replace(/\D/g, "").padEnd(64, "0")}`,
        mediaType: "application/vnd.oci.image.index.v1+json",
      }),
    versionLabel: () => slow(null),
    platformOf: () => slow(null),
    platforms: () => slow([]),
  } as unknown as OciRegistry;
  const releases = {
    list: async () => [
      {
        version: "0.9.18",
        publishedAt: "2026-11-01T00:00:00Z",
        prerelease: false,
        url: "",
        notes: "",
        assets: [],
      },
    ],
  } as unknown as UvReleases;
  const text = Array.from(
    { length: 2000 },
    (_, i) => `FROM ghcr.io/astral-sh/uv:0.9.17@sha256:${i.toString(16).padStart(64, "a")}\n`,
  ).join("");
  const pins = scanText("Dockerfile", text).pins;
  expect(pins).toHaveLength(2000);
  await resolvePlan(
    pins,
    { registry, releases },
    { ...DEFAULT_POLICY, now: new Date("2026-11-28T00:00:00Z") },
    { subjects: false },
  );
  expect(calls).toBeGreaterThan(LOOKUPS_AT_ONCE);
  expect(peak).toBeLessThanOrEqual(2 * LOOKUPS_AT_ONCE);
});
