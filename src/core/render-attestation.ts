/**
 * How a verified (or refused) attestation is shown: Markdown for the PR body and a plain table for
 * the CLI. Every value from a certificate or statement is untrusted text: in Markdown it goes in
 * a code span (no Markdown, HTML, mentions or issue links inside; pipes escaped for the table;
 * control characters, line breaks and bidi overrides flattened), links only for plain https URLs; in the
 * terminal, control characters are replaced so escape sequences cannot reach it.
 */
import type { AttestationSummary, PolicyCheck } from "./attestation-policy.js";
import { escapePipes } from "./render-pr-escape.js";

/** Control characters, line/paragraph separators and bidirectional overrides. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/gu;

/** An untrusted value as a Markdown code span that is safe inside a table cell. */
export function mdCode(value: string): string {
  const text = escapePipes(value.replace(CONTROL, " "));
  if (text.trim() === "") return "(empty)";
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const SAFE_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/[A-Za-z0-9._~/%+=-]*$/;

/** A link when the value is a plain https URL, otherwise just the code span. */
export function mdLink(url: string): string {
  return SAFE_URL.test(url) ? `[${mdCode(url)}](${url})` : mdCode(url);
}

const mdValue = (value: string | null) => (value === null ? "—" : mdCode(value));
const mark = (ok: boolean) => (ok ? "✓" : "✗");

/** The provenance facts, in the order both renderings show them. */
function facts(s: AttestationSummary): [string, string | null][] {
  return [
    ["subject", s.subjectDigest],
    ["repository", s.sourceRepository],
    ["owner", s.sourceRepositoryOwner],
    ["workflow", s.signerWorkflow ?? s.san],
    ["ref", s.sourceRef],
    ["commit", s.sourceCommit],
    ["trigger", s.buildTrigger],
    ["issuer", s.certificateIssuer],
  ];
}

function logText(s: AttestationSummary): string | null {
  if (s.rekorLogIndex === null) return null;
  return `index ${s.rekorLogIndex}${s.integratedTime ? `, integrated ${s.integratedTime}` : ""}`;
}

/** Markdown for a PR body: the verdict, a policy table like gh's, and the provenance facts. */
export function renderAttestation(s: AttestationSummary): string {
  const lines = [
    s.verified
      ? "**Attestation verified ✓**"
      : `**Attestation not verified ✗**: ${mdValue(s.reason)}`,
    "",
    "| policy check | expected | actual | |",
    "|---|---|---|:-:|",
    ...s.checks.map(
      (c) => `| ${c.name} | ${mdCode(c.expected)} | ${mdValue(c.actual)} | ${mark(c.ok)} |`,
    ),
    "",
    "| provenance | |",
    "|---|---|",
    ...facts(s).map(([name, value]) => `| ${name} | ${mdValue(value)} |`),
    `| run | ${s.runUrl === null ? "—" : mdLink(s.runUrl)} |`,
    `| transparency log | ${logText(s) ?? "—"} |`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Untrusted text for a terminal: control characters (escape sequences) become `?`. */
export const terminalText = (value: string | null) =>
  value === null ? "-" : value.replace(CONTROL, "?");
const plain = terminalText;

function checkLine(c: PolicyCheck, width: number): string {
  const actual = plain(c.actual);
  const detail =
    c.ok && c.expected === c.actual
      ? actual
      : `${actual} (${c.ok ? "matches" : "expected"} ${plain(c.expected)})`;
  return `  ${mark(c.ok)} ${c.name.padEnd(width)}  ${detail}`;
}

/** The CLI's table: the verdict, each check with its result, then the provenance facts. */
export function renderAttestationTable(s: AttestationSummary): string {
  const width = Math.max(...s.checks.map((c) => c.name.length));
  const rows: [string, string | null][] = [
    ...facts(s),
    ["run", s.runUrl],
    ["transparency log", logText(s)],
  ];
  const factWidth = Math.max(...rows.map(([name]) => name.length));
  return [
    s.verified ? "Attestation verified" : `Attestation NOT verified: ${plain(s.reason)}`,
    "",
    "Policy:",
    ...s.checks.map((c) => checkLine(c, width)),
    "",
    "Provenance:",
    ...rows.map(([name, value]) => `  ${name.padEnd(factWidth)}  ${plain(value)}`),
    "",
  ].join("\n");
}
