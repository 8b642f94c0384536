/**
 * Attestations tied to the release they claim to be: beyond `gh attestation verify --owner
 * astral-sh`, the source repository (Fulcio 1.12) must be `https://github.com/astral-sh/uv` and
 * the source commit (1.13) the commit the release tag `X.Y.Z` points to, read from the GitHub API
 * once per release. And only definite answers are cached: a 502, a rate limit or a timeout leaves
 * the update "unavailable" (held, asked again next run). Bundles are signed by the test Sigstore
 * instance with chosen Fulcio extensions; GitHub is under nock, through the production HTTP layer,
 * attestations fetcher and release-commit reader.
 */
import { createHash } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GitHubAttestations } from "../src/adapters/attestations.js";
import { MemoryCache } from "../src/adapters/cache.js";
import { DEFAULT_UPSTREAMS, HttpClient } from "../src/adapters/http.js";
import { ReleaseCommits } from "../src/adapters/release-commits.js";
import { defaultPolicy } from "../src/core/attestation-policy.js";
import type { Pin } from "../src/core/types.js";
import {
  type AttestationSettings,
  type AttestDeps,
  attachAttestations,
  DEFAULT_ATTESTATION_SETTINGS,
} from "../src/pipeline/attest.js";
import type { Plan, PlannedUpdate } from "../src/pipeline/resolve.js";
import type { IdentityOptions } from "./sigstore/fulcio.js";
import { createTestInstance, type TestInstance } from "./sigstore/signer.js";
import { attestationsResponse, identities, sha256Hex, subject } from "./sigstore/variants.js";
import { trustMaterialOf } from "./sigstore/verify.js";

const API = "https://api.github.com";
const commitOf = (v: string) => createHash("sha1").update(`uv ${v}`).digest("hex");
const D18 = `sha256:${sha256Hex("uv 0.9.18 index")}`;
const ATTESTATIONS = (digest: string) => `/orgs/astral-sh/attestations/${digest}`;
const REF = (v: string) => `/repos/astral-sh/uv/git/ref/tags/${v}`;

let sigstore: TestInstance;
let deps: AttestDeps;
let http: HttpClient;

beforeAll(async () => {
  sigstore = await createTestInstance();
  nock.disableNetConnect();
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});
beforeEach(() => {
  nock.cleanAll();
  http = new HttpClient({ sleep: async () => undefined, allowedOrigins: [...DEFAULT_UPSTREAMS] });
  const cache = new MemoryCache();
  deps = {
    attestations: new GitHubAttestations(http, cache),
    releaseCommits: new ReleaseCommits(http, cache),
    trustMaterial: trustMaterialOf(sigstore.trustedRoot),
    cache,
    policy: defaultPolicy("astral-sh"),
  };
  return () => {
    expect(nock.pendingMocks()).toEqual([]);
  };
});

/** A planned update to uv `version` whose new bytes are `digest` (an image index). */
function planFor(digest: string, version = "0.9.18"): Plan & { updates: PlannedUpdate[] } {
  const update = {
    pin: { file: "Dockerfile", line: 2, kind: "image", image: "ghcr.io/astral-sh/uv" } as Pin,
    type: "patch",
    from: { version: "0.9.17", tag: "0.9.17", digest: null, checksum: null },
    to: { version, tag: version, digest: null, checksum: null },
    release: null,
    note: null,
    attestationSubject: digest,
    attestationVersion: version,
    attestation: null,
    blocked: null,
    target: { version },
  } satisfies PlannedUpdate;
  return { release: null, updates: [update], current: [], skipped: [] };
}

const bundleFor = (digest: string, identity: IdentityOptions) =>
  sigstore.signAttestation({ subjects: [subject(digest)], identity });

function serveAttestation(digest: string, identity: IdentityOptions) {
  nock(API)
    .get(ATTESTATIONS(digest))
    .query(true)
    .reply(200, attestationsResponse([bundleFor(digest, identity)]));
}

function serveTag(version: string, commit = commitOf(version)) {
  nock(API)
    .get(REF(version))
    .reply(200, { ref: `refs/tags/${version}`, object: { type: "commit", sha: commit } });
}

async function attest(plan: Plan, settings?: AttestationSettings, mode = "required" as const) {
  await attachAttestations(plan, deps, mode, settings);
  return plan.updates[0] as PlannedUpdate;
}

describe("the attested commit must be the release tag's, the repository uv's", () => {
  it("accepts uv's own build of 0.9.18, at the commit tag 0.9.18 points to", async () => {
    serveTag("0.9.18");
    serveAttestation(D18, { sourceCommit: commitOf("0.9.18") });
    const u = await attest(planFor(D18));
    expect(u.blocked).toBeNull();
    expect(u.attestation).toMatchObject({
      verified: true,
      sourceCommit: commitOf("0.9.18"),
      sourceRepository: "https://github.com/astral-sh/uv",
    });
    expect(u.attestation?.checks.map((c) => [c.name, c.ok]).slice(-2)).toEqual([
      ["source repository", true],
      ["source commit", true],
    ]);
  });

  it("refuses a genuine-looking bundle for 0.9.17 offered for 0.9.18, with that reason", async () => {
    serveTag("0.9.18");
    serveAttestation(D18, { sourceCommit: commitOf("0.9.17") });
    const u = await attest(planFor(D18));
    expect(u.attestation?.verified).toBe(false);
    expect(u.blocked).toBe(
      `source commit: ${commitOf("0.9.17")} is not ${commitOf("0.9.18")}, the commit of the release tag 0.9.18 in astral-sh/uv (built for another version)`,
    );
    // Everything else about the bundle checks out: only the commit gives it away.
    expect(u.attestation?.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      "source commit",
    ]);
  });

  it("refuses a ruff-repository bundle for a uv tag, with that reason", async () => {
    serveTag("0.9.18");
    serveAttestation(D18, {
      ...identities.otherRepository("ruff"),
      sourceCommit: commitOf("0.9.18"),
    });
    const u = await attest(planFor(D18));
    expect(u.attestation?.verified).toBe(false);
    expect(u.blocked).toBe(
      "source repository: https://github.com/astral-sh/ruff is not https://github.com/astral-sh/uv (built from another repository)",
    );
  });

  it("dereferences an annotated tag to its commit, and reads each release's commit once", async () => {
    const tagObject = "a".repeat(40);
    nock(API)
      .get(REF("0.9.18"))
      .once()
      .reply(200, { ref: "refs/tags/0.9.18", object: { type: "tag", sha: tagObject } })
      .get(`/repos/astral-sh/uv/git/tags/${tagObject}`)
      .once()
      .reply(200, { sha: tagObject, object: { type: "commit", sha: commitOf("0.9.18") } });
    const other = `sha256:${sha256Hex("uv 0.9.18 alpine index")}`;
    serveAttestation(D18, { sourceCommit: commitOf("0.9.18") });
    serveAttestation(other, { sourceCommit: commitOf("0.9.18") });
    const [a, b] = [planFor(D18), planFor(other)];
    await attest(a);
    await attest(b);
    expect([a.updates[0]?.attestation?.verified, b.updates[0]?.attestation?.verified]).toEqual([
      true,
      true,
    ]);
    expect(http.stats.byOrigin.get(API)).toBe(4); // 2 for the tag, 1 per digest
  });

  it("a release tag GitHub does not have: not verified, with the reason", async () => {
    nock(API).get(REF("0.9.18")).reply(404, { message: "Not Found" });
    const u = await attest(planFor(D18));
    expect(u.blocked).toBe("release commit: astral-sh/uv has no tag 0.9.18");
  });

  it("configurable for a fork or mirror: its repository, without the release commit", async () => {
    const fork: IdentityOptions = {
      san: "https://github.com/acme-mirror/uv/.github/workflows/build-docker.yml@refs/heads/main",
      sourceRepository: "https://github.com/acme-mirror/uv",
      sourceRepositoryOwnerUri: "https://github.com/acme-mirror",
      sourceCommit: "b".repeat(40),
    };
    nock(API)
      .get(`/orgs/acme-mirror/attestations/${D18}`)
      .query(true)
      .reply(200, attestationsResponse([bundleFor(D18, fork)]));
    const u = await attest(planFor(D18), {
      repository: "acme-mirror/uv",
      requireReleaseCommit: false,
    });
    expect(u.blocked).toBeNull();
    expect(u.attestation).toMatchObject({
      verified: true,
      sourceRepository: "https://github.com/acme-mirror/uv",
    });

    // The same bundle under the default (strict, uv's repository) is refused.
    nock(API)
      .get(ATTESTATIONS(D18))
      .query(true)
      .reply(200, attestationsResponse([bundleFor(D18, fork)]));
    serveTag("0.9.18");
    const strict = await attest(planFor(D18), DEFAULT_ATTESTATION_SETTINGS);
    expect(strict.blocked).toMatch(/^source repository owner: https:\/\/github\.com\/acme-mirror/);
  });
});

describe("only definite answers are cached; a transient failure is unavailable, held", () => {
  it.each([
    ["a 502", () => nock(API).get(ATTESTATIONS(D18)).query(true).times(3).reply(502, "")],
    [
      "a rate limit (429)",
      () => nock(API).get(ATTESTATIONS(D18)).query(true).times(3).reply(429, {}),
    ],
    [
      "a timeout",
      () =>
        nock(API)
          .get(ATTESTATIONS(D18))
          .query(true)
          .times(3)
          .replyWithError(Object.assign(new Error("timed out"), { name: "TimeoutError" })),
    ],
  ])("%s: held with the reason, not cached; the next run verifies it", async (_name, fail) => {
    serveTag("0.9.18");
    fail();
    const first = await attest(planFor(D18));
    expect(first.attestation?.verified).toBe(false);
    expect(first.blocked).toMatch(
      new RegExp(
        `^held: attestation unavailable: attestations for ${D18} could not be fetched: .+ \\(not cached; tried again on the next run\\)$`,
      ),
    );
    expect(first.attestation?.checks.map((c) => c.name)).toEqual(["attestation unavailable"]);

    serveAttestation(D18, { sourceCommit: commitOf("0.9.18") });
    const next = await attest(planFor(D18));
    expect(next.blocked).toBeNull();
    expect(next.attestation?.verified).toBe(true);
  });

  it("warn: an unavailable attestation is shown as such, the update proposed", async () => {
    serveTag("0.9.18");
    nock(API).get(ATTESTATIONS(D18)).query(true).times(3).reply(503, "");
    const plan = planFor(D18);
    await attachAttestations(plan, deps, "warn");
    expect(plan.updates[0]?.blocked).toBeNull();
    expect(plan.updates[0]?.attestation?.reason).toMatch(/^attestation unavailable: /);
  });

  it("the release tag's commit failing to load is unavailable too", async () => {
    nock(API).get(REF("0.9.18")).times(3).reply(502, "");
    const u = await attest(planFor(D18));
    expect(u.blocked).toMatch(
      /^held: attestation unavailable: the commit of astral-sh\/uv tag 0\.9\.18 could not be read: /,
    );
    serveTag("0.9.18");
    serveAttestation(D18, { sourceCommit: commitOf("0.9.18") });
    expect((await attest(planFor(D18))).attestation?.verified).toBe(true);
  });

  it("a definite answer is cached: none found (404) is not asked again within the hour", async () => {
    serveTag("0.9.18");
    nock(API).get(ATTESTATIONS(D18)).query(true).once().reply(404, { message: "Not Found" });
    const first = await attest(planFor(D18));
    const again = await attest(planFor(D18));
    for (const u of [first, again])
      expect(u.blocked).toBe(`attestation: none found for ${D18} (owner astral-sh)`);
    expect(http.stats.byOrigin.get(API)).toBe(2);
  });

  it("a bundle that fails verification is cached as refused", async () => {
    serveTag("0.9.18");
    serveAttestation(D18, { sourceCommit: commitOf("0.9.17") });
    await attest(planFor(D18));
    const again = await attest(planFor(D18));
    expect(again.blocked).toMatch(/^source commit: /);
    expect(http.stats.byOrigin.get(API)).toBe(2);
  });
});
