/**
 * The rewriter: splices new versions, digests and checksums into the exact spans the scanner
 * recorded, keeps each pin's form, then scans the result again and confirms that every pin reads
 * as its target. Every byte outside the spans stays as it was; on any doubt the file is returned
 * unchanged with a reason.
 */
import { scanAs } from "./extract.js";
import { fileKind } from "./file-kind.js";
import { DIGEST } from "./matchers.js";
import type { Pin, ScanOptions, Span, Update } from "./types.js";
import { renderVersion } from "./version.js";

export interface Edit {
  span: Span;
  text: string;
}

export interface Refusal {
  update: Update;
  reason: string;
}

export interface RewriteResult {
  /** The new text, or the original text when nothing could be applied safely. */
  text: string;
  changed: boolean;
  /** Updates now written in `text` (including those that were already current). */
  applied: Update[];
  refused: Refusal[];
  /** The spans that were replaced, as offsets into the original text. */
  edits: Edit[];
  /** Set when the whole file was left unchanged. */
  error: string | null;
}

const CHECKSUM = /^sha256:[a-f0-9]{64}$/;

/** The edits one update needs, or why it cannot be applied. */
export function editsFor(text: string, update: Update): Edit[] | { error: string } {
  const { pin, target } = update;
  if (pin.skipReason) return { error: pin.skipReason };
  if (pin.hold) return { error: pin.hold };
  const edits: Edit[] = [];
  let versionChanges = false;
  if (target.version != null && pin.version !== null) {
    if (!pin.spans.version && !versionElsewhere(pin))
      return { error: "the version cannot be located" };
    const rendered = renderVersion(pin.version, target.version);
    if (typeof rendered !== "string") return rendered;
    if (rendered !== pin.version) {
      versionChanges = true;
      if (pin.spans.version) edits.push({ span: pin.spans.version, text: rendered });
      // Checksum files downloaded next to the asset that write their own version move with it.
      for (const s of pin.spans.sidecarVersions ?? []) edits.push({ span: s, text: rendered });
    }
  }
  if (pin.kind === "image" && !pin.spans.digest && target.addDigest) {
    if (target.digest == null || !DIGEST.test(target.digest)) {
      return { error: "a digest to pin was asked for, but no valid digest was given" };
    }
    const at = pin.spans.digestInsert;
    if (at == null) return { error: "there is no place to add the digest" };
    edits.push({ span: { start: at, end: at }, text: `@${target.digest}` });
  }
  if (pin.kind === "image" && pin.spans.digest) {
    if (target.digest != null) {
      if (!DIGEST.test(target.digest))
        return { error: `target digest \`${target.digest}\` is malformed` };
      if (target.digest !== pin.digest) edits.push({ span: pin.spans.digest, text: target.digest });
    } else if (versionChanges) {
      return { error: "the digest must change with the tag, and no new digest was given" };
    }
  }
  if (pin.form === "url+checksum" && pin.checksums?.length) {
    const more = checksumEdits(text, pin, target, versionChanges);
    if ("error" in more) return more;
    edits.push(...more);
  } else if (pin.form === "url+checksum" && pin.spans.checksum) {
    if (target.checksum != null) {
      if (!CHECKSUM.test(target.checksum))
        return { error: `target checksum \`${target.checksum}\` is malformed` };
      const written = pin.spans.checksumPrefixed ? target.checksum : target.checksum.slice(7);
      const current = text.slice(pin.spans.checksum.start, pin.spans.checksum.end);
      if (written.toLowerCase() !== current.toLowerCase())
        edits.push({ span: pin.spans.checksum, text: written });
    } else if (versionChanges) {
      return { error: "the checksum must change with the version, and no new checksum was given" };
    }
  }
  return edits;
}

/**
 * An override of a Dockerfile checksum ARG: its version is the build's (written in the Dockerfile
 * or another override, which move in lockstep with it); only its checksum is written here.
 */
const versionElsewhere = (pin: Pin) =>
  pin.overridesChecksums !== undefined && pin.spans.version === null;

/** The new checksum for each listed checksum, by its asset; one text per place. */
function checksumEdits(
  text: string,
  pin: Pin,
  target: Update["target"],
  versionChanges: boolean,
): Edit[] | { error: string } {
  const list = pin.checksums ?? [];
  const edits: Edit[] = [];
  for (const c of list) {
    const next = target.checksums?.[c.asset] ?? (list.length === 1 ? target.checksum : null);
    if (next == null) {
      if (versionChanges)
        return {
          error: `the checksum must change with the version, and no new checksum was given for ${c.asset} (line ${c.line})`,
        };
      continue;
    }
    if (!CHECKSUM.test(next)) return { error: `target checksum \`${next}\` is malformed` };
    const written = c.prefixed ? next : next.slice(7);
    const same = edits.find((e) => sameSpan(e.span, c.span));
    if (same && same.text.toLowerCase() !== written.toLowerCase())
      return { error: `line ${c.line} holds the checksum of two assets that differ` };
    const current = text.slice(c.span.start, c.span.end);
    if (!same && written.toLowerCase() !== current.toLowerCase())
      edits.push({ span: c.span, text: written });
  }
  return edits;
}

/** What each listed checksum reads after an update, by asset. */
function checksumsAfter(pin: Pin, target: Update["target"] | null): string[] {
  const list = pin.checksums ?? [];
  return list.map(
    (c) =>
      target?.checksums?.[c.asset] ??
      (list.length === 1 ? (target?.checksum ?? null) : null) ??
      c.digest,
  );
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const sameSpan = (a: Span, b: Span) => a.start === b.start && a.end === b.end;
const spansOf = (p: Pin): Span[] =>
  [
    p.spans.version,
    p.spans.digest,
    p.spans.checksum,
    ...(p.checksums ?? []).map((c) => c.span),
    ...(p.spans.sidecarVersions ?? []),
  ].filter((s): s is Span => s !== null);
const samePin = (a: Pin, b: Pin) =>
  a.kind === b.kind && a.line === b.line && JSON.stringify(a.spans) === JSON.stringify(b.spans);

/** Applies updates to one file's text. */
export function rewriteFile(
  path: string,
  text: string,
  updates: readonly Update[],
  options: ScanOptions = {},
): RewriteResult {
  const unchanged = (error: string | null, refused: Refusal[]): RewriteResult => ({
    text,
    changed: false,
    applied: [],
    refused,
    edits: [],
    error,
  });
  const kind = fileKind(path);
  if (!kind) return unchanged(`${path} is not a file that can pin uv`, []);
  const before = scanAs(kind, path, text, options).pins;

  const refused: Refusal[] = [];
  const planned: { update: Update; index: number; edits: Edit[] }[] = [];
  // Two pins can look alike (one line, one variable: `…/download/$V/a.tar.gz … ${V}/b.sh`): each
  // update takes the first such pin that no earlier update took.
  const taken = new Set<number>();
  for (const update of updates) {
    let index = before.findIndex((p, i) => !taken.has(i) && samePin(p, update.pin));
    if (index < 0) index = before.findIndex((p) => samePin(p, update.pin));
    else taken.add(index);
    if (index < 0) {
      refused.push({ update, reason: "the pin is not in the file as scanned (the file changed?)" });
      continue;
    }
    const edits = editsFor(text, update);
    if ("error" in edits) refused.push({ update, reason: edits.error });
    else planned.push({ update, index, edits });
  }

  // An edit to text that another pin reads must be one that pin's own update makes too;
  // otherwise that pin would silently move (or collide). Refusing one update can leave another
  // alone with a shared edit, so this repeats until nothing changes.
  let accepted = planned;
  for (;;) {
    const conflicted = accepted.filter((a) =>
      a.edits.some((e) =>
        before.some((other, i) => {
          if (i === a.index || !spansOf(other).some((s) => overlaps(s, e.span))) return false;
          const b = accepted.find((p) => p.index === i);
          return !b?.edits.some((x) => sameSpan(x.span, e.span) && x.text === e.text);
        }),
      ),
    );
    if (conflicted.length === 0) break;
    for (const p of conflicted) {
      refused.push({
        update: p.update,
        reason: "its text is shared with another pin that would not read the same after the update",
      });
    }
    accepted = accepted.filter((p) => !conflicted.includes(p));
  }

  const edits: Edit[] = [];
  for (const p of accepted) {
    for (const e of p.edits) if (!edits.some((x) => sameSpan(x.span, e.span))) edits.push(e);
  }
  edits.sort((a, b) => b.span.start - a.span.start);
  let next = text;
  for (const e of edits) next = next.slice(0, e.span.start) + e.text + next.slice(e.span.end);

  const problem = confirm(kind, path, next, before, accepted, options);
  if (problem) return unchanged(problem, refused);
  return {
    text: next,
    changed: next !== text,
    applied: accepted.map((p) => p.update),
    refused,
    edits: edits.reverse(),
    error: null,
  };
}

/** Scans the new text and checks that each pin reads as planned. Returns a reason, or null. */
function confirm(
  kind: NonNullable<ReturnType<typeof fileKind>>,
  path: string,
  next: string,
  before: Pin[],
  accepted: { update: Update; index: number; edits: Edit[] }[],
  options: ScanOptions,
): string | null {
  const after = scanAs(kind, path, next, options).pins;
  if (after.length !== before.length) {
    return `after the edit the file holds ${after.length} pins instead of ${before.length}`;
  }
  for (let i = 0; i < before.length; i++) {
    const was = before[i] as Pin;
    const now = after[i] as Pin;
    const plan = accepted.find((p) => p.index === i);
    let version = was.version;
    let digest = was.digest;
    const sums = checksumsAfter(was, plan?.update.target ?? null);
    const nowSums = (now.checksums ?? []).map((c) => c.digest);
    if (JSON.stringify(sums) !== JSON.stringify(nowSums)) {
      return `line ${was.line} would check ${nowSums.join(", ") || "no checksum"} instead of ${sums.join(", ") || "no checksum"}`;
    }
    if (sums.length) digest = sums[0] ?? null;
    if (plan) {
      const { target } = plan.update;
      if (target.version != null && was.version !== null && !versionElsewhere(was)) {
        version = renderVersion(was.version, target.version) as string;
      }
      if (was.kind === "image" && (was.spans.digest || target.addDigest) && target.digest != null) {
        digest = target.digest;
      }
      if (was.form === "url+checksum" && !was.checksums?.length && target.checksum != null)
        digest = target.checksum;
    }
    if (
      now.kind !== was.kind ||
      now.line !== was.line ||
      now.version !== version ||
      now.digest !== digest
    ) {
      return `line ${was.line} would read ${now.version ?? "no version"} ${now.digest ?? ""} instead of ${version ?? "no version"} ${digest ?? ""}`.trimEnd();
    }
  }
  return null;
}
