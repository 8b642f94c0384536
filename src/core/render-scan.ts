/** How `scan` shows pins: the exact JSON shape, and a table for people. */
import { fileKind } from "./file-kind.js";
import type { Pin, ScanResult, Skipped } from "./types.js";

/** A build-time override: the Dockerfile ARG it sets, and where the Dockerfiles declare it. */
export interface OverrideJson {
  arg: string;
  /** The lines of the Dockerfile ARGs this override sets (empty: no scanned Dockerfile reads it). */
  sets: { file: string; line: number }[];
}

/** A pin as `scan --json` prints it: every field present, in this order. */
export interface PinJson {
  file: string;
  line: number;
  kind: Pin["kind"];
  image: string | null;
  url: string | null;
  tag: string | null;
  version: string | null;
  digest: string | null;
  form: Pin["form"];
  variable: string | null;
  versionLine: number | null;
  suffix: string | null;
  /** Why uv-pin-bot reports this uv but never moves it (`pip install uv`, `apk add uv=…`), or null. */
  unpinned: string | null;
  /** A build-time override (`--build-arg`, compose `args:`): the ARG it sets and where, or null. */
  overrides: OverrideJson | null;
  /** A pin on a configured registry mirror: the upstream it is looked up on, or null. */
  mirrorOf: string | null;
  /** Every checksum tied to an installer's download (`digest` is the first), or null. */
  checksums: ChecksumJson[] | null;
}

/** A checksum tied to a download: where it is written, what it is, the asset and architecture. */
export interface ChecksumJson {
  line: number;
  digest: string;
  asset: string;
  arch: string | null;
}

export const checksumsJson = (p: Pin): ChecksumJson[] | null =>
  p.checksums
    ? p.checksums.map((c) => ({ line: c.line, digest: c.digest, asset: c.asset, arch: c.arch }))
    : null;

/**
 * The Dockerfile ARG lines an override sets: the Dockerfile pins (among `all`) whose version comes
 * from a variable of that name, by the line the variable's value is written on.
 */
export function overrideTargets(p: Pin, all: readonly Pin[]): OverrideJson | null {
  if (p.overrides === undefined) return null;
  if (p.overridesChecksums)
    return {
      arg: p.overrides,
      sets: p.overridesChecksums.map((c) => ({ file: c.file, line: c.line })),
    };
  const sets: { file: string; line: number }[] = [];
  for (const q of all) {
    if (q.overrides !== undefined || q.variable !== p.overrides) continue;
    if (fileKind(q.file) !== "dockerfile") continue;
    const line = q.versionLine ?? q.line;
    if (!sets.some((s) => s.file === q.file && s.line === line)) sets.push({ file: q.file, line });
  }
  // An override whose build names its Dockerfile sets that one's ARG (when it reads the ARG).
  const own = sets.filter((s) => s.file === p.overridesIn);
  return { arg: p.overrides, sets: own.length > 0 ? own : sets };
}

/** `all`: the other pins of the repository, for what an override sets. */
export function pinJson(p: Pin, all: readonly Pin[] = [p]): PinJson {
  return {
    file: p.file,
    line: p.line,
    kind: p.kind,
    image: p.image,
    url: p.url,
    tag: p.tag,
    version: p.version,
    digest: p.digest,
    form: p.form,
    variable: p.variable,
    versionLine: p.versionLine,
    suffix: p.suffix,
    unpinned: p.unpinned ?? null,
    overrides: overrideTargets(p, all),
    mirrorOf: p.mirrorOf ?? null,
    checksums: checksumsJson(p),
  };
}

export function scanJson(result: ScanResult): { pins: PinJson[]; skipped: Skipped[] } {
  return {
    pins: result.pins.map((p) => pinJson(p, result.pins)),
    skipped: result.skipped.map((s) => ({ file: s.file, line: s.line, reason: s.reason })),
  };
}

const short = (digest: string) => `${digest.slice(0, 19)}…`;

/** What a pin says, in one cell: `image:tag@sha256:abcd…`, a URL, or a version setting. */
export function describePin(p: Pin): string {
  if (p.kind === "image") {
    return `${p.image}${p.tag !== null ? `:${p.tag}` : ""}${p.digest ? `@${short(p.digest)}` : ""}`;
  }
  if (p.kind === "installer" && p.checksums && (p.checksums.length > 1 || p.checksums[0]?.arch))
    return `${p.url} (checksums ${p.checksums.map((c) => `${c.arch ?? c.asset} ${short(c.digest)} line ${c.line}`).join(", ")})`;
  if (p.kind === "installer") return `${p.url}${p.digest ? ` (checksum ${short(p.digest)})` : ""}`;
  return `version ${p.version ?? "?"}`;
}

/** What the table adds after a pin: the ARG an override sets, why it is unpinned, its upstream. */
function remarks(p: Pin, all: readonly Pin[]): string {
  const out: string[] = [];
  const o = overrideTargets(p, all);
  if (o) {
    const where = o.sets.map((s) => `${s.file}:${s.line}`).join(", ");
    out.push(`sets ARG ${o.arg} ${where ? `of ${where}` : "(no scanned Dockerfile reads it)"}`);
  }
  if (p.unpinned) out.push(p.unpinned);
  if (p.mirrorOf) out.push(`a mirror of ${p.mirrorOf}`);
  return out.length ? ` (${out.join("; ")})` : "";
}

/** Where a pin's variable is written: its version's line, or a checksum override's value line. */
function variableLine(p: Pin): string {
  const line = p.overridesChecksums ? (p.checksums?.[0]?.line ?? null) : p.versionLine;
  return line !== null ? `line ${line}` : "no default";
}

export function renderScanTable(result: ScanResult): string {
  const rows = result.pins.map((p) => [
    `${p.file}:${p.line}`,
    p.kind,
    p.version ?? "-",
    p.form ?? "-",
    p.variable ? `${p.variable} (${variableLine(p)})` : "-",
    `${describePin(p)}${remarks(p, result.pins)}`,
  ]);
  const header = ["LOCATION", "KIND", "VERSION", "FORM", "VARIABLE", "PIN"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out: string[] = [];
  if (rows.length === 0) out.push("No uv pins found.");
  else out.push(line(header), ...rows.map(line));
  if (result.skipped.length > 0) {
    out.push("", "Skipped:");
    for (const s of result.skipped)
      out.push(`  ${s.file}${s.line !== null ? `:${s.line}` : ""}: ${s.reason}`);
  }
  const files = new Set(result.pins.map((p) => p.file)).size;
  out.push(
    "",
    `${result.pins.length} pin${result.pins.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}; ${result.skipped.length} skipped.`,
  );
  return `${out.join("\n")}\n`;
}
