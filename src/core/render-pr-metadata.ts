/**
 * What the app writes into its pull request body so that it can recognise the pull request and
 * what it proposed: one HTML comment at the very end,
 *
 *   <!-- uv-pin-bot:metadata {"schema":1,"target":"0.9.18","versions":["0.9.18"],"fingerprint":"<64 hex>","baseSha":"<sha>","head":"<sha>"} -->
 *
 * `<`, `>` and `&` inside the JSON are written as `\u003c`, `\u003e`, `\u0026`, so nothing in a
 * value can end the comment. Everything outside that the body shows is neutralised, so no other
 * such comment can appear in a body we render; when a person adds one, the last valid one counts.
 */
import { createHash } from "node:crypto";
import type { PrUpdate } from "./render-pr-parts.js";

export interface PrMetadata {
  schema: 1;
  /** The release the pull request moves the repository to (null: digests only, no release). */
  target: string | null;
  /** Every version the applied updates pin, newest first. */
  versions: string[];
  /** `fingerprint(updates)`: the same plan gives the same value. */
  fingerprint: string;
  /** The default-branch commit the changes were made on. */
  baseSha: string | null;
  /**
   * The commit the app pushed as the branch head: how it knows its own commit later (GitHub may
   * be the committer of a signed commit, so names prove nothing).
   */
  head: string | null;
}

const MARKER = "uv-pin-bot:metadata";
const COMMENT = /<!--[ \t]*uv-pin-bot:metadata[ \t]+(\{.*?\})\s*-->/gs;

/**
 * A stable identity of the changes a plan applies: file, line, kind and the state each pin moves
 * to, for the unblocked updates, independent of their order. A SHA-256 in hex.
 */
export function fingerprint(updates: readonly PrUpdate[]): string {
  const entries = updates
    .filter((u) => u.blocked === null)
    .map((u) =>
      JSON.stringify([
        u.pin.file,
        u.pin.line,
        u.pin.kind,
        u.to.version,
        u.to.tag,
        u.to.digest,
        u.to.checksum,
      ]),
    )
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(`uv-pin-bot fingerprint 1\n${entries.join("\n")}`)
    .digest("hex");
}

/** The hidden comment that carries the metadata. */
export function metadataComment(metadata: PrMetadata): string {
  const json = JSON.stringify({
    schema: metadata.schema,
    target: metadata.target,
    versions: metadata.versions,
    fingerprint: metadata.fingerprint,
    baseSha: metadata.baseSha,
    ...(metadata.head ? { head: metadata.head } : {}),
  }).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `<!-- ${MARKER} ${json} -->`;
}

/** The metadata in a pull request body, or null when there is none that is ours and whole. */
export function parseMetadata(body: string): PrMetadata | null {
  let found: PrMetadata | null = null;
  for (const match of body.matchAll(COMMENT)) found = readMetadata(match[1] ?? "") ?? found;
  return found;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readMetadata(json: string): PrMetadata | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.schema !== 1) return null;
  const { target, versions, fingerprint, baseSha, head } = value;
  if (target !== null && typeof target !== "string") return null;
  if (!Array.isArray(versions) || !versions.every((v) => typeof v === "string")) return null;
  if (typeof fingerprint !== "string" || !/^[0-9a-f]{64}$/.test(fingerprint)) return null;
  if (baseSha !== undefined && baseSha !== null && typeof baseSha !== "string") return null;
  const headSha = typeof head === "string" && /^[0-9a-f]{40}$/.test(head) ? head : null;
  return {
    schema: 1,
    target,
    versions: [...versions],
    fingerprint,
    baseSha: baseSha ?? null,
    head: headSha,
  };
}
