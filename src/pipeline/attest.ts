/**
 * Verification step of the pipeline: for every new digest and installer checksum a plan proposes,
 * fetch its GitHub artifact attestations and verify them offline against the trusted root with
 * `gh attestation verify --owner astral-sh`'s policy. Fail closed: in `required` mode an update
 * whose new bytes do not verify is blocked with the failed check; `warn` keeps the summary and
 * proposes anyway; `off` does nothing. Each digest is verified once per run (cached).
 */

import type { GitHubAttestations } from "../adapters/attestations.js";
import type { LookupCache } from "../adapters/cache.js";
import { notVerified, type TrustMaterial, verifyAttestation } from "../adapters/sigstore-verify.js";
import type { AttestationPolicy, AttestationSummary } from "../core/attestation-policy.js";
import type { Plan, PlannedUpdate } from "./resolve.js";

export type AttestationMode = "required" | "warn" | "off";

export interface AttestDeps {
  attestations: Pick<GitHubAttestations, "list">;
  /**
   * The trust material, or how to get the newest one: asked only when a bundle is verified, so a
   * root still loading delays verification only, never the lookups before it.
   */
  trustMaterial: TrustMaterial | (() => Promise<TrustMaterial>);
  cache: LookupCache;
  policy: AttestationPolicy;
}

const VERIFY_TTL = 60 * 60_000;

/** Verifies one subject digest (`sha256:<hex>`): the first attestation that passes wins. */
export function verifyDigest(deps: AttestDeps, digest: string): Promise<AttestationSummary> {
  const key = `verify:${deps.policy.owner}:${deps.policy.signerWorkflow ?? ""}:${deps.policy.issuer}:${digest}`;
  return deps.cache.memo(key, VERIFY_TTL, async () => {
    const [algorithm, hex] = digest.split(":") as [string, string];
    let bundles: unknown[];
    try {
      bundles = await deps.attestations.list(digest, {
        owner: deps.policy.owner,
        predicateType: deps.policy.predicateType,
      });
    } catch (error) {
      return notVerified(
        `attestations could not be fetched: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (bundles.length === 0)
      return notVerified(`attestation: none found for ${digest} (owner ${deps.policy.owner})`);
    const trustMaterial =
      typeof deps.trustMaterial === "function" ? await deps.trustMaterial() : deps.trustMaterial;
    let first: AttestationSummary | null = null;
    for (const bundle of bundles) {
      const summary = verifyAttestation({
        bundle,
        digests: { [algorithm]: hex },
        policy: deps.policy,
        trustMaterial,
      });
      if (summary.verified) return summary;
      first ??= summary;
    }
    return first as AttestationSummary;
  });
}

/** The digest whose provenance an update needs, when it brings new bytes. */
export function subjectOf(update: PlannedUpdate): string | null {
  const changed =
    (update.pin.kind === "image" && update.to.digest !== update.from.digest) ||
    (update.pin.kind === "installer" && update.to.checksum !== update.from.checksum);
  return changed ? update.attestationSubject : null;
}

/** Fills `attestation` on every update with new bytes, and blocks unverified ones in `required`. */
export async function attachAttestations(
  plan: Plan,
  deps: AttestDeps,
  mode: AttestationMode,
): Promise<void> {
  if (mode === "off") return;
  await Promise.all(
    plan.updates.map(async (update) => {
      if (update.blocked) return;
      const subject = subjectOf(update);
      if (!subject) return;
      const summary = await verifyDigest(deps, subject);
      update.attestation = summary;
      if (!summary.verified && mode === "required")
        update.blocked = summary.reason ?? "attestation: not verified";
    }),
  );
}
