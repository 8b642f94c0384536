/**
 * The uv policy end to end with bundles this test signs: a test CA, transparency log and CT log
 * stand in for Sigstore's public-good instance; the leaf carries the GitHub Actions claims of
 * uv's real image workflow. Verified through the same path `check` uses: the attestations API
 * (under nock, inline and bundle_url), the offline verifier and `gh attestation verify`'s policy.
 */
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ATTESTATION_BUNDLE_ORIGINS, GitHubAttestations } from "../src/adapters/attestations.js";
import { MemoryCache } from "../src/adapters/cache.js";
import { DEFAULT_UPSTREAMS, HttpClient } from "../src/adapters/http.js";
import { verifyAttestation } from "../src/adapters/sigstore-verify.js";
import { defaultPolicy } from "../src/core/attestation-policy.js";
import { type AttestDeps, verifyDigest } from "../src/pipeline/attest.js";
import { createTestInstance, type TestInstance } from "./sigstore/signer.js";
import {
  attestationsResponse,
  identities,
  otherDigest,
  SPDX_PREDICATE,
  sha256Hex,
  snappyBundle,
  subject,
} from "./sigstore/variants.js";
import { trustMaterialOf } from "./sigstore/verify.js";

const DIGEST = sha256Hex("uv 0.10.1 index");
let sigstore: TestInstance;

beforeAll(async () => {
  sigstore = await createTestInstance();
  nock.disableNetConnect();
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const verify = (bundle: object, digest = DIGEST) =>
  verifyAttestation({
    bundle,
    digests: { sha256: digest },
    policy: defaultPolicy("astral-sh"),
    trustMaterial: trustMaterialOf(sigstore.trustedRoot),
  });

describe("gh attestation verify --owner astral-sh, on bundles signed like uv's", () => {
  it("accepts uv's build-docker workflow signing the digest being pinned", () => {
    const s = verify(sigstore.signAttestation({ subjects: [subject(DIGEST)] }));
    expect(s.reason).toBeNull();
    expect(s).toMatchObject({
      verified: true,
      subjectDigest: `sha256:${DIGEST}`,
      predicateType: "https://slsa.dev/provenance/v1",
      certificateIssuer: "https://token.actions.githubusercontent.com",
      san: "https://github.com/astral-sh/uv/.github/workflows/build-docker.yml@refs/heads/main",
      sourceRepository: "https://github.com/astral-sh/uv",
      sourceRepositoryOwner: "https://github.com/astral-sh",
      sourceRef: "refs/heads/main",
    });
  });

  it.each([
    ["astral-sh-evil (owner and identity)", { identity: identities.evilOwner }, /owner/],
    ["another OIDC issuer", { identity: identities.otherIssuer() }, /issuer/],
    ["a Google account", { identity: identities.googleAccount() }, /issuer|owner|identity/],
    [
      "a reusable workflow in another org without --signer-workflow",
      { identity: identities.reusableWorkflow() },
      /identity/,
    ],
    ["another predicate type", { predicateType: SPDX_PREDICATE }, /predicate type/],
  ])("rejects %s", (_name, options, reason) => {
    const s = verify(sigstore.signAttestation({ subjects: [subject(DIGEST)], ...options }));
    expect(s.verified).toBe(false);
    expect(s.reason).toMatch(reason);
  });

  it("rejects a genuine attestation of another digest (a digest mismatch)", () => {
    const s = verify(sigstore.signAttestation({ subjects: [subject(otherDigest(DIGEST))] }));
    expect(s.verified).toBe(false);
    expect(s.reason).toMatch(/subject digest/);
  });

  it("rejects a bundle from a CA the trusted root does not know", () => {
    const s = verify(
      sigstore.signAttestation({ subjects: [subject(DIGEST)], faults: ["untrusted-ca"] }),
    );
    expect(s.verified).toBe(false);
    expect(s.reason).toMatch(/certificate|chain/i);
  });
});

describe("verifyDigest: fetched from the attestations API, verified once per digest", () => {
  let deps: AttestDeps;
  beforeEach(() => {
    nock.cleanAll();
    const http = new HttpClient({
      sleep: async () => undefined,
      allowedOrigins: [...DEFAULT_UPSTREAMS, ...ATTESTATION_BUNDLE_ORIGINS],
    });
    const cache = new MemoryCache();
    deps = {
      attestations: new GitHubAttestations(http, cache),
      trustMaterial: trustMaterialOf(sigstore.trustedRoot),
      cache,
      policy: defaultPolicy("astral-sh"),
    };
  });

  it("verifies a bundle served through bundle_url, asking the API once for two lookups", async () => {
    const bundle = sigstore.signAttestation({ subjects: [subject(DIGEST)] });
    const url = "https://tmaproduction.blob.core.windows.net/attestations/1/x.json.sn?sig=1";
    nock("https://api.github.com")
      .get(`/orgs/astral-sh/attestations/sha256:${DIGEST}`)
      .query(true)
      .once()
      .reply(200, attestationsResponse([bundle], { inline: false, bundleUrl: () => url }));
    nock("https://tmaproduction.blob.core.windows.net")
      .get("/attestations/1/x.json.sn")
      .query(true)
      .once()
      .reply(200, snappyBundle(bundle));
    const [a, b] = await Promise.all([
      verifyDigest(deps, `sha256:${DIGEST}`),
      verifyDigest(deps, `sha256:${DIGEST}`),
    ]);
    expect(a.reason).toBeNull();
    expect(a.verified).toBe(true);
    expect(b).toBe(a);
  });

  it("passes when one of several attestations verifies; fails closed when none does or none exists", async () => {
    const good = sigstore.signAttestation({ subjects: [subject(DIGEST)] });
    const evil = sigstore.signAttestation({
      subjects: [subject(DIGEST)],
      identity: identities.evilOwner,
    });
    nock("https://api.github.com")
      .get(`/orgs/astral-sh/attestations/sha256:${DIGEST}`)
      .query(true)
      .reply(200, attestationsResponse([evil, good]));
    expect((await verifyDigest(deps, `sha256:${DIGEST}`)).verified).toBe(true);

    const other = sha256Hex("something else");
    nock("https://api.github.com")
      .get(`/orgs/astral-sh/attestations/sha256:${other}`)
      .query(true)
      .reply(200, attestationsResponse([evil]));
    const bad = await verifyDigest(deps, `sha256:${other}`);
    expect(bad.verified).toBe(false);

    const none = sha256Hex("never attested");
    nock("https://api.github.com")
      .get(`/orgs/astral-sh/attestations/sha256:${none}`)
      .query(true)
      .reply(404, {});
    expect((await verifyDigest(deps, `sha256:${none}`)).reason).toBe(
      `attestation: none found for sha256:${none} (owner astral-sh)`,
    );
  });
});
