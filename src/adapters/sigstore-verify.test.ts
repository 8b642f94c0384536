import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AttestationPolicy,
  attestationJson,
  defaultPolicy,
  GITHUB_ACTIONS_ISSUER,
} from "../core/attestation-policy.js";
import {
  defaultTrustedRoot,
  loadTrustMaterial,
  resolveTrustMaterial,
  type TrustMaterial,
  verifierOptions,
  verifyAttestation,
} from "./sigstore-verify.js";

const FIXTURES = new URL("../../fixtures/attestations/", import.meta.url);
const bytes = (name: string) => readFileSync(new URL(name, FIXTURES));
// biome-ignore lint/suspicious/noExplicitAny: the tests edit fixture JSON freely to forge bundles
type Doc = any;
const json = (name: string): Doc => JSON.parse(bytes(name).toString("utf8"));
const hash = (alg: string, name: string) => createHash(alg).update(bytes(name)).digest("hex");

const SJS = "sigstore-js-2.1.0-bundle.json";
const SJS_V01 = "sigstore-js-2.1.0-bundle-v0.1.json";
const REUSABLE = "reusable-workflow-attestation.sigstore.json";
const CUSTOM = "custom-issuer.sigstore.json";
const INVALID = "sigstoreBundle-invalid-signature.json";

const TGZ_SHA512 =
  "90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f";
const TGZ_SHA256 = "f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed";
const WHEEL_SHA256 = "49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";
const HELLO_SHA256 = "afa27b44d43b02a9fea41d13cedc2e4016cfcf87c5dbf990e593669aa8ce286d";
const HAMMER_TIME = `${GITHUB_ACTIONS_ISSUER}/hammer-time`;
const ATTEST_WORKFLOW = "github/artifact-attestations-workflows/.github/workflows/attest.yml";

const SIGSTORE_JS = {
  verified: true,
  reason: null,
  subjectDigest: `sha512:${TGZ_SHA512}`,
  predicateType: "https://slsa.dev/provenance/v1",
  certificateIssuer: GITHUB_ACTIONS_ISSUER,
  san: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
  sourceRepository: "https://github.com/sigstore/sigstore-js",
  sourceRepositoryOwner: "https://github.com/sigstore",
  sourceRef: "refs/heads/main",
  sourceCommit: "26d16513386ffaa790b1c32f927544f1322e4194",
  signerWorkflow:
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
  buildTrigger: "push",
  runUrl: "https://github.com/sigstore/sigstore-js/actions/runs/6014488666/attempts/1",
  rekorLogIndex: 33351527,
  integratedTime: "2023-08-29T15:40:23Z",
};
const REUSABLE_SUMMARY = {
  verified: true,
  reason: null,
  subjectDigest: `sha256:${WHEEL_SHA256}`,
  predicateType: "https://slsa.dev/provenance/v1",
  certificateIssuer: GITHUB_ACTIONS_ISSUER,
  san: "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
  sourceRepository: "https://github.com/malancas/attest-demo",
  sourceRepositoryOwner: "https://github.com/malancas",
  sourceRef: "refs/heads/main",
  sourceCommit: "95baf27389e83e6a5c48f42e190d48d7abcea19e",
  signerWorkflow:
    "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
  buildTrigger: "workflow_dispatch",
  runUrl: "https://github.com/malancas/attest-demo/actions/runs/9228858953/attempts/1",
  rekorLogIndex: 96764485,
  integratedTime: "2024-05-24T19:14:24Z",
};
const CUSTOM_SUMMARY = {
  verified: true,
  reason: null,
  subjectDigest: `sha256:${HELLO_SHA256}`,
  predicateType: "https://slsa.dev/provenance/v1",
  certificateIssuer: HAMMER_TIME,
  san: "https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main",
  sourceRepository: "https://github.com/too-legit/attest",
  sourceRepositoryOwner: "https://github.com/too-legit",
  sourceRef: "refs/heads/main",
  sourceCommit: "283bf967fa3c591925dd25e6a6e8e781542117bf",
  signerWorkflow:
    "https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main",
  buildTrigger: "workflow_dispatch",
  runUrl: "https://github.com/too-legit/attest/actions/runs/10818226125/attempts/1",
  rekorLogIndex: 129601213,
  integratedTime: "2024-09-11T19:19:03Z",
};

const sigstorePolicy = defaultPolicy("sigstore");
const reusablePolicy = { ...defaultPolicy("malancas"), signerWorkflow: ATTEST_WORKFLOW };
const customPolicy = { ...defaultPolicy("too-legit"), issuer: HAMMER_TIME };

/** A copy of a fixture bundle with its DSSE payload rewritten. */
function withPayload(name: string, edit: (statement: Doc) => void) {
  const bundle = json(name);
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
  edit(statement);
  bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
  return bundle;
}

function withFlippedSignature(name: string) {
  const bundle = json(name);
  const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64");
  sig[20] = (sig[20] ?? 0) ^ 0x01;
  bundle.dsseEnvelope.signatures[0].sig = sig.toString("base64");
  return bundle;
}

const roots: [string, () => TrustMaterial][] = [
  ["fixtures/attestations/trusted_root.json", () => loadTrustMaterial(json("trusted_root.json"))],
  ["the public-good root embedded in @sigstore/tuf", () => resolveTrustMaterial({ env: {} })],
];

describe.each(roots)("verifyAttestation against %s", (_root, trust) => {
  const trustMaterial = trust();
  const check = (bundle: unknown, digests: Record<string, string>, policy: AttestationPolicy) =>
    verifyAttestation({ bundle, digests, policy, trustMaterial });

  it("the fixtures' artifacts have the digests their README records", () => {
    expect(hash("sha512", "sigstore-js-2.1.0.tgz")).toBe(TGZ_SHA512);
    expect(hash("sha256", "sigstore-js-2.1.0.tgz")).toBe(TGZ_SHA256);
    expect(hash("sha256", "reusable-workflow-artifact")).toBe(WHEEL_SHA256);
    expect(hash("sha256", "custom-issuer-artifact")).toBe(HELLO_SHA256);
  });

  it.each([SJS, SJS_V01])("%s verifies for owner sigstore with the tgz's sha512", (name) => {
    const s = check(
      json(name),
      { sha512: hash("sha512", "sigstore-js-2.1.0.tgz") },
      sigstorePolicy,
    );
    expect(attestationJson(s)).toEqual(SIGSTORE_JS);
    expect(s.checks.map((c) => [c.name, c.ok])).toEqual([
      ["signature, certificate chain, transparency log", true],
      ["certificate issuer", true],
      ["source repository owner", true],
      ["certificate identity", true],
      ["predicate type", true],
      ["subject digest", true],
    ]);
  });

  it("the reusable-workflow bundle verifies for owner malancas with its signer workflow", () => {
    const s = check(json(REUSABLE), { sha256: WHEEL_SHA256 }, reusablePolicy);
    expect(attestationJson(s)).toEqual(REUSABLE_SUMMARY);
  });

  it("the custom-issuer bundle verifies for owner too-legit with its issuer", () => {
    const s = check(json(CUSTOM), { sha256: HELLO_SHA256 }, customPolicy);
    expect(attestationJson(s)).toEqual(CUSTOM_SUMMARY);
  });

  it("a policy failure still reports the verified facts", () => {
    const s = check(json(SJS), { sha512: TGZ_SHA512 }, defaultPolicy());
    expect(attestationJson(s)).toEqual({
      ...SIGSTORE_JS,
      verified: false,
      reason:
        "source repository owner: https://github.com/sigstore is not https://github.com/astral-sh",
    });
  });

  const sjs = { sha512: TGZ_SHA512 };
  it.each<[string, () => unknown, Record<string, string>, AttestationPolicy, string]>([
    [
      "sigstore-js under the default policy (owner astral-sh)",
      () => json(SJS),
      sjs,
      defaultPolicy(),
      "source repository owner: https://github.com/sigstore is not https://github.com/astral-sh",
    ],
    [
      "sigstore-js with the tgz's sha256 (the subject records only sha512)",
      () => json(SJS),
      { sha256: TGZ_SHA256 },
      sigstorePolicy,
      `subject digest: sha256:${TGZ_SHA256} is not a subject of the attestation (subjects: sha512:${TGZ_SHA512})`,
    ],
    [
      "an owner that is a prefix of the real one",
      () => json(SJS),
      sjs,
      defaultPolicy("sigstor"),
      "source repository owner: https://github.com/sigstore is not https://github.com/sigstor",
    ],
    [
      "an owner extended by a suffix",
      () => json(SJS_V01),
      sjs,
      defaultPolicy("sigstore-evil"),
      "source repository owner: https://github.com/sigstore is not https://github.com/sigstore-evil",
    ],
    [
      "a wrong predicate type",
      () => json(SJS),
      sjs,
      { ...sigstorePolicy, predicateType: "https://spdx.dev/Document" },
      "predicate type: https://slsa.dev/provenance/v1 is not https://spdx.dev/Document",
    ],
    [
      "the reusable-workflow bundle without a signer workflow",
      () => json(REUSABLE),
      { sha256: WHEEL_SHA256 },
      defaultPolicy("malancas"),
      "certificate identity: https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d does not match ^https://github\\.com/malancas/",
    ],
    [
      "the reusable-workflow bundle with the signer workflow but the workflow's owner",
      () => json(REUSABLE),
      { sha256: WHEEL_SHA256 },
      { ...reusablePolicy, owner: "github" },
      "source repository owner: https://github.com/malancas is not https://github.com/github",
    ],
    [
      "the custom-issuer bundle without its issuer",
      () => json(CUSTOM),
      { sha256: HELLO_SHA256 },
      defaultPolicy("too-legit"),
      "certificate issuer: https://token.actions.githubusercontent.com/hammer-time is not https://token.actions.githubusercontent.com (a custom OIDC issuer must be named: --cert-oidc-issuer)",
    ],
    [
      "a wrong artifact",
      () => json(CUSTOM),
      { sha256: WHEEL_SHA256 },
      customPolicy,
      `subject digest: sha256:${WHEEL_SHA256} is not a subject of the attestation (subjects: sha256:${HELLO_SHA256})`,
    ],
    [
      "a flipped signature byte (intoto entry)",
      () => withFlippedSignature(SJS),
      sjs,
      sigstorePolicy,
      "signature: not the signature recorded in the transparency log (tlog entry signature mismatch)",
    ],
    [
      "a flipped signature byte (dsse entry)",
      () => withFlippedSignature(REUSABLE),
      { sha256: WHEEL_SHA256 },
      reusablePolicy,
      "signature: not the signature recorded in the transparency log (tlog entry signature mismatch)",
    ],
    [
      "an altered subject digest in the payload",
      () =>
        withPayload(CUSTOM, (st) => {
          st.subject[0].digest.sha256 = WHEEL_SHA256;
        }),
      { sha256: WHEEL_SHA256 },
      customPolicy,
      "signature: the payload is not the one recorded in the transparency log (DSSE payload hash mismatch)",
    ],
    [
      "a removed transparency-log entry",
      () => {
        const b = json(SJS);
        b.verificationMaterial.tlogEntries = [];
        return b;
      },
      sjs,
      sigstorePolicy,
      "transparency log: the bundle has no transparency-log entry",
    ],
    [
      "a forged inclusion promise (v0.1)",
      () => {
        const b = json(SJS_V01);
        const set = Buffer.from(
          b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp,
          "base64",
        );
        set[12] = (set[12] ?? 0) ^ 0x01;
        b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp =
          set.toString("base64");
        return b;
      },
      sjs,
      sigstorePolicy,
      "transparency log: inclusion promise could not be verified",
    ],
    [
      "an inclusion proof with a wrong hash (v0.3)",
      () => {
        const b = json(REUSABLE);
        b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] =
          Buffer.alloc(32).toString("base64");
        return b;
      },
      { sha256: WHEEL_SHA256 },
      reusablePolicy,
      "transparency log: calculated root hash does not match inclusion proof",
    ],
    [
      "an entry without its inclusion promise (its time is then unproven)",
      () => {
        const b = json(REUSABLE);
        delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
        return b;
      },
      { sha256: WHEEL_SHA256 },
      reusablePolicy,
      "timestamp: expected 1 timestamps, got 0",
    ],
    [
      "another bundle's certificate",
      () => {
        const b = json(SJS);
        b.verificationMaterial.certificate = json(CUSTOM).verificationMaterial.certificate;
        return b;
      },
      sjs,
      sigstorePolicy,
      "certificate chain: Failed to verify certificate chain: certificate is not valid or expired at the specified date",
    ],
    [
      "cli/cli's invalid-signature bundle",
      () => json(INVALID),
      { sha256: WHEEL_SHA256 },
      defaultPolicy(),
      "signature: not the signature recorded in the transparency log (tlog entry signature mismatch)",
    ],
    [
      "a message-signature bundle",
      () => {
        const b = json(SJS);
        delete b.dsseEnvelope;
        b.messageSignature = {
          messageDigest: { algorithm: "SHA2_256", digest: "AA==" },
          signature: "AA==",
        };
        return b;
      },
      sjs,
      sigstorePolicy,
      "bundle: a message signature, not an attestation (DSSE envelope)",
    ],
    [
      "a bundle with two signatures",
      () => {
        const b = json(SJS);
        b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]);
        return b;
      },
      sjs,
      sigstorePolicy,
      "bundle: invalid (content.dsseEnvelope.signatures)",
    ],
  ])("rejects %s", (_name, bundle, digests, policy, reason) => {
    const s = check(bundle(), digests, policy);
    expect(s.reason).toBe(reason);
    expect(s.verified).toBe(false);
  });

  it("an owner extended by a suffix fails the identity check as well", () => {
    const s = check(json(SJS), sjs, defaultPolicy("sigstore-evil"));
    expect(s.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      "source repository owner",
      "certificate identity",
    ]);
  });

  it("reports no facts when the signature does not verify", () => {
    const s = check(withFlippedSignature(SJS), sjs, sigstorePolicy);
    expect(s.san).toBeNull();
    expect(s.sourceRepositoryOwner).toBeNull();
    expect(s.checks).toEqual([
      {
        name: "signature, certificate chain, transparency log",
        expected: "verified",
        actual: s.reason,
        ok: false,
      },
    ]);
  });

  it.each([null, 42, "bundle", {}, [], { mediaType: "x" }])("never throws: %j", (bundle) => {
    const s = check(bundle, sjs, sigstorePolicy);
    expect(s.verified).toBe(false);
    expect(s.reason).toMatch(/^bundle: /);
  });
});

describe("trust material", () => {
  it("the embedded root is the public-good root from @sigstore/tuf's seeds", () => {
    const root = defaultTrustedRoot() as { mediaType: string; tlogs: { baseUrl: string }[] };
    expect(root.mediaType).toBe("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    expect(root.tlogs.map((t) => t.baseUrl)).toContain("https://rekor.sigstore.dev");
  });

  it("UV_PIN_BOT_TRUSTED_ROOT names a file that replaces it", () => {
    const file = new URL("trusted_root.json", FIXTURES).pathname;
    const material = resolveTrustMaterial({ env: { UV_PIN_BOT_TRUSTED_ROOT: file } });
    expect(material.tlogs).toHaveLength(1);
    expect(material.timestampAuthorities).toHaveLength(0);
    expect(() =>
      resolveTrustMaterial({ env: { UV_PIN_BOT_TRUSTED_ROOT: "/nonexistent" } }),
    ).toThrow("cannot read UV_PIN_BOT_TRUSTED_ROOT /nonexistent: ENOENT");
  });

  it("rejects something that is not a trusted root", () => {
    expect(() => loadTrustMaterial({ mediaType: "x" })).toThrow(
      "trusted root: media type x is not application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    );
    const root = json("trusted_root.json");
    expect(() => loadTrustMaterial({ ...root, certificateAuthorities: [] })).toThrow(
      "trusted root: no certificate authority",
    );
  });

  it("a root without the signing CA refuses the chain", () => {
    const root = json("trusted_root.json");
    root.certificateAuthorities = root.certificateAuthorities.slice(0, 1);
    const s = verifyAttestation({
      bundle: json(SJS),
      digests: { sha512: TGZ_SHA512 },
      policy: sigstorePolicy,
      trustMaterial: loadTrustMaterial(root),
    });
    expect(s.reason).toMatch(/^certificate chain: /);
  });

  it("thresholds follow the root: no CT logs, no SCT required; no tlogs, no entry required", () => {
    const root = json("trusted_root.json");
    expect(verifierOptions(loadTrustMaterial(root))).toEqual({
      ctlogThreshold: 1,
      tlogThreshold: 1,
      timestampThreshold: 1,
    });
    expect(verifierOptions(loadTrustMaterial({ ...root, ctlogs: [], tlogs: [] }))).toEqual({
      ctlogThreshold: 0,
      tlogThreshold: 0,
      timestampThreshold: 1,
    });
  });

  it("a root without CT logs still refuses a certificate whose SCT it cannot verify", () => {
    const root = json("trusted_root.json");
    root.ctlogs = [];
    const s = verifyAttestation({
      bundle: json(SJS),
      digests: { sha512: TGZ_SHA512 },
      policy: sigstorePolicy,
      trustMaterial: loadTrustMaterial(root),
    });
    expect(s.reason).toBe("certificate transparency: SCT verification failed");
  });

  it("a root without transparency logs still refuses a bundle whose log entry it cannot verify", () => {
    const root = json("trusted_root.json");
    root.tlogs = [];
    const s = verifyAttestation({
      bundle: json(SJS),
      digests: { sha512: TGZ_SHA512 },
      policy: sigstorePolicy,
      trustMaterial: loadTrustMaterial(root),
    });
    expect(s.reason).toMatch(/^transparency log: /);
  });

  it("a root with a CT log that did not sign the SCT refuses the certificate", () => {
    const root = json("trusted_root.json");
    root.ctlogs = root.ctlogs.map((log: Doc) => ({
      ...log,
      logId: { keyId: Buffer.alloc(32).toString("base64") },
    }));
    const s = verifyAttestation({
      bundle: json(SJS),
      digests: { sha512: TGZ_SHA512 },
      policy: sigstorePolicy,
      trustMaterial: loadTrustMaterial(root),
    });
    expect(s.reason).toBe("certificate transparency: SCT verification failed");
  });
});
