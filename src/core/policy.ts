/**
 * The update policy: one repository's pins, the uv releases, the tags each image has and the
 * options in; one decision per pin and the release the repository moves to out. Pure: no I/O, no
 * clock (`now` is an option), no logging.
 *
 * Lockstep: the repository has ONE target release, the newest candidate that the update types
 * allow from the highest version it pins now; every versioned pin moves to it (keeping its
 * precision and variant) or is skipped with a reason, so two files never end up on two versions.
 */
import { isVersion, parseTag } from "./matchers.js";
import type { Pin, Release } from "./types.js";
import {
  type Bump,
  bumpType,
  compareVersions,
  rangeIncludes,
  renderVersion,
  selectReleases,
} from "./version.js";

export type { Release } from "./types.js";

export type UpdateType = "major" | "minor" | "patch" | "digest" | "pin";

export interface PolicyOptions {
  /** Which updates are allowed; "pin" is implied by `pinDigests`. */
  updateTypes: UpdateType[];
  /** Semver ranges of releases never proposed. */
  ignoreVersions: string[];
  /** Days a release must have been published before it is proposed. */
  minimumReleaseAge: number;
  allowPrereleases: boolean;
  /** Tag-only image pins gain a digest. */
  pinDigests: boolean;
  now: Date;
}

export const DEFAULT_POLICY: Omit<PolicyOptions, "now"> = {
  updateTypes: ["major", "minor", "patch", "digest"],
  ignoreVersions: [],
  minimumReleaseAge: 0,
  allowPrereleases: false,
  pinDigests: false,
};

export type Decision =
  | { pin: Pin; action: "current"; note: string | null }
  | { pin: Pin; action: "skip"; reason: string }
  | {
      pin: Pin;
      action: "update";
      type: UpdateType;
      /** What the version text becomes (precision kept); null when the pin has no version text. */
      version: string | null;
      /** Image pins: the exact tag whose digest the resolver fetches, and that the pin will read. */
      tag: string | null;
      needDigest: boolean;
      needChecksum: boolean;
      release: Release | null;
      note: string | null;
      /** The version is current: only whether the pinned digest is still the tag's is in question. */
      recheck?: boolean;
    };

type Update = Omit<Extract<Decision, { action: "update" }>, "pin" | "action">;

interface Context {
  options: PolicyOptions;
  /** Each image's tags. */
  tags: ReadonlyMap<string, ReadonlySet<string>>;
  /** Releases that may be proposed to this repository (old enough, allowed bump), newest first. */
  allowed: Release[];
  target: Release | null;
  /** The highest plain version the repository pins now. */
  baseline: string | null;
  /** Why a newer release is not proposed yet (minimum release age), when one is. */
  waiting: string | null;
}

const MOVING_URL = "this URL always installs the newest release";
const MOVING_CHECKSUM = "a checksum cannot be kept for a URL that always serves the newest release";
const LATEST = "`latest` always installs the newest release";
const DIGEST_OFF = 'digest updates are off (updateTypes does not include "digest")';

export function decide(
  pins: readonly Pin[],
  releases: readonly Release[],
  tags: ReadonlyMap<string, readonly string[]>,
  options: PolicyOptions,
): { release: Release | null; decisions: Decision[] } {
  const baseline = highestVersion(pins);
  const { target, allowed, young } = selectReleases(releases, baseline, options);
  const days = options.minimumReleaseAge;
  const waiting = young
    ? `${young.version} is not proposed yet (published ${young.publishedAt}; minimumReleaseAge is ${days} day${days === 1 ? "" : "s"})`
    : null;
  const sets = new Map([...tags].map(([image, list]) => [image, new Set(list)] as const));
  const context: Context = { options, tags: sets, allowed, target, baseline, waiting };
  return { release: target, decisions: pins.map((pin) => decidePin(pin, context)) };
}

/** The highest plain version among the pins that can be read (ranges and `latest` do not count). */
function highestVersion(pins: readonly Pin[]): string | null {
  let best: string | null = null;
  for (const pin of pins) {
    const v = pin.version;
    if (pin.skipReason || pin.unpinned || v === null || !isVersion(v)) continue;
    if (best === null || compareVersions(v, best) > 0) best = v;
  }
  return best;
}

function decidePin(pin: Pin, c: Context): Decision {
  if (pin.skipReason) return skip(pin, pin.skipReason);
  if (pin.unpinned) return current(pin, pin.unpinned);
  if (pin.kind === "image") return decideImage(pin, c);
  const version = pin.version;
  if (pin.kind === "installer") {
    if (version !== null) return followText(pin, version, c);
    return pin.form === "url+checksum" ? skip(pin, MOVING_CHECKSUM) : current(pin, MOVING_URL);
  }
  if (version === null) return current(pin, null);
  if (version === "latest") return current(pin, LATEST);
  if (isVersion(version)) return followText(pin, version, c);
  const t = c.target;
  const inside = t ? rangeIncludes(version, t.version) : true;
  if (inside === null) {
    return current(
      pin,
      `\`${version}\` is not a range this policy can read, so it is left as it is`,
    );
  }
  if (inside || !t) return current(pin, null);
  return skip(
    pin,
    `the range \`${version}\` excludes ${t.version}, the release chosen for this repository`,
  );
}

/** An installer URL or a version setting: only the version text moves. */
function followText(pin: Pin, version: string, c: Context): Decision {
  const s = step(pin, version, c);
  if (s === null) return current(pin, c.waiting);
  if ("action" in s) return s;
  return update(pin, {
    ...s,
    tag: null,
    needDigest: false,
    needChecksum: pin.form === "url+checksum",
    note: c.waiting,
  });
}

/**
 * What a version text becomes at the target: null when it stays (at the target, or no target);
 * a skip when it cannot or must not move.
 */
function step(
  pin: Pin,
  version: string,
  c: Context,
): Decision | { type: Bump; version: string; release: Release } | null {
  const t = c.target;
  if (t === null) return lagging(pin, version, c);
  const text = renderVersion(version, t.version);
  if (typeof text !== "string")
    return skip(pin, `${version} cannot follow ${t.version}: ${text.error}`);
  if (text === version) return null;
  const type = bumpType(version, t.version) ?? "patch";
  if (!c.options.updateTypes.includes(type)) {
    return skip(
      pin,
      `${version} → ${text} is a ${type} update, and updateTypes does not include "${type}"`,
    );
  }
  return { type, version: text, release: t };
}

/** A pin older than the rest of the repository, when nothing can be proposed to bring it level. */
function lagging(pin: Pin, version: string, c: Context): Decision | null {
  const b = c.baseline;
  if (b === null || compareVersions(version, b) >= 0) return null;
  if (!isFullVersion(version) && bumpType(version, b) === "patch") return null;
  return skip(
    pin,
    `the repository also pins ${b}, and no release from ${b} on can be proposed, so ${version} stays`,
  );
}

function decideImage(pin: Pin, c: Context): Decision {
  const image = pin.image ?? "";
  const tags = c.tags.get(image);
  if (!tags) return skip(pin, `the registry's tags for ${image} are not known`);
  if (pin.form === "digest") return followDigest(pin, tags, c);
  const tag = pin.resolvedTag;
  if (tag === null) return skip(pin, "the tag cannot be read");
  const version = pin.version;
  if (version === null)
    return stoppedVariant(pin, tag, tags, c) ?? floating(pin, tag, null, tags, c);

  const s = step(pin, version, c);
  if (s === null) {
    if (!isFullVersion(version)) return floating(pin, tag, version, tags, c);
    if (pin.digest !== null) return recheck(pin, version, tag, tags, c);
    if (!c.options.pinDigests) return current(pin, c.waiting);
    return tagged(pin, tags, byDigest("pin", version, tag, c.target, c.waiting));
  }
  if ("action" in s) return s;
  const at = parseTag(tag).version;
  const prefix = at ? tag.slice(0, at.start) : "";
  // The variant as it resolves (the pin's `suffix` is as written, variables left in).
  const suffix = at ? tag.slice(at.end) : "";
  const next = `${prefix}${s.version}${suffix}`;
  const needDigest = pin.form === "tag+digest" || c.options.pinDigests;
  const u = { ...s, needDigest, needChecksum: false };
  if (tags.has(next)) return update(pin, { ...u, tag: next, note: c.waiting });
  if (prefix !== "" || suffix === "") return skip(pin, noTag(image, next));

  // The variant was discontinued: the newest allowed release that still has it, if any.
  const name = suffix.replace(/^-/, "");
  const closest = closestTag(tags, `${prefix}${s.version}`, suffix);
  const hint = `(there is no \`${next}\`)${closest ? `; the closest current variant is \`${closest}\`` : ""}`;
  for (const r of c.allowed) {
    const text = renderVersion(version, r.version);
    if (typeof text !== "string" || compareVersions(r.version, version) <= 0) continue;
    const type = bumpType(version, r.version) ?? "patch";
    const older = `${prefix}${text}${suffix}`;
    if (text === version || !c.options.updateTypes.includes(type) || !tags.has(older)) continue;
    const note = `the \`${name}\` variant is discontinued after ${text} ${hint}`;
    return update(pin, { ...u, type, version: text, tag: older, release: r, note });
  }
  const last = lastWithVariant(tags, prefix, suffix, version);
  const stopped = last ? `: it stopped at uv ${last}` : "";
  return skip(
    pin,
    `the \`${name}\` variant is not published for any allowed release newer than ${version}${stopped} ${hint}`,
  );
}

/** The newest version (of the pin's precision) the registry has the variant `prefix…suffix` for. */
function lastWithVariant(
  tags: ReadonlySet<string>,
  prefix: string,
  suffix: string,
  like: string,
): string | null {
  const dots = like.split(".").length;
  let last: string | null = null;
  for (const tag of tags) {
    if (!tag.startsWith(prefix) || !tag.endsWith(suffix)) continue;
    const v = tag.slice(prefix.length, tag.length - suffix.length);
    if (!isVersion(v) || v.split(".").length !== dots) continue;
    if (last === null || compareVersions(v, last) > 0) last = v;
  }
  return last;
}

/**
 * A current version pinned by digest: the resolver checks that the digest is still the tag's (its
 * index, or a platform manifest of it); if not, the pin takes the tag's digest (issue 8 §2).
 */
function recheck(
  pin: Pin,
  version: string,
  tag: string,
  tags: ReadonlySet<string>,
  c: Context,
): Decision {
  if (!c.options.updateTypes.includes("digest") || !tags.has(tag)) return current(pin, c.waiting);
  return update(pin, { ...byDigest("digest", version, tag, null, c.waiting), recheck: true });
}

/**
 * A variant-only tag (`python3.12-bookworm-slim`) whose variant is no longer published floats on
 * an older uv than the release chosen: not current. Says where it stopped and suggests the closest
 * current variant (never switched silently). Null when the variant is still published (or unknown).
 */
function stoppedVariant(
  pin: Pin,
  tag: string,
  tags: ReadonlySet<string>,
  c: Context,
): Decision | null {
  const t = c.target;
  if (t === null || tag === "latest" || parseTag(tag).version) return null;
  if (tags.has(`${t.version}-${tag}`)) return null;
  let stopped: string | null = null;
  for (const name of tags) {
    if (!name.endsWith(`-${tag}`)) continue;
    const v = name.slice(0, -tag.length - 1);
    if (isFullVersion(v) && isVersion(v) && (stopped === null || compareVersions(v, stopped) > 0))
      stopped = v;
  }
  if (stopped === null) return null;
  const closest = closestTag(tags, t.version, `-${tag}`);
  const hint = closest
    ? `; the closest current variant is \`${closest.slice(t.version.length + 1)}\``
    : "";
  return skip(
    pin,
    `the \`${tag}\` tag is no longer published: it stopped at uv ${stopped} (there is no \`${t.version}-${tag}\`)${hint}`,
  );
}

/** `latest`, a variant-only tag or a rolling `X.Y` tag that stays: only its digest can move. */
function floating(
  pin: Pin,
  tag: string,
  version: string | null,
  tags: ReadonlySet<string>,
  c: Context,
): Decision {
  if (pin.digest !== null) {
    if (!c.options.updateTypes.includes("digest")) return skip(pin, DIGEST_OFF);
    return tagged(pin, tags, byDigest("digest", version, tag, null, null));
  }
  if (!c.options.pinDigests) return current(pin, null);
  return tagged(pin, tags, byDigest("pin", version, tag, null, null));
}

/** `uv@sha256:…` keeps its form and takes the digest of the target's plain `X.Y.Z` tag. */
function followDigest(pin: Pin, tags: ReadonlySet<string>, c: Context): Decision {
  const t = c.target;
  if (t === null) return current(pin, c.waiting);
  if (!c.options.updateTypes.includes("digest")) return skip(pin, DIGEST_OFF);
  return tagged(pin, tags, byDigest("digest", null, t.version, t, c.waiting));
}

/**
 * The tag of `head` (a version, as the pin writes it) whose variant is most like `suffix`: most
 * shared hyphen-separated parts, then most parts of the same kind (`python3.8` ~ `python3.9`),
 * then fewest other parts, then the lowest in natural order. Null when nothing is alike.
 */
export function closestTag(tags: Iterable<string>, head: string, suffix: string): string | null {
  const want = parts(suffix);
  const stem = (p: string) => /^[a-z]+/i.exec(p)?.[0] ?? "";
  let best: { tag: string; score: number; extra: number } | null = null;
  for (const tag of tags) {
    if (!tag.startsWith(`${head}-`)) continue;
    const have = parts(tag.slice(head.length));
    const shared = want.filter((p) => have.includes(p));
    const alike = want.filter(
      (p) =>
        !shared.includes(p) &&
        stem(p) &&
        have.some((h) => !want.includes(h) && stem(h) === stem(p)),
    );
    const score = 2 * shared.length + alike.length;
    const extra = have.length - shared.length;
    if (score === 0) continue;
    const better =
      best === null ||
      score > best.score ||
      (score === best.score &&
        (extra < best.extra || (extra === best.extra && naturalOrder(tag, best.tag) < 0)));
    if (better) best = { tag, score, extra };
  }
  return best?.tag ?? null;
}

function parts(suffix: string): string[] {
  return suffix.split("-").filter((p) => p !== "");
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** `X.Y.Z` (possibly a pre-release) as opposed to a rolling `X.Y`. */
export function isFullVersion(version: string): boolean {
  return /^\d+\.\d+\.\d+/.test(version);
}

function noTag(image: string, tag: string): string {
  return `${image} has no tag \`${tag}\``;
}

/** An update whose tag stays as given: the resolver fetches that tag's digest. */
function byDigest(
  type: UpdateType,
  version: string | null,
  tag: string,
  release: Release | null,
  note: string | null,
): Update & { tag: string } {
  return { type, version, tag, needDigest: true, needChecksum: false, release, note };
}

function tagged(pin: Pin, tags: ReadonlySet<string>, u: Update & { tag: string }): Decision {
  return tags.has(u.tag) ? update(pin, u) : skip(pin, noTag(pin.image ?? "", u.tag));
}

function update(pin: Pin, u: Update): Decision {
  return { pin, action: "update", ...u };
}

function current(pin: Pin, note: string | null): Decision {
  return { pin, action: "current", note };
}

function skip(pin: Pin, reason: string): Decision {
  return { pin, action: "skip", reason };
}
