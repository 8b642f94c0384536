/**
 * uv versions: reading them (plain `X.Y.Z`, rolling `X.Y`, pre-releases written the Python way
 * `0.10.0rc1` or the semver way `0.10.0-rc.1`), comparing them, naming the kind of bump between
 * two of them, and testing them against ranges (semver ranges, and the Python specifiers that
 * `required-version` and setup-uv use). Pure.
 */
import semver from "semver";
import { isVersion } from "./matchers.js";
import type { Release } from "./types.js";

export type Bump = "major" | "minor" | "patch";

const PLAIN = /^\d+\.\d+\.\d+$/;
const PYTHONISH =
  /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-.]?(a|alpha|b|beta|c|rc|pre|preview|dev)[-.]?(\d+)?)?$/i;
const SEMVER_PRE = /^\d+\.\d+\.\d+-[0-9A-Za-z.-]+$/;
const LABELS: Record<string, string> = {
  a: "alpha",
  alpha: "alpha",
  b: "beta",
  beta: "beta",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
  // `0` sorts before every alphanumeric identifier: dev < alpha < beta < rc < the release.
  dev: "0.dev",
};
const WITH_PRERELEASES = { includePrerelease: true } as const;

/** Whether a version is a plain release `X.Y.Z` (anything else counts as a pre-release). */
export function isPlainRelease(version: string): boolean {
  return PLAIN.test(version);
}

/**
 * The semver form of a uv version, or null when it is not one. A rolling `X.Y` reads as `X.Y.0`;
 * `0.10.0rc1` as `0.10.0-rc.1`, `0.10.0a1` as `0.10.0-alpha.1`, `0.10.0.dev1` as `0.10.0-0.dev.1`.
 */
export function toSemver(version: string): string | null {
  const m = PYTHONISH.exec(version);
  if (m) {
    const core = `${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`;
    const label = m[4] === undefined ? undefined : LABELS[m[4].toLowerCase()];
    return label === undefined ? core : `${core}-${label}.${Number(m[5] ?? 0)}`;
  }
  return SEMVER_PRE.test(version) ? semver.valid(version) : null;
}

/** Orders two versions (negative when `a` is older); a text that is not a version sorts first. */
export function compareVersions(a: string, b: string): number {
  const sa = toSemver(a);
  const sb = toSemver(b);
  if (sa === null || sb === null) return (sa === null ? 0 : 1) - (sb === null ? 0 : 1);
  return semver.compare(sa, sb);
}

/**
 * The kind of bump from one version to a newer one: a change of the first number is major, of
 * the second minor (so `0.9.x` → `0.10.0` is minor and `0.x` → `1.0.0` major), anything else
 * patch. Null when the versions are equal or either is not a version.
 */
export function bumpType(from: string, to: string): Bump | null {
  const a = toSemver(from);
  const b = toSemver(to);
  if (a === null || b === null || semver.eq(a, b)) return null;
  if (semver.major(a) !== semver.major(b)) return "major";
  if (semver.minor(a) !== semver.minor(b)) return "minor";
  return "patch";
}

/** Whether a version falls in any of the semver ranges (pre-releases included). */
export function inAnyRange(version: string, ranges: readonly string[]): boolean {
  const v = toSemver(version);
  return v !== null && ranges.some((range) => semver.satisfies(v, range, WITH_PRERELEASES));
}

/** Whether a release is at least `days` old at `now`. No minimum (0 days) accepts any date. */
export function isOldEnough(publishedAt: string, days: number, now: Date): boolean {
  if (days <= 0) return true;
  const age = now.getTime() - Date.parse(publishedAt);
  return age >= days * 86_400_000;
}

const CLAUSE = /^(===|==|!=|~=|>=|<=|>|<)\s*(\S+)$/;
const PREFIX = /^(\d+(?:\.\d+)?)\.\*$/;

/**
 * Whether a range admits a version: `true`/`false`, or null when the range cannot be read.
 * Reads Python specifiers (`>=0.5`, `~=0.9`, `==0.9.*`, `>=0.9.0,<0.10`, `!=0.9.3`) and, failing
 * that, semver ranges (`0.9.x`, `^0.9.0`).
 */
export function rangeIncludes(range: string, version: string): boolean | null {
  const v = toSemver(version);
  if (v === null) return null;
  const clauses = range.split(",").map((c) => c.trim());
  const tests = clauses.map((clause) => pythonClause(clause));
  if (tests.every((t) => t !== null)) return tests.every((t) => t(v, version));
  // Python-only syntax that did not read as Python is not guessed at as semver.
  if (clauses.length > 1 || /[~=!]=/.test(range)) return null;
  const semverRange = semver.validRange(range.trim(), WITH_PRERELEASES);
  return semverRange === null ? null : semver.satisfies(v, semverRange, WITH_PRERELEASES);
}

type Test = (semverVersion: string, text: string) => boolean;

/** One Python version specifier clause as a test, or null when it cannot be read. */
function pythonClause(clause: string): Test | null {
  const m = CLAUSE.exec(clause);
  if (!m) return null;
  const op = m[1] as string;
  const operand = m[2] as string;
  if (op === "===") return (_, text) => text === operand;
  const prefix = PREFIX.exec(operand);
  if (prefix) {
    if (op !== "==" && op !== "!=") return null;
    const range = `${prefix[1]}.x`;
    return (v) => semver.satisfies(v, range, WITH_PRERELEASES) === (op === "==");
  }
  const bound = toSemver(operand.includes(".") ? operand : `${operand}.0`);
  if (bound === null) return null;
  const isPre = semver.prerelease(bound) !== null;
  switch (op) {
    case "==":
      return (v) => semver.eq(v, bound);
    case "!=":
      return (v) => !semver.eq(v, bound);
    case "~=": {
      const numbers =
        operand
          .match(/^\d+(?:\.\d+)*/)?.[0]
          .split(".")
          .map(Number) ?? [];
      if (numbers.length < 2) return null;
      const upper = numbers.slice(0, -1);
      upper[upper.length - 1] = (upper[upper.length - 1] ?? 0) + 1;
      while (upper.length < 3) upper.push(0);
      const range = `>=${bound} <${upper.join(".")}-0`;
      return (v) => semver.satisfies(v, range, WITH_PRERELEASES);
    }
    case "<":
      // `<0.10` does not admit 0.10's own pre-releases (unless the bound is one).
      return (v) => semver.lt(v, isPre ? bound : `${bound}-0`);
    default:
      return (v) => semver.satisfies(v, `${op}${bound}`, WITH_PRERELEASES);
  }
}

/** What limits the releases a repository may be offered. */
export interface ReleaseFilter {
  updateTypes: readonly string[];
  ignoreVersions: readonly string[];
  minimumReleaseAge: number;
  allowPrereleases: boolean;
  now: Date;
}

export interface ReleaseChoice {
  /** The newest release that may be proposed (at or above `baseline`), or null. */
  target: Release | null;
  /** Every release that may be proposed, newest first (`target` first). */
  allowed: Release[];
  /** A newer release that would be proposed but is younger than the minimum age. */
  young: Release | null;
}

/**
 * The releases a repository at `baseline` (its highest pinned version; null when none) may be
 * offered: `X.Y.Z` only unless pre-releases are allowed (anything else, or a release flagged as a
 * pre-release, is one), not in an ignored range, at or above the baseline by an allowed bump, and
 * old enough.
 */
export function selectReleases(
  releases: readonly Release[],
  baseline: string | null,
  filter: ReleaseFilter,
): ReleaseChoice {
  const seen = new Set<string>();
  const reachable: Release[] = [];
  for (const release of releases) {
    const v = toSemver(release.version);
    if (v === null || seen.has(v) || !/^\d+\.\d+\.\d+/.test(release.version)) continue;
    const pre = release.prerelease || !isPlainRelease(release.version);
    if (pre && !filter.allowPrereleases) continue;
    if (inAnyRange(release.version, filter.ignoreVersions)) continue;
    if (baseline !== null) {
      const bump = bumpType(baseline, release.version);
      if (compareVersions(release.version, baseline) < 0) continue;
      if (bump !== null && !filter.updateTypes.includes(bump)) continue;
    }
    seen.add(v);
    reachable.push(release);
  }
  reachable.sort((a, b) => compareVersions(b.version, a.version));
  const allowed = reachable.filter((r) =>
    isOldEnough(r.publishedAt, filter.minimumReleaseAge, filter.now),
  );
  const target = allowed[0] ?? null;
  const newest = reachable[0] ?? null;
  return { target, allowed, young: newest !== target ? newest : null };
}

/** The version text a pin should read for a target version, keeping its precision. */
export function renderVersion(current: string, target: string): string | { error: string } {
  if (!isVersion(current)) return { error: `\`${current}\` is not a plain version` };
  if (!isVersion(target)) return { error: `target \`${target}\` is not a version` };
  const precision = current.split(".").length;
  const parts = target.split(".");
  if (parts.length < precision)
    return { error: `target \`${target}\` is less precise than \`${current}\`` };
  return precision === 2 ? `${parts[0]}.${parts[1]?.replace(/\D.*$/, "")}` : target;
}
