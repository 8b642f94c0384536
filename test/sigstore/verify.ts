/**
 * Runs @sigstore/verify directly on a test bundle: bundleFromJSON -> toSignedEntity ->
 * Verifier.verify, with trust material from a trusted_root.json-shaped object. This is the
 * reference check for the test instance; it applies no identity or subject policy.
 */
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import {
  type Signer,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  Verifier,
} from "@sigstore/verify";
import type { TrustedRootJson } from "./signer.js";

/** toTrustMaterial wants the protobuf TrustedRoot, not the JSON: convert first. */
export function trustMaterialOf(trustedRoot: TrustedRootJson | object): TrustMaterial {
  return toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
}

export interface SigstoreVerifyOptions {
  tlogThreshold?: number;
  /** Verified timestamps needed (the SET's integratedTime counts). Default 1. */
  timestampThreshold?: number;
  /** Default: 1 when the root lists CT logs, else 0. */
  ctlogThreshold?: number;
}

/** Throws @sigstore/bundle's ValidationError or @sigstore/verify's VerificationError. */
export function verifyWithSigstore(
  bundle: object,
  trustedRoot: TrustedRootJson,
  o: SigstoreVerifyOptions = {},
): Signer {
  const verifier = new Verifier(trustMaterialOf(trustedRoot), {
    tlogThreshold: o.tlogThreshold ?? 1,
    timestampThreshold: o.timestampThreshold ?? 1,
    ctlogThreshold: o.ctlogThreshold ?? (trustedRoot.ctlogs.length > 0 ? 1 : 0),
  });
  return verifier.verify(toSignedEntity(bundleFromJSON(bundle)));
}
