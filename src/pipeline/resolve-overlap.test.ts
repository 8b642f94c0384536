/**
 * Independent lookups of one resolve overlap: each fake lookup waits until every lookup it is
 * independent of has started, so a resolver that asked them one after another would fail here
 * (deterministically: the waiting lookup gives up with the list of lookups that had started).
 */
import { expect, it } from "vitest";
import type { OciRegistry } from "../adapters/oci-registry.js";
import type { UvReleases } from "../adapters/uv-releases.js";
import { scanText } from "../core/extract.js";
import { DEFAULT_POLICY } from "../core/policy.js";
import type { Release } from "../core/types.js";
import { resolvePlan } from "./resolve.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;
const release = (version: string): Release => ({
  version,
  publishedAt: "2026-11-01T00:00:00Z",
  prerelease: false,
  url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
  notes: "",
  assets: [],
});

/** Lookups that each resolve only once all of `together` have started (or fail after 2 s). */
function rendezvous(together: readonly string[]) {
  const started: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    started,
    async arrive(name: string): Promise<void> {
      started.push(name);
      if (together.every((n) => started.includes(n))) {
        for (const go of waiting.splice(0)) go();
        return;
      }
      if (!together.includes(name)) return;
      await new Promise<void>((resolve, reject) => {
        waiting.push(resolve);
        setTimeout(
          () => reject(new Error(`${name} waited alone; started: ${started.join(", ")}`)),
          2000,
        ).unref();
      });
    },
  };
}

it("asks for the tag listings and uv's releases at once, and for a digest pin's new digest, old platform and old version together", async () => {
  const meet = rendezvous(["tags", "releases"]);
  const digestMeet = rendezvous(["digest", "platformOf", "versionLabel"]);
  const registry = {
    tags: async () => {
      await meet.arrive("tags");
      return ["0.9.17", "0.9.18"];
    },
    digest: async () => {
      await digestMeet.arrive("digest");
      return { digest: NEW, mediaType: "application/vnd.oci.image.index.v1+json" };
    },
    platformOf: async () => {
      await digestMeet.arrive("platformOf");
      return null;
    },
    versionLabel: async () => {
      await digestMeet.arrive("versionLabel");
      return "0.9.17";
    },
  } as unknown as OciRegistry;
  const releases = {
    list: async () => {
      await meet.arrive("releases");
      return [release("0.9.18"), release("0.9.17")];
    },
  } as unknown as UvReleases;
  const pins = scanText("Dockerfile", `FROM ghcr.io/astral-sh/uv@${OLD}\n`).pins;
  const plan = await resolvePlan(pins, { registry, releases }, { ...DEFAULT_POLICY, now: NOW });
  expect(plan.skipped).toEqual([]);
  expect(plan.updates.map((u) => [u.blocked, u.from.version, u.to.digest])).toEqual([
    [null, "0.9.17", NEW],
  ]);
  expect(meet.started.sort()).toEqual(["releases", "tags"]);
  expect(digestMeet.started.sort()).toEqual(["digest", "platformOf", "versionLabel"]);
});
