/**
 * The test Sigstore instance against @sigstore/verify 3.1.1 itself (bundleFromJSON,
 * toSignedEntity, Verifier with tlogThreshold 1): what it must accept and, one broken link at a
 * time, what it must reject. What the verifier turned out to require:
 * - v0.2/v0.3 bundles must carry an inclusion proof with a checkpoint (bundleFromJSON's
 *   validation; v0.1 needs only the SET). A proof present is always checked: checkpoint signed by
 *   the tlog key, signer name matched (as a regex!) against the tlog's baseUrl, Merkle path.
 * - The SET is the only timestamp without a TSA: no SET means "expected 1 timestamps, got 0",
 *   even with a valid proof. The chain is checked at integratedTime (CA validFor, every cert).
 * - ctlogThreshold defaults to 1: a root with CT logs needs an embedded, valid SCT.
 */

import { X509Certificate as NodeX509 } from "node:crypto";
import { readFileSync } from "node:fs";
import { X509Certificate } from "@sigstore/core";
import { describe, expect, it } from "vitest";
import { type BundleJson, createTestInstance, type Fault, type SignOptions } from "./signer.js";
import {
  flipSignatureByte,
  identities,
  replaceStatement,
  sha256Hex,
  statementOf,
  subject,
  UV_DOCKER_WORKFLOW,
  withoutTlogEntries,
} from "./variants.js";
import { verifyWithSigstore } from "./verify.js";

const DIGEST = sha256Hex("uv 0.9.17 image index");
const SUBJECTS = [subject(DIGEST)];
const instance = await createTestInstance();
const sign = (o: Partial<SignOptions> = {}) =>
  instance.signAttestation({ subjects: SUBJECTS, ...o });
const verify = (b: BundleJson, o = {}) => verifyWithSigstore(b, instance.trustedRoot, o);

const leafOf = (b: BundleJson) =>
  Buffer.from(
    b.verificationMaterial.certificate?.rawBytes ??
      b.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes ??
      "",
    "base64",
  );

/** A Fulcio claim: .1-.6 raw bytes, .8+ a DER UTF8String (short or one-byte long form). */
function claim(b: BundleJson, n: number): string | undefined {
  const ext = X509Certificate.parse(leafOf(b)).extension(`1.3.6.1.4.1.57264.1.${n}`);
  if (!ext) return undefined;
  const v = ext.value;
  if (n < 8) return v.toString("utf8");
  expect(v[0]).toBe(0x0c);
  return v.subarray(v[1] === 0x81 ? 3 : 2).toString("utf8");
}

function rejects(b: BundleJson, code: string, message: RegExp, o = {}) {
  expect(() => verify(b, o)).toThrow(
    expect.objectContaining({ code, message: expect.stringMatching(message) }),
  );
}

describe("accepted by @sigstore/verify", () => {
  it("a default v0.3 bundle: uv's signer, SCT, SET and inclusion proof", () => {
    const b = sign();
    const signer = verify(b); // ctlogThreshold 1: the root lists a CT log
    expect(signer.identity?.subjectAlternativeName).toBe(UV_DOCKER_WORKFLOW);
    expect(signer.identity?.extensions?.issuer).toBe("https://token.actions.githubusercontent.com");
    expect(b.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(b.verificationMaterial.tlogEntries[0]?.inclusionProof).toBeDefined();
  });

  it("carries uv's claims in the Fulcio extensions", () => {
    const b = sign();
    expect(claim(b, 1)).toBe("https://token.actions.githubusercontent.com");
    expect(claim(b, 8)).toBe("https://token.actions.githubusercontent.com");
    expect(claim(b, 9)).toBe(UV_DOCKER_WORKFLOW);
    expect(claim(b, 12)).toBe("https://github.com/astral-sh/uv");
    expect(claim(b, 13)).toMatch(/^[0-9a-f]{40}$/);
    expect(claim(b, 14)).toBe("refs/heads/main");
    expect(claim(b, 16)).toBe("https://github.com/astral-sh");
    expect(claim(b, 20)).toBe("workflow_dispatch");
    expect(claim(b, 21)).toBe("https://github.com/astral-sh/uv/actions/runs/123/attempts/1");
    expect(claim(b, 22)).toBe("public");
  });

  it("v0.1 (SET only, no proof) and v0.2 (with proof) bundles", () => {
    const v01 = sign({ bundleVersion: "0.1" });
    expect(v01.verificationMaterial.tlogEntries[0]?.inclusionProof).toBeUndefined();
    expect(v01.verificationMaterial.x509CertificateChain?.certificates).toHaveLength(1);
    verify(v01);
    verify(sign({ bundleVersion: "0.1", inclusionProof: true }));
    verify(sign({ bundleVersion: "0.2" }));
  });

  it("a root without CT logs (ctlogThreshold 0), and a CA without intermediate", async () => {
    const bare = await createTestInstance({ ctlog: false, intermediate: false, seed: "bare" });
    expect(bare.trustedRoot.ctlogs).toEqual([]);
    const b = bare.signAttestation({ subjects: SUBJECTS });
    verifyWithSigstore(b, bare.trustedRoot, { ctlogThreshold: 0 });
    expect(() => verifyWithSigstore(b, bare.trustedRoot, { ctlogThreshold: 1 })).toThrow(
      /expected 1 SCTs, got 0/,
    );
    // An SCT that is present must verify, whatever the threshold.
    const stray = bare.signAttestation({ subjects: SUBJECTS, faults: ["untrusted-ct-key"] });
    expect(() => verifyWithSigstore(stray, bare.trustedRoot, { ctlogThreshold: 0 })).toThrow(
      /SCT verification failed/,
    );
  });

  it("inclusion proofs at any position in the log", () => {
    const positions = [
      [0, 1],
      [0, 2],
      [1, 2],
      [5, 6],
      [4, 7],
      [6, 7],
      [1023, 1024],
      [1024, 1025],
      [96764485, 92601055 + 4200000],
    ];
    for (const [logIndex, treeSize] of positions) verify(sign({ logIndex, treeSize }));
  });

  it("identity variants verify cryptographically (policy is someone else's job)", () => {
    const evil = sign({ identity: identities.evilOwner });
    verify(evil);
    expect(claim(evil, 16)).toBe("https://github.com/astral-sh-evil");
    expect(verify(sign({ identity: identities.otherIssuer() })).identity?.extensions?.issuer).toBe(
      "https://token.actions.githubusercontent.com/evil",
    );
    const google = sign({ identity: identities.googleAccount() });
    expect(verify(google).identity?.subjectAlternativeName).toBe("maintainer@example.com");
    expect(claim(google, 16)).toBeUndefined();
    const reusable = sign({ identity: identities.reusableWorkflow() });
    verify(reusable);
    expect(claim(reusable, 9)).toMatch(/^https:\/\/github\.com\/github\/artifact-attestations/);
    expect(claim(reusable, 16)).toBe("https://github.com/astral-sh");
    expect(claim(reusable, 18)).toBe(UV_DOCKER_WORKFLOW);
  });
});

describe("what is signed", () => {
  it("an in-toto v1 statement with SLSA v1 provenance from the identity", () => {
    const b = sign({ subjects: [subject(DIGEST), subject(sha256Hex("x"), "other")] });
    expect(b.dsseEnvelope.payloadType).toBe("application/vnd.in-toto+json");
    const s = statementOf(b);
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(s.subject[0]).toEqual({ name: "ghcr.io/astral-sh/uv", digest: { sha256: DIGEST } });
    expect(s.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(s.predicate).toMatchObject({
      buildDefinition: {
        externalParameters: {
          workflow: {
            repository: "https://github.com/astral-sh/uv",
            path: ".github/workflows/build-docker.yml",
            ref: "refs/heads/main",
          },
        },
        resolvedDependencies: [{ digest: { gitCommit: claim(b, 13) } }],
      },
      runDetails: { builder: { id: UV_DOCKER_WORKFLOW } },
    });
    const spdx = sign({ predicateType: "https://spdx.dev/Document/v2.3", predicate: {} });
    expect(statementOf(spdx).predicateType).toBe("https://spdx.dev/Document/v2.3");
  });

  it("a Rekor dsse body matching the envelope, timed inside the leaf's validity", () => {
    const b = sign();
    const entry = b.verificationMaterial.tlogEntries[0];
    if (!entry) throw new Error("no tlog entry");
    const body = JSON.parse(Buffer.from(entry.canonicalizedBody, "base64").toString());
    const payload = Buffer.from(b.dsseEnvelope.payload, "base64");
    expect(body.spec.payloadHash.value).toBe(sha256Hex(payload));
    expect(body.spec.signatures[0].signature).toBe(b.dsseEnvelope.signatures[0]?.sig);
    const leaf = new NodeX509(leafOf(b));
    expect(new NodeX509(Buffer.from(body.spec.signatures[0].verifier, "base64")).raw).toEqual(
      leaf.raw,
    );
    expect(entry.logId.keyId).toBe(instance.trustedRoot.tlogs[0]?.logId.keyId);
    const t = Number(entry.integratedTime) * 1000;
    expect(t).toBeGreaterThanOrEqual(Date.parse(leaf.validFrom));
    expect(t).toBeLessThanOrEqual(Date.parse(leaf.validTo));
    expect(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)).toBe(600_000);
  });

  it("certificates OpenSSL accepts: leaf -> intermediate -> root, SAN as URI", () => {
    const chain = instance.trustedRoot.certificateAuthorities[0]?.certChain.certificates ?? [];
    const [intermediate, root] = chain.map((c) => new NodeX509(Buffer.from(c.rawBytes, "base64")));
    if (!intermediate || !root) throw new Error("expected a two-certificate chain");
    const leaf = new NodeX509(leafOf(sign()));
    expect(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.checkIssued(root) && intermediate.verify(root.publicKey)).toBe(true);
    expect(root.verify(root.publicKey) && root.ca && intermediate.ca && !leaf.ca).toBe(true);
    expect(leaf.subjectAltName).toBe(`URI:${UV_DOCKER_WORKFLOW}`);
    expect(leaf.subject ?? "").toBe("");
  });

  it("has the shape of a real GitHub attestation bundle", () => {
    const real = JSON.parse(
      readFileSync("fixtures/attestations/reusable-workflow-attestation.sigstore.json", "utf8"),
    );
    const paths = (v: unknown, p = ""): string[] =>
      Array.isArray(v)
        ? paths(v[0], `${p}[]`)
        : v && typeof v === "object"
          ? Object.entries(v).flatMap(([k, x]) => [`${p}.${k}`, ...paths(x, `${p}.${k}`)])
          : [];
    expect(paths(sign()).sort()).toEqual(paths(real).sort());
  });

  it("is deterministic in keys and log IDs for a seed, and fast", async () => {
    const again = await createTestInstance();
    expect(again.trustedRoot.tlogs).toEqual(instance.trustedRoot.tlogs);
    expect(again.trustedRoot.ctlogs).toEqual(instance.trustedRoot.ctlogs);
    const first = again.signAttestation({ subjects: SUBJECTS }).verificationMaterial.tlogEntries[0];
    expect(first).toMatchObject({ logIndex: "100000001", integratedTime: "1768478402" });
    const start = performance.now();
    const bundles = Array.from({ length: 12 }, () => again.signAttestation({ subjects: SUBJECTS }));
    expect(performance.now() - start).toBeLessThan(1000); // ~40 ms idle; verifying is ~20 ms each
    for (const b of bundles) verifyWithSigstore(b, again.trustedRoot);
  });
});

describe("rejected by @sigstore/verify", () => {
  const faulty: [Fault, string, RegExp][] = [
    ["untrusted-ca", "CERTIFICATE_ERROR", /Failed to verify certificate chain/],
    ["expired-leaf", "CERTIFICATE_ERROR", /Failed to verify certificate chain/],
    ["bad-signature", "SIGNATURE_ERROR", /signature verification failed/],
    ["body-mismatch", "TLOG_BODY_ERROR", /DSSE payload hash mismatch/],
    ["untrusted-tlog-key", "TLOG_INCLUSION_PROMISE_ERROR", /inclusion promise/],
    ["untrusted-checkpoint-key", "TLOG_INCLUSION_PROOF_ERROR", /invalid checkpoint signature/],
    ["no-inclusion-promise", "TIMESTAMP_ERROR", /expected 1 timestamps, got 0/],
    ["bad-inclusion-proof", "TLOG_INCLUSION_PROOF_ERROR", /root hash does not match/],
    ["untrusted-ct-key", "CERTIFICATE_ERROR", /SCT verification failed/],
    ["no-sct", "CERTIFICATE_ERROR", /expected 1 SCTs, got 0/],
  ];
  it.each(faulty)("fault %s: %s", (fault, code, message) => {
    rejects(sign({ faults: [fault] }), code, message);
  });

  it("expired leaf: the chain fails at integratedTime", () => {
    const b = sign({ faults: ["expired-leaf"] });
    expect(() => verify(b)).toThrow(
      expect.objectContaining({
        cause: expect.objectContaining({ message: expect.stringMatching(/expired/) }),
      }),
    );
  });

  it("timestampThreshold 0 and no SET: no chain check at all, a TypeError", () => {
    // verifyCertificate walks the chain once per timestamp; with none, path is [] and the SCT
    // step dereferences undefined. Still a rejection, but not a VerificationError.
    expect(() =>
      verify(sign({ faults: ["no-inclusion-promise"] }), { timestampThreshold: 0 }),
    ).toThrow(TypeError);
  });

  it("a bundle from another instance (CA and log not in the trusted root)", async () => {
    const stranger = await createTestInstance({ seed: "stranger" });
    rejects(
      stranger.signAttestation({ subjects: SUBJECTS }),
      "CERTIFICATE_ERROR",
      /certificate chain/,
    );
  });

  it("edits after signing: flipped signature byte, swapped statement, no tlog entry", () => {
    rejects(flipSignatureByte(sign()), "TLOG_BODY_ERROR", /tlog entry signature mismatch/);
    const swapped = replaceStatement(sign(), (s) => ({
      ...s,
      subject: [subject(sha256Hex("evil"))],
    }));
    rejects(swapped, "TLOG_BODY_ERROR", /DSSE payload hash mismatch/);
    rejects(withoutTlogEntries(sign()), "TIMESTAMP_ERROR", /expected 1 timestamps, got 0/);
  });

  it("logged before the CA and the log were valid (the root's validFor)", () => {
    const twoYearsBefore = new Date(instance.now.getTime() - 2 * 365 * 86_400_000);
    rejects(sign({ integratedTime: twoYearsBefore }), "CERTIFICATE_ERROR", /certificate chain/);
  });

  it("a v0.3 bundle without inclusion proof does not even parse", () => {
    expect(() => verify(sign({ inclusionProof: false }))).toThrow(/invalid bundle/);
  });
});
