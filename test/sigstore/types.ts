/** The test instance's public types: options, and the JSON shapes it produces. */
import type { IdentityOptions } from "./fulcio.js";
import type { InclusionProofJson } from "./rekor.js";
import type { Subject } from "./statement.js";

/** One deliberate defect. Each leaves the rest of the bundle valid. */
export type Fault =
  | "untrusted-ca" // leaf issued by a CA (same names, other key) not in the trusted root
  | "expired-leaf" // leaf valid for 10 minutes that ended before integratedTime
  | "bad-signature" // DSSE signature byte flipped before logging: only the signature check fails
  | "body-mismatch" // tlog body's payloadHash is of other bytes; SET and proof valid for it
  | "untrusted-tlog-key" // SET and checkpoint signed by a key that is not the trusted log's
  | "untrusted-checkpoint-key" // only the checkpoint signed by another key; the SET is valid
  | "no-inclusion-promise" // entry without SET, so no verified timestamp
  | "bad-inclusion-proof" // one audit-path hash altered
  | "untrusted-ct-key" // SCT signed by a key that is not the trusted CT log's (or by an
  //                      unknown log when the instance has none: rejected even at threshold 0)
  | "no-sct"; // leaf without SCT although the instance has a CT log (no-op without one)

export interface SignOptions {
  subjects: Subject[];
  /** Default https://slsa.dev/provenance/v1. */
  predicateType?: string;
  /** Default: SLSA v1 GitHub Actions provenance derived from the identity. */
  predicate?: unknown;
  /** Overrides of uv's real signer; `null` drops a claim. See variants.ts for presets. */
  identity?: IdentityOptions;
  /** Default "0.3". 0.3/0.2 carry an inclusion proof (required); 0.1 only the SET. */
  bundleVersion?: "0.3" | "0.2" | "0.1";
  /** Leaf notBefore. Default: the instance's `now`, or integratedTime - 2 s when that is set. */
  signedAt?: Date;
  /** Rekor's integratedTime. Default: signedAt + 2 s. */
  integratedTime?: Date;
  leafValidity?: { notBefore?: Date; notAfter?: Date };
  /** Default: true for 0.3/0.2, false for 0.1. */
  inclusionProof?: boolean;
  logIndex?: number;
  /** Default: logIndex + 1 + a few later entries. */
  treeSize?: number;
  faults?: Fault[];
}

export type { InclusionProofJson };

export interface TlogEntryJson {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: InclusionProofJson;
  canonicalizedBody: string;
}

export interface BundleJson {
  mediaType: string;
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    tlogEntries: TlogEntryJson[];
    timestampVerificationData: Record<string, unknown>;
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

export interface LogJson {
  baseUrl: string;
  hashAlgorithm: "SHA2_256";
  publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } };
  logId: { keyId: string };
}

export interface TrustedRootJson {
  mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
  tlogs: LogJson[];
  certificateAuthorities: {
    subject: { organization: string; commonName: string };
    uri: string;
    certChain: { certificates: { rawBytes: string }[] };
    validFor: { start: string; end?: string };
  }[];
  ctlogs: LogJson[];
  timestampAuthorities: never[];
}

export interface InstanceOptions {
  /** Default 2026-01-15T12:00:00Z. CA, log keys are valid from a year before. */
  now?: Date;
  /** Key derivation seed. Default "uv-pin-bot test instance". */
  seed?: string;
  /** Root + intermediate like Fulcio (default), or the root issues leaves itself. */
  intermediate?: boolean;
  /** Embed SCTs and list a CT log in the trusted root (default true; Verifier wants 1 SCT). */
  ctlog?: boolean;
  /** Default https://rekor.sigstore.test; its host names the checkpoint signer. */
  tlogBaseUrl?: string;
}

export interface TestInstance {
  now: Date;
  trustedRoot: TrustedRootJson;
  signAttestation(opts: SignOptions): BundleJson;
}
