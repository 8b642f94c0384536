/**
 * The check run `uv-pin-bot / provenance` and the replies to comment commands (pure). The check
 * passes when every new digest and checksum the pull request pins has a verified attestation,
 * fails with the reasons otherwise, and is neutral when verification is off. `/uv-update check`
 * gets the plan as a table with each row's attestation result; nothing is opened.
 */
import { renderAttestation } from "./render-attestation.js";
import { codeSpan } from "./render-pr-escape.js";
import {
  applied,
  artifactName,
  artifacts,
  asSummary,
  blockedUpdates,
  commands,
  hashOf,
  headline,
  LEFT_OUT_HEADER,
  leftOutRows,
  type PrPlan,
  type PrUpdate,
  plural,
  shortHash,
  stateCell,
  unverifiedReason,
  where,
} from "./render-pr-parts.js";

export const CHECK_RUN_NAME = "uv-pin-bot / provenance";
/** GitHub's limit on a check run's `summary` and on its `text`, in characters. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT = 65_536;

export type AttestationMode = "required" | "warn" | "off";

export interface CheckRunOutput {
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  text: string;
}

/**
 * Renders a table, leaving out its last rows (with a line saying how many) until the whole
 * text fits `limit`.
 */
function fitRows(
  render: (rows: readonly string[], note: string | null) => string,
  rows: readonly string[],
  limit: number,
): string {
  const at = (n: number) =>
    render(
      rows.slice(0, n),
      n < rows.length
        ? `*… and ${rows.length - n} more, left out to fit GitHub's size limit.*`
        : null,
    );
  if (at(rows.length).length <= limit) return at(rows.length);
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (at(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  return at(lo);
}

/** Sections joined by blank lines, the last ones left out (and counted) past `limit`. */
function fitSections(sections: readonly string[], limit: number): string {
  return fitRows(
    (shown, note) => [...shown, ...(note ? [note] : [])].join("\n\n"),
    sections,
    limit,
  );
}

/** ✓, or ✗ and the reason as a code span (it quotes identities and patterns exactly). */
const mark = (reason: string | null) =>
  reason === null ? "✓ verified" : `✗ ${codeSpan(reason, { table: true, max: 500 })}`;

/** The check run's output for the plan's applied updates. */
export function checkRunOutput(plan: PrPlan, attestationMode: AttestationMode): CheckRunOutput {
  const arts = artifacts(applied(plan));
  const noun = plural(arts.length, "new digest or checksum", "new digests and checksums");
  if (attestationMode === "off")
    return {
      conclusion: "neutral",
      title: "Attestation verification is off",
      summary: `The configuration sets \`attestations: off\`: ${noun} pinned by this pull request ${arts.length === 1 ? "was" : "were"} not verified.`,
      text: "",
    };
  if (arts.length === 0)
    return {
      conclusion: "success",
      title: "No new digest or checksum to verify",
      summary: "This pull request pins no new image digest or installer checksum.",
      text: "",
    };
  const failed = arts.filter((a) => unverifiedReason(a) !== null).length;
  const rows = arts.map(
    (a) =>
      `| ${codeSpan(shortHash(a.hash), { table: true })} | ${a.updates.map((u) => where(plan, u.pin.file, u.pin.line)).join(", ")} | ${mark(unverifiedReason(a))} |`,
  );
  const intro =
    failed === 0
      ? `${arts.length === 1 ? "The new digest or checksum has a verified attestation" : `All ${noun} have verified attestations`}.`
      : `${failed} of ${noun} ${failed === 1 ? "has" : "have"} no verified attestation${attestationMode === "warn" ? " (`attestations: warn`: the update is proposed anyway)" : ""}.`;
  const summary = fitRows(
    (shown, note) =>
      [
        intro,
        "",
        "| digest or checksum | pinned by | attestation |",
        "|---|---|---|",
        ...shown,
        ...(note ? ["", note] : []),
      ].join("\n"),
    rows,
    CHECK_OUTPUT_LIMIT,
  );
  const sections = arts.map((a) => {
    const body = a.summary
      ? renderAttestation(a.summary).trimEnd()
      : "*No attestation was checked.*";
    return `### ${artifactName(a)} ${codeSpan(a.hash)}\n\n${body}`;
  });
  return {
    conclusion: failed === 0 ? "success" : "failure",
    title: failed === 0 ? `${noun} verified` : `${failed} of ${noun} not verified`,
    summary,
    text: fitSections(sections, CHECK_OUTPUT_LIMIT),
  };
}

/** A row's attestation result: ✓, ✗ with the reason, "not checked", or — when nothing is new. */
function rowAttestation(u: PrUpdate): string {
  const summary = asSummary(u.attestation);
  if (summary) return mark(summary.verified ? null : (summary.reason ?? "not verified"));
  const fresh = hashOf(u.pin, u.to) !== null && hashOf(u.pin, u.to) !== hashOf(u.pin, u.from);
  return fresh ? "not checked" : "—";
}

/** A heading and table rows, the last rows left out (and counted) past `limit`. */
function fitTable(header: readonly string[], rows: readonly string[], limit: number): string {
  return fitRows(
    (shown, note) => [...header, ...shown, ...(note ? ["", note] : [])].join("\n"),
    rows,
    limit,
  );
}

const DRY_RUN =
  "This is a dry run: nothing was opened or changed. Comment `/uv-update` to open or update the pull request.";

/** The reply to `/uv-update check`: what would change, with each row's attestation result. */
export function planComment(plan: PrPlan): string {
  const updates = applied(plan);
  const head =
    updates.length === 0
      ? "**uv-pin-bot plan**: nothing to change."
      : `**uv-pin-bot plan**: ${headline(plan)} (${plural(updates.length, "change")}).`;
  const rows = updates.map(
    (u) =>
      `| ${where(plan, u.pin.file, u.pin.line)} | ${stateCell(u.pin, u.from)} | ${stateCell(u.pin, u.to)} | ${u.type} | ${rowAttestation(u)} |`,
  );
  const left = leftOutRows(plan);
  const leftHeader = [
    `Not included: ${plural(blockedUpdates(plan).length, "blocked update")}, ${plural(plan.skipped.length, "skipped pin")}.`,
    "",
    ...LEFT_OUT_HEADER,
  ];
  // The changes come first; what is left out gets the room that remains (at least 1,000).
  const fixed = head.length + DRY_RUN.length + 6 + (left.length > 0 ? 1000 : 0);
  const parts = [head];
  if (rows.length > 0) parts.push(fitTable(PLAN_HEADER, rows, COMMENT_LIMIT - fixed));
  if (left.length > 0) {
    const used = parts.join("\n\n").length + DRY_RUN.length + 4;
    parts.push(fitTable(leftHeader, left, COMMENT_LIMIT - used - 2));
  }
  return `${[...parts, DRY_RUN].join("\n\n")}\n`;
}

const PLAN_HEADER = ["| file | from | to | type | attestation |", "|---|---|---|---|---|"];

/** The reply to `/uv-update help`. */
export function helpComment(): string {
  return [
    "**uv-pin-bot** keeps this repository's uv pins current, one pull request at a time. Comment one of these (write access needed):",
    "",
    "| command | what it does |",
    "|---|---|",
    ...commands().map(([command, what]) => `| \`${command}\` | ${what} |`),
    "",
  ].join("\n");
}
