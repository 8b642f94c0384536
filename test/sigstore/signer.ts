/**
 * A test-only Sigstore instance: a Fulcio-like CA, a Rekor-like transparency log and (optionally)
 * a CT log, all in memory, that sign GitHub-artifact-attestation-shaped bundles offline.
 *
 * What it models:
 * - Fulcio: P-384 root + intermediate (pathlen 0) like sigstore.dev (or the root alone), and a
 *   fresh P-256 leaf per bundle valid 10 minutes, with an empty subject, a critical SAN (URI, or
 *   e-mail), digitalSignature + codeSigning, SKI/AKI, and the GitHub Actions claims as Fulcio
 *   extensions: legacy .1.1-.1.6 as raw bytes, .1.8-.1.22 as DER UTF8String (fulcio.ts).
 * - CT: an embedded RFC 6962 precertificate SCT (v1, ECDSA P-256/SHA-256) signed over the TBS
 *   without the SCT extension, plus the matching `ctlogs` entry in the trusted root.
 * - Rekor v1: one `dsse` 0.0.1 entry per bundle: canonicalized body (payloadHash, envelopeHash as
 *   Rekor computes it, signature, base64 PEM verifier), logIndex, logId = SHA-256 of the log key's
 *   SPKI, integratedTime, the SET over canonical {body, integratedTime, logID, logIndex}, and an
 *   inclusion proof with a signed checkpoint over a virtual Merkle tree (rekor.ts).
 * - Bundles v0.3 (`certificate`), v0.2 and v0.1 (`x509CertificateChain` with the leaf only), a
 *   DSSE envelope over an in-toto Statement v1 with SLSA v1 provenance by default.
 * - A trusted_root.json (v0.1 media type) naming the CA chain, the tlog and the CT log.
 * - Faults for negative tests (see `Fault`), each breaking exactly one link.
 *
 * What it leaves out: OIDC tokens and proof of possession, CSRs, real log storage, consistency
 * proofs, Rekor v2 / sharding (the proof's logIndex equals the entry's), RFC 3161 timestamp
 * authorities, checkpoint cosignatures, CRLs/OCSP, CT poison extensions, key rotation.
 *
 * Determinism: all keys derive from `seed`; times come from `now` (default 2026-01-15T12:00Z);
 * serials and log indices from a per-instance counter. ECDSA signatures are still randomised.
 * What @sigstore/verify 3.1.1 requires of these bundles is summed up in signer.test.ts.
 */
import { type CertificateAuthority, createCertificateAuthority } from "./ca.js";
import { issueLeaf, resolveIdentity, toPem } from "./fulcio.js";
import { deriveKeyPair, ecdsaSign, flipByte, logIdOf, sha256 } from "./keys.js";
import { dsseBody, inclusionProof, signedEntryTimestamp } from "./rekor.js";
import {
  githubProvenance,
  IN_TOTO_PAYLOAD_TYPE,
  preAuthEncoding,
  SLSA_PROVENANCE_V1,
  statement,
} from "./statement.js";
import type {
  BundleJson,
  InclusionProofJson,
  InstanceOptions,
  LogJson,
  SignOptions,
  TestInstance,
  TlogEntryJson,
  TrustedRootJson,
} from "./types.js";

export type * from "./types.js";

const DAY = 86_400_000;
const b64 = (b: Buffer): string => b.toString("base64");
const LOG_INDEX_BASE = 100_000_000;

/** Async for API stability (a future CA may need WebCrypto); the work is synchronous today. */
export async function createTestInstance(o: InstanceOptions = {}): Promise<TestInstance> {
  const now = o.now ?? new Date("2026-01-15T12:00:00Z");
  const seed = o.seed ?? "uv-pin-bot test instance";
  const start = new Date(now.getTime() - 365 * DAY);
  const caOptions = {
    seed,
    notBefore: start,
    notAfter: new Date(now.getTime() + 3650 * DAY),
    intermediate: o.intermediate ?? true,
  };
  const ca = createCertificateAuthority({ ...caOptions, label: "ca" });
  const rogueCa = createCertificateAuthority({ ...caOptions, label: "rogue-ca" });
  const tlogKey = deriveKeyPair(seed, "tlog", "P-256");
  const ctKey = o.ctlog === false ? undefined : deriveKeyPair(seed, "ctlog", "P-256");
  const baseUrl = o.tlogBaseUrl ?? "https://rekor.sigstore.test";
  const host = new URL(baseUrl).host;
  const log = {
    key: tlogKey,
    logId: logIdOf(tlogKey),
    origin: `${host} - ${BigInt(`0x${sha256(seed).toString("hex").slice(0, 15)}`)}`,
    name: host,
  };
  const rogue = {
    tlog: deriveKeyPair(seed, "rogue-tlog", "P-256"),
    ct: deriveKeyPair(seed, "rogue-ctlog", "P-256"),
  };
  const logJson = (url: string, key: typeof tlogKey): LogJson => ({
    baseUrl: url,
    hashAlgorithm: "SHA2_256",
    publicKey: {
      rawBytes: b64(key.spki),
      keyDetails: "PKIX_ECDSA_P256_SHA_256",
      validFor: { start: start.toISOString() },
    },
    logId: { keyId: b64(logIdOf(key)) },
  });
  const trustedRoot: TrustedRootJson = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [logJson(baseUrl, tlogKey)],
    certificateAuthorities: [caJson(ca)],
    ctlogs: ctKey ? [logJson("https://ctfe.sigstore.test/test", ctKey)] : [],
    timestampAuthorities: [],
  };

  let counter = 0;
  function signAttestation(s: SignOptions): BundleJson {
    const n = ++counter;
    const faults = new Set(s.faults ?? []);
    const identity = resolveIdentity(s.identity);
    const version = s.bundleVersion ?? "0.3";
    const signedAt =
      s.signedAt ?? (s.integratedTime ? new Date(s.integratedTime.getTime() - 2000) : now);
    const integrated = s.integratedTime ?? new Date(signedAt.getTime() + 2000);
    let notBefore = s.leafValidity?.notBefore ?? signedAt;
    let notAfter = s.leafValidity?.notAfter ?? new Date(notBefore.getTime() + 600_000);
    if (faults.has("expired-leaf")) {
      notAfter = new Date(integrated.getTime() - 60_000);
      notBefore = new Date(notAfter.getTime() - 600_000);
    }

    const leafKey = deriveKeyPair(seed, `leaf/${n}`, "P-256");
    const issuer = faults.has("untrusted-ca") ? rogueCa.issuer : ca.issuer;
    // On an instance without CT log, "untrusted-ct-key" still embeds an SCT (from an unknown log).
    const sctKey = faults.has("untrusted-ct-key") ? rogue.ct : ctKey;
    const sctLog = ctKey ?? rogue.ct;
    const leaf = issueLeaf({
      ca: issuer,
      key: leafKey,
      serial: BigInt(`0x${sha256(seed, `serial/${n}`).toString("hex").slice(0, 38)}`),
      notBefore,
      notAfter,
      identity,
      ...(sctKey && !faults.has("no-sct")
        ? { sct: { key: sctKey, logId: logIdOf(sctLog), timestamp: notBefore } }
        : {}),
    });

    const predicateType = s.predicateType ?? SLSA_PROVENANCE_V1;
    const predicate = s.predicate ?? githubProvenance(identity);
    const payload = Buffer.from(JSON.stringify(statement(s.subjects, predicateType, predicate)));
    let signature = ecdsaSign(leafKey, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
    if (faults.has("bad-signature")) signature = flipByte(signature);
    const envelope = {
      payload: b64(payload),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: b64(signature) }],
    };

    const body = dsseBody({
      payload: envelope.payload,
      payloadType: envelope.payloadType,
      signature: b64(signature),
      hashedPayload: faults.has("body-mismatch")
        ? Buffer.concat([payload, Buffer.from("\n")])
        : payload,
      leafPem: toPem(leaf),
    });
    const logIndex = s.logIndex ?? LOG_INDEX_BASE + n;
    const treeSize = s.treeSize ?? logIndex + 1 + (n % 7);
    const integratedTime = Math.floor(integrated.getTime() / 1000);
    const logSigner = faults.has("untrusted-tlog-key") ? rogue.tlog : tlogKey;
    const promise = faults.has("no-inclusion-promise")
      ? undefined
      : signedEntryTimestamp(logSigner, { body, integratedTime, logIndex, logId: log.logId });
    let proof: InclusionProofJson | undefined;
    if (s.inclusionProof ?? version !== "0.1") {
      const keyHint = log.logId.subarray(0, 4);
      const key = faults.has("untrusted-checkpoint-key") ? rogue.tlog : logSigner;
      proof = inclusionProof({ ...log, key, keyHint }, body, logIndex, treeSize);
      if (faults.has("bad-inclusion-proof")) {
        const [first] = proof.hashes;
        if (first === undefined) throw new Error("bad-inclusion-proof needs a tree with > 1 leaf");
        proof.hashes[0] = b64(flipByte(Buffer.from(first, "base64")));
      }
    }
    const entry: TlogEntryJson = {
      logIndex: String(logIndex),
      logId: { keyId: b64(log.logId) },
      kindVersion: { kind: "dsse", version: "0.0.1" },
      integratedTime: String(integratedTime),
      ...(promise ? { inclusionPromise: { signedEntryTimestamp: b64(promise) } } : {}),
      ...(proof ? { inclusionProof: proof } : {}),
      canonicalizedBody: b64(body),
    };

    const rawBytes = b64(leaf);
    return {
      mediaType:
        version === "0.3"
          ? "application/vnd.dev.sigstore.bundle.v0.3+json"
          : `application/vnd.dev.sigstore.bundle+json;version=${version}`,
      verificationMaterial: {
        ...(version === "0.3"
          ? { certificate: { rawBytes } }
          : { x509CertificateChain: { certificates: [{ rawBytes }] } }),
        tlogEntries: [entry],
        timestampVerificationData: {},
      },
      dsseEnvelope: envelope,
    };
  }

  return { now, trustedRoot, signAttestation };
}

function caJson(ca: CertificateAuthority): TrustedRootJson["certificateAuthorities"][number] {
  return {
    subject: { organization: ca.organization, commonName: ca.commonName },
    uri: "https://fulcio.sigstore.test",
    certChain: { certificates: ca.chain.map((c) => ({ rawBytes: b64(c) })) },
    validFor: { start: ca.notBefore.toISOString() },
  };
}
