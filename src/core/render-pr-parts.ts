/**
 * The pieces the pull request, the check run and the comments share: what a plan applies, its
 * target, where a pin is (linked), how a pin's state reads, which new digests need an
 * attestation, which releases' notes to show, and what was left out.
 */
import type { AttestationSummary } from "./attestation-policy.js";
import type { Config } from "./config.js";
import type { UpdateType } from "./policy.js";
import { codeSpan, encodeSegment, flatten, inlineText } from "./render-pr-escape.js";
import type { Pin, Release, Skipped } from "./types.js";
import { compareVersions } from "./version.js";

export interface PrPinState {
  version: string | null;
  tag: string | null;
  digest: string | null;
  checksum: string | null;
}

/** The parts of a planned update (`PlannedUpdate` from the resolver) that rendering reads. */
export interface PrUpdate {
  pin: Pin;
  type: UpdateType;
  from: PrPinState;
  to: PrPinState;
  release: Release | null;
  note: string | null;
  /** An `AttestationSummary` once verified; anything else counts as not verified. */
  attestation: unknown | null;
  /** The summary of each digest the update brings (every listed checksum), when verified. */
  attestations?: Readonly<Record<string, unknown>> | null;
  blocked: string | null;
  /** What the rewriter writes: each listed checksum's new value, by asset. */
  target?: { checksums?: Record<string, string> | null; checksum?: string | null };
}

/** A checksum tied to an installer's download: where, what it checks, its value before and after. */
export interface ChecksumMove {
  line: number;
  asset: string;
  arch: string | null;
  from: string;
  /** The new value, or null when it does not change. */
  to: string | null;
}

/** Every checksum an update's pin lists, with what it becomes; null when the pin lists none. */
export function checksumMoves(u: {
  pin: Pin;
  to: { checksum: string | null };
  target?: { checksums?: Record<string, string> | null; checksum?: string | null };
}): ChecksumMove[] | null {
  const list = u.pin.checksums;
  if (!list?.length) return null;
  return list.map((c) => {
    const next =
      u.target?.checksums?.[c.asset] ??
      (list.length === 1 ? (u.target?.checksum ?? u.to.checksum) : null);
    return {
      line: c.line,
      asset: c.asset,
      arch: c.arch,
      from: c.digest,
      to: next && next !== c.digest ? next : null,
    };
  });
}

export interface PrPlan {
  repository: {
    owner: string;
    repo: string;
    defaultBranch: string;
    baseSha: string;
    /** The commit the app pushed for this plan (recorded in the metadata), once it exists. */
    headSha?: string;
    /** Whether GitHub signed that commit (`verification.verified`); null or absent: unknown. */
    headVerified?: boolean | null;
  };
  /** The target release. */
  release: Release | null;
  /** Every known release, newest first. */
  releases: readonly Release[];
  updates: readonly PrUpdate[];
  skipped: readonly Skipped[];
  config: Pick<Config, "commitMessagePrefix">;
}

export const applied = (plan: PrPlan) => plan.updates.filter((u) => u.blocked === null);
export const blockedUpdates = (plan: PrPlan) => plan.updates.filter((u) => u.blocked !== null);

const newestFirst = (a: string, b: string) => compareVersions(b, a) || (a < b ? -1 : a > b ? 1 : 0);

/** The versions the applied updates pin (the release's version for a rolling pin), newest first. */
export function proposedVersions(plan: PrPlan): string[] {
  const versions = applied(plan).map((u) => u.release?.version ?? u.to.version);
  return [...new Set(versions.filter((v): v is string => v !== null))].sort(newestFirst);
}

/** The main target: the plan's release, else the newest version proposed. */
export function targetVersion(plan: PrPlan): string | null {
  return plan.release?.version ?? proposedVersions(plan)[0] ?? null;
}

/** Whether every applied update keeps its version (digest refreshes and new digest pins). */
export function digestOnly(plan: PrPlan): boolean {
  const updates = applied(plan);
  return updates.length > 0 && updates.every((u) => u.type === "digest" || u.type === "pin");
}

/** `update uv to 0.9.18`, `update uv digests` when no version moves, else `update uv`. */
export function headline(plan: PrPlan): string {
  const target = targetVersion(plan);
  if (digestOnly(plan)) return "update uv digests";
  return target === null ? "update uv" : `update uv to ${flatten(target, 100)}`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `sha256:` and the first 12 hex digits. */
export const shortHash = (hash: string) =>
  hash.startsWith("sha256:") ? hash.slice(0, 19) : hash.slice(0, 12);

/** The blob URL of a file (and line) at the base commit. */
export function blobUrl(plan: PrPlan, file: string, line: number | null): string {
  const { owner, repo, baseSha } = plan.repository;
  const path = file.split("/").map(encodeSegment).join("/");
  const head = [owner, repo, "blob", baseSha].map(encodeSegment).join("/");
  return `https://github.com/${head}/${path}${line === null ? "" : `#L${line}`}`;
}

/** `[`file:line`](blob URL)`, safe in a table cell (or, with `table` false, in prose). */
export function where(plan: PrPlan, file: string, line: number | null, table = true): string {
  const text = codeSpan(line === null ? file : `${file}:${line}`, { table, max: 300 });
  return `[${text}](${blobUrl(plan, file, line)})`;
}

/** What a pin is, for a commit line: the image, `uv installer`, or `uv`. */
export function subject(pin: Pin): string {
  if (pin.kind === "image") return pin.image ?? "image";
  return pin.kind === "installer" ? "uv installer" : "uv";
}

/** The hash a pin's state carries: an image digest or an installer checksum. */
export const hashOf = (pin: Pin, s: PrPinState) => (pin.kind === "image" ? s.digest : s.checksum);

/** The version or tag a pin's state reads as. */
export function labelOf(pin: Pin, s: PrPinState): string | null {
  if (pin.kind === "image") return s.tag ?? (s.digest === null ? s.version : null);
  return s.version ?? (pin.kind === "installer" ? "latest" : null);
}

/** A state as a table cell: version or tag, then the short digest or checksum. */
export function stateCell(pin: Pin, s: PrPinState): string {
  const label = labelOf(pin, s);
  const hash = hashOf(pin, s);
  const parts = [label === null ? null : codeSpan(label, { table: true, max: 200 })];
  if (hash !== null) parts.push(codeSpan(shortHash(hash), { table: true }));
  if (pin.kind === "image" && s.tag === null && s.version !== null && hash !== null)
    parts.push(`(uv ${codeSpan(s.version, { table: true, max: 100 })})`);
  const cell = parts.filter((p): p is string => p !== null).join(" ");
  return cell === "" ? "—" : cell;
}

/** A new digest or checksum the pull request pins, with the updates that pin it. */
export interface Artifact {
  /** `release`: a version-only pin, vouched for by its release's attested manifest. */
  kind: "digest" | "checksum" | "release";
  hash: string;
  updates: PrUpdate[];
  /** The attestation summary (an unverified one wins over a verified one), or null. */
  summary: AttestationSummary | null;
}

export function asSummary(value: unknown): AttestationSummary | null {
  if (typeof value !== "object" || value === null) return null;
  const s = value as Partial<AttestationSummary>;
  return typeof s.verified === "boolean" && Array.isArray(s.checks)
    ? (value as AttestationSummary)
    : null;
}

/** The distinct new digests and checksums of some updates, in the order they first appear. */
export function artifacts(updates: readonly PrUpdate[]): Artifact[] {
  const byHash = new Map<string, Artifact>();
  for (const u of updates) {
    const main = asSummary(u.attestation);
    const fresh = hashOf(u.pin, u.to) === hashOf(u.pin, u.from) ? null : hashOf(u.pin, u.to);
    // An attested installer whose pin keeps no checksum is shown by the digest it was checked on.
    const first = fresh ?? main?.subjectDigest ?? null;
    // Then every other new checksum the pin lists (one per architecture), each with its own summary.
    const more = (checksumMoves(u) ?? []).map((m) => m.to).filter((h): h is string => h !== null);
    for (const hash of [...new Set([first, ...more])]) {
      if (hash === null) continue;
      const summary = asSummary(u.attestations?.[hash]) ?? (hash === first ? main : null);
      const artifact = byHash.get(hash) ?? {
        kind: u.pin.kind === "image" ? "digest" : u.pin.kind === "version" ? "release" : "checksum",
        hash,
        updates: [],
        summary: null,
      };
      if (!artifact.updates.includes(u)) artifact.updates.push(u);
      if (
        summary &&
        (artifact.summary === null || (artifact.summary.verified && !summary.verified))
      )
        artifact.summary = summary;
      byHash.set(hash, artifact);
    }
  }
  return [...byHash.values()];
}

/** An artifact's heading word. */
export const artifactName = (a: Artifact) =>
  a.kind === "digest" ? "Digest" : a.kind === "release" ? "Release manifest" : "Checksum";

/** Why an artifact is not verified, or null when it is. */
export function unverifiedReason(artifact: Artifact): string | null {
  if (artifact.summary === null) return "no attestation was checked";
  if (artifact.summary.verified) return null;
  return artifact.summary.reason ?? "not verified";
}

/**
 * The releases whose notes the pull request shows, newest first: after the oldest version being
 * replaced, up to the target. Pre-releases only when one is the target. None for digest refreshes.
 */
export function notesRange(plan: PrPlan): Release[] {
  const target = targetVersion(plan);
  const moves = applied(plan).filter(
    (u) => u.to.version !== null && u.to.version !== u.from.version,
  );
  if (target === null || moves.length === 0) return [];
  const froms = moves.map((u) => u.from.version).filter((v): v is string => v !== null);
  const oldest = froms.sort(compareVersions)[0] ?? null;
  const known = new Map<string, Release>();
  for (const r of [...plan.releases, ...(plan.release ? [plan.release] : [])])
    if (!known.has(r.version)) known.set(r.version, r);
  return [...known.values()]
    .filter(
      (r) =>
        compareVersions(r.version, target) <= 0 &&
        (oldest === null ? r.version === target : compareVersions(r.version, oldest) > 0) &&
        (!r.prerelease || r.version === target),
    )
    .sort((a, b) => newestFirst(a.version, b.version));
}

/** The rows of what the pull request leaves out: blocked updates, then skipped pins. */
export function leftOutRows(plan: PrPlan): string[] {
  const blocked = blockedUpdates(plan).map((u) => {
    const change = `${stateCell(u.pin, u.from)} → ${stateCell(u.pin, u.to)}`;
    const reason = inlineText(u.blocked ?? "", { table: true, max: 500 });
    return `| ${where(plan, u.pin.file, u.pin.line)} | blocked: ${change} | ${reason} |`;
  });
  const skipped = plan.skipped.map(
    (s) =>
      `| ${where(plan, s.file, s.line)} | skipped | ${inlineText(s.reason, { table: true, max: 500 })} |`,
  );
  return [...blocked, ...skipped];
}

export const LEFT_OUT_HEADER = ["| file | | why |", "|---|---|---|"];

/** The comment commands, with what each does (`branch`: the default branch, as Markdown). */
export function commands(branch = "the default branch"): [string, string][] {
  return [
    ["/uv-update", "open the pull request now, or bring it up to date with the newest release"],
    ["/uv-update check", "reply with the plan: what would change and each attestation's result"],
    ["/uv-update rebase", `rebuild the branch on ${branch}, replacing any commits added to it`],
    ["/uv-update help", "list these commands"],
  ];
}
