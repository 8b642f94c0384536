/** How `scan` shows pins: the exact JSON shape, and a table for people. */
import type { Pin, ScanResult, Skipped } from "./types.js";

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
}

export function pinJson(p: Pin): PinJson {
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
  };
}

export function scanJson(result: ScanResult): { pins: PinJson[]; skipped: Skipped[] } {
  return {
    pins: result.pins.map(pinJson),
    skipped: result.skipped.map((s) => ({ file: s.file, line: s.line, reason: s.reason })),
  };
}

const short = (digest: string) => `${digest.slice(0, 19)}…`;

/** What a pin says, in one cell: `image:tag@sha256:abcd…`, a URL, or a version setting. */
export function describePin(p: Pin): string {
  if (p.kind === "image") {
    return `${p.image}${p.tag !== null ? `:${p.tag}` : ""}${p.digest ? `@${short(p.digest)}` : ""}`;
  }
  if (p.kind === "installer") return `${p.url}${p.digest ? ` (checksum ${short(p.digest)})` : ""}`;
  return `version ${p.version ?? "?"}`;
}

export function renderScanTable(result: ScanResult): string {
  const rows = result.pins.map((p) => [
    `${p.file}:${p.line}`,
    p.kind,
    p.version ?? "-",
    p.form ?? "-",
    p.variable
      ? `${p.variable} (${p.versionLine !== null ? `line ${p.versionLine}` : "no default"})`
      : "-",
    describePin(p),
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
