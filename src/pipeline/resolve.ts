/**
 * Resolve targets for one repository's pins: ask the registry for each image's tags, read uv's
 * releases, let the pure policy decide, then fetch what the decisions need (index or per-platform
 * digests, installer checksums). Every lookup goes through the shared cache, so a sweep asks about
 * each tag once. Upstream failures block the updates they concern, with the reason.
 */

import { networkCode } from "../adapters/http.js";
import type { OciRegistry } from "../adapters/oci-registry.js";
import { isIndex, repositoryOf } from "../adapters/oci-registry.js";
import { assetName, type UvReleases } from "../adapters/uv-releases.js";
import type { AttestationSummary } from "../core/attestation-policy.js";
import type { Held } from "../core/lockstep.js";
import { parseInstallerUrl } from "../core/matchers.js";
import {
  type Decision,
  decide,
  isFullVersion,
  type PolicyOptions,
  type UpdateType,
} from "../core/policy.js";
import type { Pin, Release, Skipped, Target } from "../core/types.js";
import { compareVersions } from "../core/version.js";
import { UvPinBotError } from "../errors.js";
import { mapBounded } from "../util/concurrency.js";

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
  /**
   * The uv release (`X.Y.Z`, its tag) the subject should have been built for: the attested
   * commit must be the one this tag points to. Null when it cannot be told.
   */
  attestationVersion: string | null;
  /** Filled by verification (a later step); null until then. */
  attestation: AttestationSummary | null;
  /** Filled by verification when the update brings several digests: each one's summary. */
  attestations?: Record<string, AttestationSummary>;
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
  /** Pins that will not move, and why (the pins behind `skipped`), for groups that move together. */
  held?: Held[];
}

/** What resolving asks of uv's releases. */
export type ReleaseLookups = Pick<UvReleases, "list" | "checksum">;

export interface ResolveDeps {
  registry: OciRegistry;
  releases: ReleaseLookups;
}

export interface ResolveOptions {
  /**
   * Look up what each update's attestation is about even where the file pins no hash: the new
   * tag's index digest of a tag-only image, the digest of the bytes a checksum-less URL serves.
   * Default true; false (`attestations: off`) saves those requests.
   */
  subjects?: boolean;
}

/** The release assets whose attestation vouches for a version-only pin, in order of preference. */
export const RELEASE_SUBJECT_ASSETS = ["dist-manifest.json", "uv-installer.sh"] as const;

/** Upstream lookups one repository's run has in flight at most. */
export const LOOKUPS_AT_ONCE = 8;

/**
 * An error as the plan shows it (PR bodies, replies, check runs). The adapters' own errors name
 * the upstream by its public URL; anything else that failed on the network (the shared cache's
 * Redis, say: `connect ECONNREFUSED 10.0.0.5:6379`) is told in words, never with its address.
 */
const message = (error: unknown) => {
  if (error instanceof UvPinBotError) return error.message;
  const network = networkCode(error);
  if (network !== null) return `lookup failed: ${network}`;
  return error instanceof Error ? error.message : String(error);
};

export async function resolvePlan(
  pins: readonly Pin[],
  deps: ResolveDeps,
  policy: PolicyOptions,
  options: ResolveOptions = {},
): Promise<Plan> {
  const subjects = options.subjects ?? true;
  const images = [
    ...new Set(
      pins
        .filter((p) => p.kind === "image" && p.image && !p.skipReason && !p.unpinned)
        .map((p) => lookupName(p)),
    ),
  ];
  const tags = new Map<string, readonly string[]>();
  const tagErrors = new Map<string, string>();
  let releases: Release[] = [];
  let releasesError: string | null = null;
  // The tag listings and uv's releases are independent: asked at once.
  await Promise.all([
    mapBounded(images, LOOKUPS_AT_ONCE, async (image) => {
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

  // The policy reads each pin's tags by the name as written (a mirror's: its upstream's tags).
  for (const pin of pins) {
    const found = pin.image && pin.mirrorOf ? tags.get(pin.mirrorOf) : undefined;
    if (found) tags.set(pin.image as string, found);
  }
  const { release, decisions } = decide(pins, releases, tags, policy);
  const plan: Plan = { release, updates: [], current: [], skipped: [], held: [] };
  // Bounded: a repository with thousands of distinct pins must not open thousands of sockets.
  const resolved = await mapBounded(decisions, LOOKUPS_AT_ONCE, (d) =>
    resolveDecision(d, deps, subjects, releases),
  );
  for (const [i, decision] of decisions.entries()) {
    const pin = decision.pin;
    const outcome = resolved[i];
    // A version that follows uv's releases is not "current" when those could not be read (an
    // image's rolling `0.9` tag follows its tags, which were read).
    const unknown =
      releasesError !== null &&
      decision.action === "current" &&
      !pin.unpinned &&
      pin.version !== null &&
      pin.version !== "latest" &&
      (pin.kind !== "image" || isFullVersion(pin.version));
    if (unknown) {
      const reason = `uv's releases could not be read: ${releasesError}`;
      plan.skipped.push({ file: pin.file, line: pin.line, reason });
      plan.held?.push({ pin, reason });
    } else if (decision.action === "skip") {
      const why =
        (pin.image && tagErrors.get(lookupName(pin))) ??
        (releasesError && pin.kind !== "image"
          ? `uv's releases could not be read: ${releasesError}`
          : null);
      const reason = why ? `${decision.reason} (${why})` : decision.reason;
      plan.skipped.push({ file: pin.file, line: pin.line, reason });
      plan.held?.push({ pin, reason });
    } else if (decision.action === "current" || !outcome) {
      plan.current.push(pin);
    } else {
      plan.updates.push(outcome);
    }
  }
  return plan;
}

/**
 * Where an image pin is looked up: the upstream a configured mirror mirrors (a pull-through cache
 * keeps its digests; the mirror's own host is never contacted), else the image as written.
 */
export const lookupName = (pin: Pin): string => pin.mirrorOf ?? (pin.image as string);

/** Fetches digests and checksums for one update decision; null when it turns out to be current. */
async function resolveDecision(
  decision: Decision,
  deps: ResolveDeps,
  subjects: boolean,
  releases: readonly Release[],
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
    attestationVersion: null,
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
          ? deps.registry.versionLabel(lookupName(pin), pin.digest).catch(() => null)
          : null;
      const found = await imageDigest(deps.registry, pin, decision.tag);
      to.digest = found.digest;
      update.attestationSubject = found.index;
      if (decision.recheck && found.digest !== pin.digest)
        notes.push(`the registry's digest for ${decision.tag} differs from the pinned digest`);
      if (found.note) notes.push(found.note);
      update.target.digest = found.digest;
      update.target.addDigest = !pin.digest;
      if (label) from.version = await label;
      if (decision.type === "digest" && found.digest === pin.digest) return null;
    } else if (pin.kind === "image" && subjects && pin.image && decision.tag) {
      // A tag-only pin keeps its form; what its new tag serves is verified all the same.
      update.attestationSubject = (
        await deps.registry.digest(lookupName(pin), decision.tag)
      ).digest;
    }
    if (pin.hold) throw new Error(pin.hold);
    if (pin.kind === "installer" && pin.checksums?.length) {
      const sums = await listedChecksums(deps.releases, pin, decision);
      to.checksum = sums[pin.checksums[0]?.asset ?? ""] ?? null;
      update.target.checksums = sums;
      update.target.checksum = to.checksum;
      update.attestationSubject = to.checksum;
    } else if (pin.kind === "installer") {
      const served = await installerChecksum(deps.releases, pin, decision, subjects);
      if (served?.pinned) {
        to.checksum = served.checksum;
        update.target.checksum = served.checksum;
      }
      if (served) update.attestationSubject = served.checksum;
    }
    if (pin.kind === "version") update.attestationSubject = releaseSubject(decision.release);
    update.attestationVersion = releaseOf(update, releases);
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
  const image = lookupName(pin);
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

const FULL_VERSION = /^\d+\.\d+\.\d+$/;

/**
 * The release an update's new bytes must have been built for: the decision's release, else the
 * full version the pin moves to, else (a floating tag whose digest moves: `latest`, a variant-only
 * tag, a rolling `X.Y`) the newest published release that tag follows. A registry or mirror that
 * serves an older genuine build under the tag is then refused, not taken as current.
 */
export function releaseOf(update: PlannedUpdate, releases: readonly Release[]): string | null {
  if (update.release) return update.release.version;
  if (update.to.version && FULL_VERSION.test(update.to.version)) return update.to.version;
  if (update.pin.kind !== "image" || !update.to.tag) return null;
  const rolling = /^(\d+\.\d+)(?:-|$)/.exec(update.to.tag)?.[1];
  const candidates = releases
    .filter((r) => !r.prerelease && FULL_VERSION.test(r.version))
    .filter((r) => !rolling || r.version.startsWith(`${rolling}.`))
    .map((r) => r.version)
    .sort(compareVersions);
  return candidates.at(-1) ?? null;
}

/** The digest of the release asset that vouches for a version-only pin, or null when none has one. */
export function releaseSubject(release: Release | null): string | null {
  for (const name of RELEASE_SUBJECT_ASSETS) {
    const digest = release?.assets.find((a) => a.name === name)?.digest;
    if (digest) return digest;
  }
  return null;
}

/**
 * The checksum of the bytes an installer pin's new URL serves, cross-checked with the release
 * asset's digest; `pinned` when the file keeps it. Null when the pin keeps no checksum and no
 * attestation subject is wanted.
 */
async function installerChecksum(
  releases: ReleaseLookups,
  pin: Pin,
  decision: Extract<Decision, { action: "update" }>,
  subjects: boolean,
): Promise<{ checksum: string; pinned: boolean } | null> {
  const release = decision.release;
  const asset = pin.asset ? assetName(pin.asset) : null;
  if (release && asset && !asset.includes("${") && !release.assets.some((a) => a.name === asset)) {
    throw new Error(`uv ${release.version} has no release asset ${asset}`);
  }
  if (!decision.needChecksum && !subjects) return null;
  if (!pin.resolvedUrl || !decision.version)
    throw new Error("the installer URL cannot be resolved");
  const parts = parseInstallerUrl(pin.resolvedUrl);
  if (!parts?.version) throw new Error("the installer URL has no version to move");
  const url =
    pin.resolvedUrl.slice(0, parts.version.start) +
    decision.version +
    pin.resolvedUrl.slice(parts.version.end);
  const assetDigest = release?.assets.find((a) => a.name === asset)?.digest ?? null;
  const { checksum } = await releases.checksum(url, assetDigest);
  return { checksum, pinned: decision.needChecksum };
}

/**
 * New checksums for every checksum a pin lists, by asset: the bytes each asset's new URL serves,
 * cross-checked with that release asset's digest. Any asset missing from the release blocks the
 * update (its checksum could not move).
 */
async function listedChecksums(
  releases: ReleaseLookups,
  pin: Pin,
  decision: Extract<Decision, { action: "update" }>,
): Promise<Record<string, string>> {
  const release = decision.release;
  const version = decision.version;
  if (!version) throw new Error("the installer URL has no version to move");
  const out: Record<string, string> = {};
  for (const c of pin.checksums ?? []) {
    if (out[c.asset]) continue;
    const name = assetName(c.asset);
    if (release && !release.assets.some((a) => a.name === name)) {
      throw new Error(
        `uv ${release.version} has no release asset ${name}, whose checksum is at line ${c.line}`,
      );
    }
    const parts = parseInstallerUrl(c.url);
    if (!parts?.version)
      throw new Error(`the URL checked at line ${c.line} has no version to move`);
    const url = c.url.slice(0, parts.version.start) + version + c.url.slice(parts.version.end);
    const assetDigest = release?.assets.find((a) => a.name === name)?.digest ?? null;
    out[c.asset] = (await releases.checksum(url, assetDigest)).checksum;
  }
  return out;
}
