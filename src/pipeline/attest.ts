/**
 * Verification step of the pipeline: every update a plan proposes is verified, whatever its form.
 * Its attestation subject (set by the resolver: the new index digest of an image, tag-only or not;
 * the digest of the bytes an installer or archive URL serves; for a version-only pin, the digest of
 * the release's `dist-manifest.json`) is looked up in GitHub's artifact attestations and verified
 * offline with `gh attestation verify --owner <owner>`'s policy, narrowed by default to uv's own
 * repository and to the commit the release tag points to (a genuine build of another version or
 * another repository is refused with that reason).
 *
 * Fail closed: in `required` mode an update that does not verify is blocked with the failed check;
 * `warn` keeps the summary and proposes anyway; `off` does nothing. Only definite answers are
 * cached (none found, a bundle that fails); an upstream that fails for now (502, rate limit,
 * timeout) makes the update "unavailable": held, not cached, tried again on the next run.
 */

import type { GitHubAttestations } from "../adapters/attestations.js";
import type { LookupCache } from "../adapters/cache.js";
import type { ReleaseCommits } from "../adapters/release-commits.js";
import { notVerified, type TrustMaterial, verifyAttestation } from "../adapters/sigstore-verify.js";
import type { AttestationPolicy, AttestationSummary } from "../core/attestation-policy.js";
import { UpstreamError, UvPinBotError } from "../errors.js";
import { mapBounded } from "../util/concurrency.js";
import { LOOKUPS_AT_ONCE, type Plan, type PlannedUpdate } from "./resolve.js";

export type AttestationMode = "required" | "warn" | "off";

export interface AttestDeps {
  attestations: Pick<GitHubAttestations, "list">;
  /**
   * The trust material, or how to get the newest one: asked only when a bundle is verified, so a
   * root still loading delays verification only, never the lookups before it.
   */
  trustMaterial: TrustMaterial | (() => Promise<TrustMaterial>);
  cache: LookupCache;
  /** The base policy (issuer, predicate type, owner); the settings below narrow it per run. */
  policy: AttestationPolicy;
  /** The commit a release tag points to; needed when `requireReleaseCommit` is on. */
  releaseCommits?: Pick<ReleaseCommits, "commitOf">;
}

/** The repository configuration's `attestationPolicy`. */
export interface AttestationSettings {
  /** `owner/repo` whose builds are accepted (a mirror or fork may name its own). */
  repository: string;
  /** The attested commit must be the one the release tag `X.Y.Z` points to. */
  requireReleaseCommit: boolean;
}

export const DEFAULT_ATTESTATION_SETTINGS: AttestationSettings = {
  repository: "astral-sh/uv",
  requireReleaseCommit: true,
};

/** Attestations could not be read right now: the update waits for the next run (never cached). */
export class AttestationUnavailable extends UvPinBotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("upstream-unavailable", message, options);
    this.name = "AttestationUnavailable";
  }
}

const VERIFY_TTL = 60 * 60_000;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Verifies one subject digest (`sha256:<hex>`): the first attestation that passes wins. A definite
 * answer (verified, none found, refused) is cached for an hour under a key naming the whole
 * policy; a failure to fetch throws AttestationUnavailable and is not cached.
 */
export function verifyDigest(deps: AttestDeps, digest: string): Promise<AttestationSummary> {
  const p = deps.policy;
  const key = [
    "verify",
    p.owner,
    p.repository ?? "",
    p.releaseCommit?.commit ?? "",
    p.signerWorkflow ?? "",
    p.issuer,
    p.predicateType,
    p.sourceRef ?? "",
    digest,
  ].join("|");
  return deps.cache.memo(key, VERIFY_TTL, async () => {
    const [algorithm, hex] = digest.split(":") as [string, string];
    let bundles: unknown[];
    try {
      bundles = await deps.attestations.list(digest, {
        owner: p.owner,
        predicateType: p.predicateType,
      });
    } catch (error) {
      if (error instanceof TypeError) throw error;
      throw new AttestationUnavailable(
        `attestations for ${digest} could not be fetched: ${errorText(error)}`,
        { cause: error },
      );
    }
    if (bundles.length === 0)
      return notVerified(`attestation: none found for ${digest} (owner ${p.owner})`);
    const trustMaterial =
      typeof deps.trustMaterial === "function" ? await deps.trustMaterial() : deps.trustMaterial;
    let first: AttestationSummary | null = null;
    for (const bundle of bundles) {
      const summary = verifyAttestation({
        bundle,
        digests: { [algorithm]: hex },
        policy: p,
        trustMaterial,
      });
      if (summary.verified) return summary;
      first ??= summary;
    }
    return first as AttestationSummary;
  });
}

/** The summary of an update whose attestation could not be read now. */
export function unavailable(reason: string): AttestationSummary {
  return notVerified(
    `attestation unavailable: ${reason} (not cached; tried again on the next run)`,
    "attestation unavailable",
  );
}

/** Whether a summary says "could not be checked now" rather than "not verified". */
export const isUnavailable = (s: AttestationSummary | null) =>
  s?.checks[0]?.name === "attestation unavailable";

/** The policy for one update: the settings' repository, and its release's commit when required. */
function policyFor(
  deps: AttestDeps,
  settings: AttestationSettings,
  update: PlannedUpdate,
): Promise<AttestationPolicy | AttestationSummary> {
  return releasePolicy(deps, settings, update.attestationVersion ?? null);
}

/**
 * The policy for what claims to be uv release `tag`: built from the settings' repository and,
 * when required, from the commit that tag points to (read once per release). A verdict instead
 * when that commit cannot be compared; AttestationUnavailable when it cannot be read now.
 */
export async function releasePolicy(
  deps: AttestDeps,
  settings: AttestationSettings,
  tag: string | null,
): Promise<AttestationPolicy | AttestationSummary> {
  const owner = settings.repository.split("/")[0] as string;
  const policy: AttestationPolicy = { ...deps.policy, owner, repository: settings.repository };
  if (!settings.requireReleaseCommit) return policy;
  if (!tag)
    return notVerified(
      "release commit: the uv release this update comes from is not known, so its commit cannot be compared",
    );
  if (!deps.releaseCommits)
    throw new TypeError("releaseCommits is needed for requireReleaseCommit");
  try {
    const commit = await deps.releaseCommits.commitOf(settings.repository, tag);
    return { ...policy, releaseCommit: { tag, commit } };
  } catch (error) {
    if (error instanceof UpstreamError && error.code === "not-found")
      return notVerified(`release commit: ${settings.repository} has no tag ${tag}`);
    if (error instanceof TypeError) return notVerified(`release commit: ${error.message}`);
    throw new AttestationUnavailable(
      `the commit of ${settings.repository} tag ${tag} could not be read: ${errorText(error)}`,
      { cause: error },
    );
  }
}

/** Every digest an update brings: its subject, and each checksum it writes for a listed asset. */
export function subjectsOf(update: PlannedUpdate): string[] {
  const listed = Object.values(update.target.checksums ?? {});
  return [...new Set([update.attestationSubject, ...listed].filter((d): d is string => !!d))];
}

/** The update's summary: the first digest that does not verify, else the first one's. */
async function attestOne(
  update: PlannedUpdate,
  deps: AttestDeps,
  settings: AttestationSettings,
): Promise<AttestationSummary> {
  const subjects = subjectsOf(update);
  if (subjects.length === 0)
    return notVerified(
      "attestation: nothing to verify: no digest is known for what this update brings",
    );
  try {
    const policy = await policyFor(deps, settings, update);
    if (!("owner" in policy)) return policy;
    const summaries = await Promise.all(
      subjects.map((subject) => verifyDigest({ ...deps, policy }, subject)),
    );
    // Each digest's own summary, for what shows every new checksum (the pull request's list).
    if (summaries.length > 1)
      update.attestations = Object.fromEntries(
        subjects.map((d, i) => [d, summaries[i] as AttestationSummary]),
      );
    return summaries.find((s) => !s.verified) ?? (summaries[0] as AttestationSummary);
  } catch (error) {
    if (error instanceof AttestationUnavailable) return unavailable(error.message);
    throw error;
  }
}

/**
 * Fills `attestation` on every update. In `required` an unverified update is blocked with the
 * reason, and one that could not be checked now is held (the next run tries again).
 */
export async function attachAttestations(
  plan: Plan,
  deps: AttestDeps,
  mode: AttestationMode,
  settings: AttestationSettings = DEFAULT_ATTESTATION_SETTINGS,
): Promise<void> {
  if (mode === "off") return;
  // Bounded like the lookups in resolve.ts.
  await mapBounded(plan.updates, LOOKUPS_AT_ONCE, async (update) => {
    if (update.blocked) return;
    const summary = await attestOne(update, deps, settings);
    update.attestation = summary;
    if (summary.verified || mode !== "required") return;
    update.blocked = isUnavailable(summary)
      ? `held: ${summary.reason}`
      : (summary.reason ?? "attestation: not verified");
  });
}
