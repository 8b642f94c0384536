/**
 * Resolve targets for one repository's pins: ask the registry for each image's tags, read uv's
 * releases, let the pure policy decide, then fetch what the decisions need (index or per-platform
 * digests, installer checksums). Every lookup goes through the shared cache, so a sweep asks about
 * each tag once. Upstream failures block the updates they concern, with the reason.
 */

import type { OciRegistry } from "../adapters/oci-registry.js";
import { isIndex, repositoryOf } from "../adapters/oci-registry.js";
import { assetName, type UvReleases } from "../adapters/uv-releases.js";
import type { AttestationSummary } from "../core/attestation-policy.js";
import { parseInstallerUrl } from "../core/matchers.js";
import { type Decision, decide, type PolicyOptions, type UpdateType } from "../core/policy.js";
import type { Pin, Release, Skipped, Target } from "../core/types.js";

export interface PinState {
  version: string | null;
  tag: string | null;
  digest: string | null;
  checksum: string | null;
}

export interface PlannedUpdate {
  pin: Pin;
  type: UpdateType;
  from: PinState;
  to: PinState;
  release: Release | null;
  note: string | null;
  /**
   * The digest whose attestation vouches for the new bytes: the new index digest (also for a
   * per-platform pin, whose digest is listed in that digest-verified index), or the new checksum.
   */
  attestationSubject: string | null;
  /** Filled by verification (a later step); null until then. */
  attestation: AttestationSummary | null;
  /** Why this update must not be applied, or null. */
  blocked: string | null;
  /** What the rewriter splices. */
  target: Target;
}

export interface Plan {
  release: Release | null;
  updates: PlannedUpdate[];
  current: Pin[];
  skipped: Skipped[];
}

export interface ResolveDeps {
  registry: OciRegistry;
  releases: UvReleases;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function resolvePlan(
  pins: readonly Pin[],
  deps: ResolveDeps,
  policy: PolicyOptions,
): Promise<Plan> {
  const images = [
    ...new Set(pins.filter((p) => p.kind === "image" && p.image).map((p) => p.image as string)),
  ];
  const tags = new Map<string, readonly string[]>();
  const tagErrors = new Map<string, string>();
  let releases: Release[] = [];
  let releasesError: string | null = null;
  // The tag listings and uv's releases are independent: asked at once.
  await Promise.all([
    ...images.map(async (image) => {
      try {
        tags.set(image, await deps.registry.tags(image));
      } catch (error) {
        tagErrors.set(image, message(error));
      }
    }),
    deps.releases.list().then(
      (list) => {
        releases = list;
      },
      (error: unknown) => {
        releasesError = message(error);
      },
    ),
  ]);

  const { release, decisions } = decide(pins, releases, tags, policy);
  const plan: Plan = { release, updates: [], current: [], skipped: [] };
  const resolved = await Promise.all(decisions.map((d) => resolveDecision(d, deps)));
  for (const [i, decision] of decisions.entries()) {
    const pin = decision.pin;
    const outcome = resolved[i];
    if (decision.action === "skip") {
      const why =
        (pin.image && tagErrors.get(pin.image)) ??
        (releasesError && pin.kind !== "image"
          ? `uv's releases could not be read: ${releasesError}`
          : null);
      plan.skipped.push({
        file: pin.file,
        line: pin.line,
        reason: why ? `${decision.reason} (${why})` : decision.reason,
      });
    } else if (decision.action === "current" || !outcome) {
      plan.current.push(pin);
    } else {
      plan.updates.push(outcome);
    }
  }
  return plan;
}

/** Fetches digests and checksums for one update decision; null when it turns out to be current. */
async function resolveDecision(
  decision: Decision,
  deps: ResolveDeps,
): Promise<PlannedUpdate | null> {
  if (decision.action !== "update") return null;
  const { pin } = decision;
  const from: PinState = {
    version: pin.version,
    tag: pin.resolvedTag,
    digest: pin.kind === "image" ? pin.digest : null,
    checksum: pin.kind === "installer" ? pin.digest : null,
  };
  const to: PinState = { ...from, version: decision.version ?? from.version };
  if (pin.kind === "image") to.tag = decision.tag ?? from.tag;
  const update: PlannedUpdate = {
    pin,
    type: decision.type,
    from,
    to,
    release: decision.release,
    note: decision.note,
    attestationSubject: null,
    attestation: null,
    blocked: null,
    target: { version: decision.version },
  };
  const notes: string[] = decision.note ? [decision.note] : [];
  try {
    if (pin.kind === "image" && decision.needDigest && pin.image && decision.tag) {
      // The old digest's version label does not depend on the new digest: asked alongside.
      const label =
        pin.form === "digest" && pin.digest
          ? deps.registry.versionLabel(pin.image, pin.digest).catch(() => null)
          : null;
      const found = await imageDigest(deps.registry, pin, decision.tag);
      to.digest = found.digest;
      update.attestationSubject = found.index;
      if (found.note) notes.push(found.note);
      update.target.digest = found.digest;
      update.target.addDigest = !pin.digest;
      if (label) from.version = await label;
      if (decision.type === "digest" && found.digest === pin.digest) return null;
    }
    if (pin.kind === "installer") {
      const checksum = await installerChecksum(deps.releases, pin, decision);
      if (checksum) {
        to.checksum = checksum;
        update.target.checksum = checksum;
        update.attestationSubject = checksum;
      }
    }
  } catch (error) {
    update.blocked = message(error);
  }
  update.note = notes.length ? notes.join("; ") : null;
  return update;
}

/**
 * The digest to pin for a tag: the index digest, or, when the file pins one platform's digest
 * today, that platform's digest in the new index (said in a note, never swapped silently).
 */
async function imageDigest(
  registry: OciRegistry,
  pin: Pin,
  tag: string,
): Promise<{ digest: string; index: string; note: string | null }> {
  const image = pin.image as string;
  if (!pin.digest) {
    const { digest } = await registry.digest(image, tag);
    return { digest, index: digest, note: null };
  }
  // The new tag's digest and the old digest's platform are independent: asked at once.
  const oldPlatform = registry.platformOf(image, pin.digest).then(
    (p) => ({ ok: true as const, p }),
    () => ({ ok: false as const }),
  );
  const { digest, mediaType } = await registry.digest(image, tag);
  const known = await oldPlatform;
  if (!known.ok) {
    return {
      digest,
      index: digest,
      note: `the current digest is no longer in ${repositoryOf(image).origin}; pinning the index digest`,
    };
  }
  const platform = known.p;
  if (!platform) return { digest, index: digest, note: null };
  const key = [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
  if (!isIndex(mediaType)) {
    return {
      digest,
      index: digest,
      note: `the file pins the ${key} digest; ${tag} is single-platform`,
    };
  }
  // Read by digest, so the platform list comes from exactly the index that is attested.
  const entry = (await registry.platforms(image, digest)).find(
    (e) =>
      e.platform?.os === platform.os &&
      e.platform.architecture === platform.architecture &&
      (e.platform.variant ?? null) === (platform.variant ?? null),
  );
  if (!entry) throw new Error(`${image}:${tag} has no ${key} image, which the file pins today`);
  return {
    digest: entry.digest,
    index: digest,
    note: `keeps pinning the ${key} platform digest, as the file does`,
  };
}

/**
 * The checksum for an installer pin's new URL: the bytes that URL serves, cross-checked with the
 * release asset's digest. Null when the pin keeps no checksum.
 */
async function installerChecksum(
  releases: UvReleases,
  pin: Pin,
  decision: Extract<Decision, { action: "update" }>,
): Promise<string | null> {
  const release = decision.release;
  const asset = pin.asset ? assetName(pin.asset) : null;
  if (release && asset && !release.assets.some((a) => a.name === asset)) {
    throw new Error(`uv ${release.version} has no release asset ${asset}`);
  }
  if (!decision.needChecksum) return null;
  if (!pin.resolvedUrl || !decision.version)
    throw new Error("the installer URL cannot be resolved");
  const parts = parseInstallerUrl(pin.resolvedUrl);
  if (!parts?.version) throw new Error("the installer URL has no version to move");
  const url =
    pin.resolvedUrl.slice(0, parts.version.start) +
    decision.version +
    pin.resolvedUrl.slice(parts.version.end);
  const assetDigest = release?.assets.find((a) => a.name === asset)?.digest ?? null;
  return (await releases.checksum(url, assetDigest)).checksum;
}
