/**
 * The attestation lookups of one run overlap: a fake attestation listing counts the requests in
 * flight and holds each one until every update's lookup has started (or gives up after 2 s with
 * the list of those that had), so verifying the updates one after another fails here,
 * deterministically. And the overlap stays within the lookup bound (LOOKUPS_AT_ONCE).
 */
import { expect, it } from "vitest";
import { MemoryCache } from "../adapters/cache.js";
import { defaultPolicy } from "../core/attestation-policy.js";
import type { Pin } from "../core/types.js";
import { attachAttestations } from "./attest.js";
import { LOOKUPS_AT_ONCE, type Plan, type PlannedUpdate } from "./resolve.js";

const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, "0")}`;

function update(i: number): PlannedUpdate {
  return {
    pin: { file: "Dockerfile", line: i + 1, kind: "image", image: "ghcr.io/astral-sh/uv" } as Pin,
    type: "patch",
    from: { version: "0.9.17", tag: "0.9.17", digest: null, checksum: null },
    to: { version: "0.9.18", tag: "0.9.18", digest: null, checksum: null },
    release: null,
    note: null,
    attestationSubject: digestOf(i),
    attestationVersion: "0.9.18",
    attestation: null,
    blocked: null,
    target: { version: "0.9.18" },
  };
}

/** An attestation listing whose answers wait until `together` lookups are in flight. */
function meetingListing(together: number) {
  const started: string[] = [];
  let inFlight = 0;
  let most = 0;
  const waiting: (() => void)[] = [];
  return {
    started,
    get most() {
      return most;
    },
    async list(digest: string): Promise<unknown[]> {
      started.push(digest);
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        if (inFlight >= together) {
          for (const go of waiting.splice(0)) go();
        } else {
          await new Promise<void>((resolve, reject) => {
            waiting.push(resolve);
            setTimeout(
              () => reject(new TypeError(`${digest} waited alone; started: ${started.length}`)),
              2000,
            ).unref();
          });
        }
        return [];
      } finally {
        inFlight--;
      }
    },
  };
}

const deps = (attestations: { list: (digest: string) => Promise<unknown[]> }) => ({
  attestations,
  trustMaterial: async () => {
    throw new Error("no bundle is verified here");
  },
  cache: new MemoryCache(),
  policy: defaultPolicy("astral-sh"),
});

const settings = { repository: "astral-sh/uv", requireReleaseCommit: false };

it("looks up the attestations of a run's updates at once", async () => {
  const updates = [0, 1, 2].map(update);
  const plan: Plan = { release: null, updates, current: [], skipped: [] };
  const listing = meetingListing(updates.length);
  await attachAttestations(plan, deps(listing), "required", settings);
  expect(listing.started).toEqual([digestOf(0), digestOf(1), digestOf(2)]);
  expect(listing.most).toBe(3);
  // None found: each update is blocked with that reason (not "held", not an error).
  expect(updates.map((u) => u.blocked)).toEqual(
    updates.map((u) => `attestation: none found for ${u.attestationSubject} (owner astral-sh)`),
  );
});

it("keeps at most LOOKUPS_AT_ONCE attestation lookups in flight", async () => {
  const updates = Array.from({ length: LOOKUPS_AT_ONCE * 2 + 1 }, (_, i) => update(i));
  const plan: Plan = { release: null, updates, current: [], skipped: [] };
  // Lookups wait until LOOKUPS_AT_ONCE are in flight (or none is left to start).
  let started = 0;
  let inFlight = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const listing = {
    async list(): Promise<unknown[]> {
      started++;
      inFlight++;
      most = Math.max(most, inFlight);
      if (inFlight >= LOOKUPS_AT_ONCE || started === updates.length)
        for (const go of gates.splice(0)) go();
      else await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      return [];
    },
  };
  await Promise.race([
    attachAttestations(plan, deps(listing), "required", settings),
    new Promise((_, reject) => setTimeout(() => reject(new Error("stuck")), 2000).unref()),
  ]);
  expect(most).toBe(LOOKUPS_AT_ONCE);
  expect(updates.every((u) => u.attestation !== null)).toBe(true);
});
