/**
 * What a Fulcio signing certificate says about the GitHub Actions run that asked for it: the
 * extensions under 1.3.6.1.4.1.57264.1 (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
 * From 1.8 on their values are DER UTF8Strings; 1.1–1.6 (deprecated) hold the raw text.
 */
import { ASN1Obj, type X509Certificate } from "@sigstore/core";
import type { CertificateFacts } from "../core/attestation-policy.js";

export const FULCIO_OID = {
  issuerLegacy: "1.3.6.1.4.1.57264.1.1",
  triggerLegacy: "1.3.6.1.4.1.57264.1.2",
  commitLegacy: "1.3.6.1.4.1.57264.1.3",
  refLegacy: "1.3.6.1.4.1.57264.1.6",
  issuer: "1.3.6.1.4.1.57264.1.8",
  buildSignerUri: "1.3.6.1.4.1.57264.1.9",
  sourceRepositoryUri: "1.3.6.1.4.1.57264.1.12",
  sourceRepositoryDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRepositoryRef: "1.3.6.1.4.1.57264.1.14",
  sourceRepositoryOwnerUri: "1.3.6.1.4.1.57264.1.16",
  buildTrigger: "1.3.6.1.4.1.57264.1.20",
  runInvocationUri: "1.3.6.1.4.1.57264.1.21",
} as const;

const UTF8_STRING = 12;

/** A 1.8+ extension: exactly one universal UTF8String, else null. */
function derString(cert: X509Certificate, oid: string): string | null {
  const ext = cert.extension(oid);
  if (!ext) return null;
  try {
    const obj = ASN1Obj.parseBuffer(Buffer.from(ext.value));
    if (!obj.tag.isUniversal() || obj.tag.number !== UTF8_STRING) return null;
    if (obj.toDER().length !== ext.value.length) return null;
    return obj.value.toString("utf8");
  } catch {
    return null;
  }
}

/** A deprecated 1.1–1.6 extension: the raw bytes as text. */
function rawString(cert: X509Certificate, oid: string): string | null {
  const ext = cert.extension(oid);
  return ext ? ext.value.toString("utf8") : null;
}

/** Everything a summary shows from the certificate (null where absent). */
export interface FulcioFacts extends CertificateFacts {
  sourceCommit: string | null;
  signerWorkflow: string | null;
  buildTrigger: string | null;
  runUrl: string | null;
}

export function fulcioFacts(cert: X509Certificate): FulcioFacts {
  return {
    issuer: derString(cert, FULCIO_OID.issuer) ?? rawString(cert, FULCIO_OID.issuerLegacy),
    san: cert.subjectAltName ?? null,
    sourceRepository: derString(cert, FULCIO_OID.sourceRepositoryUri),
    sourceRepositoryOwner: derString(cert, FULCIO_OID.sourceRepositoryOwnerUri),
    sourceRef: derString(cert, FULCIO_OID.sourceRepositoryRef),
    sourceCommit: derString(cert, FULCIO_OID.sourceRepositoryDigest),
    signerWorkflow: derString(cert, FULCIO_OID.buildSignerUri),
    buildTrigger: derString(cert, FULCIO_OID.buildTrigger),
    runUrl: derString(cert, FULCIO_OID.runInvocationUri),
  };
}

/** Display-only fallbacks from the deprecated extensions (never used by the policy). */
export function legacyFacts(cert: X509Certificate): {
  sourceRef: string | null;
  sourceCommit: string | null;
  buildTrigger: string | null;
} {
  return {
    sourceRef: rawString(cert, FULCIO_OID.refLegacy),
    sourceCommit: rawString(cert, FULCIO_OID.commitLegacy),
    buildTrigger: rawString(cert, FULCIO_OID.triggerLegacy),
  };
}
