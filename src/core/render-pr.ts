/**
 * The app's pull request, rendered from a plan (pure): title, commit message and body. The body
 * shows, in order, a summary, every applied change (linked to the line at the base commit), the
 * release notes from the oldest version replaced (exclusive) to the target, the attestation of
 * each new digest or checksum, what was blocked or skipped and why, the comment commands, and a
 * hidden metadata comment (see render-pr-metadata.ts). Everything from outside is escaped (see
 * render-pr-escape.ts). The body fits GitHub's 65,536 characters: release notes give way first,
 * oldest first; the table, the attestations and the metadata are kept.
 */
import { renderAttestation } from "./render-attestation.js";
import {
  codeSpan,
  cut,
  flatten,
  htmlText,
  inlineText,
  link,
  quoteNotes,
} from "./render-pr-escape.js";
import { fingerprint, metadataComment, type PrMetadata } from "./render-pr-metadata.js";
import {
  applied,
  artifactName,
  artifacts,
  blockedUpdates,
  checksumMoves,
  commands,
  digestOnly,
  hashOf,
  headline,
  LEFT_OUT_HEADER,
  labelOf,
  leftOutRows,
  notesRange,
  type PrPlan,
  type PrUpdate,
  plural,
  proposedVersions,
  shortHash,
  stateCell,
  subject,
  targetVersion,
  unverifiedReason,
  where,
} from "./render-pr-parts.js";
import type { Release } from "./types.js";
import { compareVersions } from "./version.js";

export {
  type AttestationMode,
  CHECK_OUTPUT_LIMIT,
  CHECK_RUN_NAME,
  type CheckRunOutput,
  COMMENT_LIMIT,
  checkRunOutput,
  helpComment,
  planComment,
} from "./render-pr-check.js";
export { fingerprint, type PrMetadata, parseMetadata } from "./render-pr-metadata.js";
export type { PrPinState, PrPlan, PrUpdate } from "./render-pr-parts.js";

/** GitHub's limit on a pull request body, in characters. */
export const PR_BODY_LIMIT = 65_536;
/** Characters a rendered body leaves free for the app's own marks (github-prs.ts). */
export const PR_BODY_MARK_ROOM = 128;
const BODY_LIMIT = PR_BODY_LIMIT - PR_BODY_MARK_ROOM;

/** `chore(deps): update uv to 0.9.18`, or `… update uv digests` when no version moves. */
export function prTitle(plan: PrPlan): string {
  const prefix = flatten(plan.config.commitMessagePrefix, 100).trim();
  return prefix === "" ? headline(plan) : `${prefix} ${headline(plan)}`;
}

/** One commit line: `Dockerfile:4 ghcr.io/astral-sh/uv 0.9.17 -> 0.9.18`. */
function commitLine(u: PrUpdate): string {
  const state = (s: PrUpdate["from"], withHash: boolean) => {
    const label = labelOf(u.pin, s);
    const hash = hashOf(u.pin, s);
    if (!withHash || hash === null) return label ?? "(none)";
    if (label === null) return shortHash(hash);
    return u.pin.kind === "image" ? `${label}@${shortHash(hash)}` : `${label} (${shortHash(hash)})`;
  };
  const sameLabel = labelOf(u.pin, u.from) === labelOf(u.pin, u.to);
  const change = `${state(u.from, sameLabel)} -> ${state(u.to, sameLabel)}`;
  return flatten(`${u.pin.file}:${u.pin.line} ${subject(u.pin)} ${change}`, 500);
}

/** The title, a blank line, one line per applied change. */
export function commitMessage(plan: PrPlan): string {
  const lines = applied(plan).map(commitLine);
  return lines.length === 0 ? prTitle(plan) : `${prTitle(plan)}\n\n${lines.join("\n")}`;
}

/** The metadata the body carries. */
export function prMetadata(plan: PrPlan): PrMetadata {
  return {
    schema: 1,
    target: targetVersion(plan),
    versions: proposedVersions(plan),
    fingerprint: fingerprint(plan.updates),
    baseSha: plan.repository.baseSha,
    head: plan.repository.headSha ?? null,
  };
}

const version = (v: string) => inlineText(v, { max: 100 });

function list(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function summary(plan: PrPlan): string {
  const updates = applied(plan);
  const files = new Set(updates.map((u) => u.pin.file)).size;
  const places =
    files === updates.length
      ? plural(files, "file")
      : `${plural(updates.length, "place")} in ${plural(files, "file")}`;
  const target = targetVersion(plan);
  const out: string[] = [];
  if (updates.length === 0) out.push("This pull request applies nothing: every update is blocked.");
  else if (digestOnly(plan) || target === null)
    out.push(`This pull request updates the pinned digests and checksums of uv in ${places}.`);
  else {
    const moves = updates.filter((u) => u.to.version !== u.from.version);
    const froms = [...new Set(moves.map((u) => u.from.version).filter((v) => v !== null))].sort(
      compareVersions,
    );
    const from = froms.length > 0 ? ` from ${list(froms.map(version))}` : "";
    out.push(`This pull request updates uv${from} to ${version(target)} in ${places}.`);
    for (const other of proposedVersions(plan).filter((v) => v !== target)) {
      const n = updates.filter((u) => (u.release?.version ?? u.to.version) === other).length;
      out.push(`${plural(n, "pin")} can only go as far as ${version(other)} (see the notes).`);
    }
    const date = /^\d{4}-\d{2}-\d{2}/.exec(plan.release?.publishedAt ?? "")?.[0];
    if (date && plan.release?.version === target)
      out.push(`uv ${version(target)} was published on ${date}.`);
  }
  const arts = artifacts(updates);
  const unverified = arts.filter((a) => unverifiedReason(a) !== null).length;
  if (arts.length > 0 && unverified === 0)
    out.push(
      arts.length === 1
        ? `The new ${arts[0]?.kind} has a verified attestation.`
        : `All ${arts.length} new digests and checksums have verified attestations.`,
    );
  else if (arts.length > 0)
    out.push(
      `${unverified} of ${plural(arts.length, "new digest or checksum", "new digests and checksums")} ${unverified === 1 ? "has" : "have"} no verified attestation: see below.`,
    );
  const blocked = blockedUpdates(plan).length;
  const skipped = plan.skipped.length;
  if (blocked + skipped > 0) {
    const parts = [
      blocked > 0 ? `${plural(blocked, "update")} ${blocked === 1 ? "is" : "are"} blocked` : "",
      skipped > 0 ? `${plural(skipped, "pin")} ${skipped === 1 ? "was" : "were"} skipped` : "",
    ];
    out.push(`${list(parts.filter(Boolean))}: see below.`);
  }
  return out.join(" ");
}

function whatCell(u: PrUpdate): string {
  if (u.pin.kind === "image") return codeSpan(u.pin.image ?? "image", { table: true, max: 200 });
  if (u.pin.kind === "version") return "version";
  return u.pin.asset
    ? `installer ${codeSpan(u.pin.asset, { table: true, max: 200 })}`
    : "installer";
}

function changes(plan: PrPlan): string {
  const updates = applied(plan);
  if (updates.length === 0) return "### Changes\n\nNone.";
  const rows = updates.map(
    (u) =>
      `| ${where(plan, u.pin.file, u.pin.line)} | ${whatCell(u)} | ${stateCell(u.pin, u.from)} | ${stateCell(u.pin, u.to)} | ${u.type} |`,
  );
  const notes = updates
    .filter((u) => u.note !== null)
    .map((u) => `- ${where(plan, u.pin.file, u.pin.line, false)}: ${inlineText(u.note ?? "")}`);
  // Every checksum a download lists (one per architecture), each where it is written.
  for (const u of updates) {
    const moves = checksumMoves(u);
    if (!moves || (moves.length < 2 && !moves[0]?.arch)) continue;
    for (const m of moves) {
      const what = `${codeSpan(m.asset)}${m.arch ? ` (${inlineText(m.arch)})` : ""}`;
      const change = m.to
        ? `${codeSpan(shortHash(m.from))} → ${codeSpan(m.to)}`
        : `${codeSpan(shortHash(m.from))} (unchanged)`;
      notes.push(`- ${where(plan, u.pin.file, m.line, false)}: checksum of ${what}: ${change}`);
    }
  }
  const table = ["### Changes", "", "| file | what | from | to | type |", "|---|---|---|---|---|"];
  return [...table, ...rows, ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

/** One release's notes, collapsed; `keep` characters of the notes (all when null). */
function releaseNotes(release: Release, keep: number | null): string {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(release.publishedAt)?.[0];
  const page = link("release page", release.url);
  const head = [`<details><summary>uv ${htmlText(release.version)}</summary>`, ""];
  head.push(date ? `${page} · published ${date}` : page, "");
  const notes = keep === null ? release.notes : cut(release.notes, keep);
  const quoted = notes.trim() === "" ? "" : quoteNotes(notes);
  if (quoted !== "") head.push(quoted, "");
  if (keep !== null && keep < release.notes.length) head.push(`*… truncated, see the ${page}*`, "");
  else if (quoted === "") head.push("*No release notes.*", "");
  return [...head, "</details>"].join("\n");
}

function attestations(plan: PrPlan): string | null {
  const arts = artifacts(applied(plan));
  if (arts.length === 0) return null;
  const sections = arts.map((a) => {
    const used = a.updates.map((u) => where(plan, u.pin.file, u.pin.line, false));
    const body = a.summary
      ? renderAttestation(a.summary).trimEnd()
      : "*No attestation was checked.*";
    const by = a.kind === "release" ? "Vouches for the version at" : "Pinned by";
    return `#### ${artifactName(a)} ${codeSpan(a.hash)}\n\n${by} ${list(used)}.\n\n${body}`;
  });
  return ["### Attestations", ...sections].join("\n\n");
}

function leftOut(plan: PrPlan): string | null {
  const rows = leftOutRows(plan);
  if (rows.length === 0) return null;
  return ["### Not in this pull request", "", ...LEFT_OUT_HEADER, ...rows].join("\n");
}

function footer(plan: PrPlan): string {
  const branch = codeSpan(plan.repository.defaultBranch, { max: 200 });
  const lines = commands(branch).map(([command, what]) => `- \`${command}\`: ${what}`);
  return ["---", "", "Comment on this pull request (write access needed):", "", ...lines].join(
    "\n",
  );
}

/** Whether GitHub signed the app's commit, as its answer said (nothing when it did not say). */
function signature(plan: PrPlan): string | null {
  const verified = plan.repository.headVerified;
  if (verified === true) return "The commit is **Verified**: GitHub signed it for uv-pin-bot.";
  if (verified === false)
    return "The commit is **not Verified**: GitHub did not sign it (a rule requiring signed commits would refuse it).";
  return null;
}

const LEFT_OUT_NOTE = "*… the rest of this description is left out to fit GitHub's size limit.*";

/** The pull request body, at most PR_BODY_LIMIT - PR_BODY_MARK_ROOM characters. */
export function prBody(plan: PrPlan): string {
  const before = [summary(plan), changes(plan)];
  const after = [attestations(plan), leftOut(plan), signature(plan), footer(plan)].filter(
    (p): p is string => p !== null,
  );
  const meta = metadataComment(prMetadata(plan));
  const releases = notesRange(plan);
  const body = (notes: readonly string[]) => {
    const dropped = releases.slice(notes.length).map((r) => version(r.version));
    const span = dropped.length === 1 ? dropped[0] : `${dropped.at(-1)} to ${dropped[0]}`;
    const part = releases.length === 0 ? [] : ["### Release notes", ...notes];
    if (dropped.length > 0)
      part.push(`*Release notes of uv ${span} are left out to fit GitHub's size limit.*`);
    return `${[...before, ...part, ...after, meta].join("\n\n")}\n`;
  };
  // Every release gets at least its heading and link, the oldest dropped when even that is too
  // much; then the notes fill what is left, newest first, so the oldest are cut first.
  const full = releases.map((r) => releaseNotes(r, null));
  const notes = releases.map((r, i) => {
    const least = releaseNotes(r, 0);
    return least.length < (full[i] as string).length ? least : (full[i] as string);
  });
  while (notes.length > 0 && body(notes).length > BODY_LIMIT) notes.pop();
  for (let i = 0; i < notes.length; i++) {
    const least = notes[i] as string;
    notes[i] = full[i] as string;
    const over = body(notes).length - BODY_LIMIT;
    if (over <= 0) continue;
    const release = releases[i] as Release;
    const room = (full[i] as string).length - over;
    const fitted = releaseNotes(release, fitNotes(release, room));
    notes[i] = fitted.length <= room ? fitted : least;
    break;
  }
  const text = body(notes);
  if (text.length <= BODY_LIMIT) return text;
  // Only a plan of thousands of pins gets here: keep the start and the metadata.
  const room = BODY_LIMIT - meta.length - LEFT_OUT_NOTE.length - 5;
  const head = cut([...before, ...after].join("\n\n"), room);
  const line = head.lastIndexOf("\n");
  return `${[line > 0 ? head.slice(0, line) : head, LEFT_OUT_NOTE, meta].join("\n\n")}\n`;
}

/** How many characters of a release's notes fit its section into `room` (0 when none do). */
function fitNotes(release: Release, room: number): number {
  let lo = 0;
  let hi = release.notes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (releaseNotes(release, mid).length <= room) lo = mid;
    else hi = mid - 1;
  }
  const kept = cut(release.notes, lo);
  const line = kept.lastIndexOf("\n");
  return line > 0 && lo - line < 2000 && lo < release.notes.length ? line : kept.length;
}
