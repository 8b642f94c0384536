/** How `check` shows a plan: the exact JSON shape, and a table for people. */
import {
  type AttestationJson,
  type AttestationSummary,
  attestationJson,
} from "./attestation-policy.js";
import { type ChecksumMove, checksumMoves } from "./render-pr-parts.js";
import { type PinJson, pinJson } from "./render-scan.js";
import type { Pin, Skipped } from "./types.js";

export interface PinStateJson {
  version: string | null;
  tag: string | null;
  digest: string | null;
  checksum: string | null;
}

/** The parts of a planned update that rendering reads. */
export interface UpdateView {
  pin: Pin;
  type: string;
  from: PinStateJson;
  to: PinStateJson;
  note: string | null;
  attestation: AttestationSummary | null;
  blocked: string | null;
  /** What the rewriter writes: each listed checksum's new value, by asset. */
  target?: { checksums?: Record<string, string> | null; checksum?: string | null };
}

export interface UpdateJson {
  file: string;
  line: number;
  kind: Pin["kind"];
  image: string | null;
  url: string | null;
  type: string;
  from: PinStateJson;
  to: PinStateJson;
  note: string | null;
  attestation: AttestationJson | null;
  blocked: string | null;
  /** Every checksum tied to the download, each from and to (`from`/`to.checksum` are the first), or null. */
  checksums: ChecksumMove[] | null;
}

export function updateJson(u: UpdateView): UpdateJson {
  return {
    file: u.pin.file,
    line: u.pin.line,
    kind: u.pin.kind,
    image: u.pin.image,
    url: u.pin.url,
    type: u.type,
    from: { ...u.from },
    to: { ...u.to },
    note: u.note,
    attestation: u.attestation ? attestationJson(u.attestation) : null,
    blocked: u.blocked,
    checksums: checksumMoves(u),
  };
}

export function planJson(plan: {
  updates: readonly UpdateView[];
  current: readonly Pin[];
  skipped: readonly Skipped[];
}): { updates: UpdateJson[]; current: PinJson[]; skipped: Skipped[] } {
  const all = [...plan.updates.map((u) => u.pin), ...plan.current];
  return {
    updates: plan.updates.map(updateJson),
    current: plan.current.map((p) => pinJson(p, all)),
    skipped: plan.skipped.map((s) => ({ file: s.file, line: s.line, reason: s.reason })),
  };
}

const short = (d: string | null) => (d ? `@${d.slice(7, 19)}` : "");

function state(s: PinStateJson, kind: Pin["kind"]): string {
  if (kind === "image") return `${s.tag ?? "(no tag)"}${short(s.digest)}`;
  if (kind === "installer")
    return `${s.version ?? "latest"}${s.checksum ? ` (${s.checksum.slice(0, 19)})` : ""}`;
  return s.version ?? "-";
}

export function renderPlanTable(plan: {
  updates: readonly UpdateView[];
  current: readonly Pin[];
  skipped: readonly Skipped[];
}): string {
  const out: string[] = [];
  if (plan.updates.length === 0) out.push("Everything is up to date.");
  for (const u of plan.updates) {
    const where = `${u.pin.file}:${u.pin.line}`;
    out.push(`${where}  ${u.type}  ${state(u.from, u.pin.kind)} -> ${state(u.to, u.pin.kind)}`);
    if (u.note) out.push(`    note: ${u.note}`);
    const moves = checksumMoves(u);
    if (moves && (moves.length > 1 || moves[0]?.arch))
      for (const m of moves)
        out.push(
          `    checksum line ${m.line} (${m.arch ?? m.asset}): ${m.from.slice(0, 19)} -> ${m.to ? m.to.slice(0, 19) : "(unchanged)"}`,
        );
    if (u.attestation?.verified) {
      out.push(
        `    attestation: verified (${u.attestation.signerWorkflow ?? u.attestation.san ?? "?"})`,
      );
    } else if (u.attestation) {
      out.push(`    attestation: NOT verified: ${u.attestation.reason}`);
    }
    if (u.blocked) out.push(`    BLOCKED: ${u.blocked}`);
  }
  if (plan.skipped.length > 0) {
    out.push("", "Skipped:");
    for (const s of plan.skipped)
      out.push(`  ${s.file}${s.line !== null ? `:${s.line}` : ""}: ${s.reason}`);
  }
  const blocked = plan.updates.filter((u) => u.blocked).length;
  out.push(
    "",
    `${plan.updates.length} update${plan.updates.length === 1 ? "" : "s"} (${blocked} blocked), ${plan.current.length} current, ${plan.skipped.length} skipped.`,
  );
  return `${out.join("\n")}\n`;
}
