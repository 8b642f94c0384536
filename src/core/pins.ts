/** Turns an expanded reference, URL or version text into a Pin with exact spans. */
import type { BuildArgUses } from "./build-args.js";
import type { ChecksumLedger } from "./checksum-ledger.js";
import { type Expansion, MAX_EXPANSION, mapRange, PLACEHOLDER, unresolvedIn } from "./expand.js";
import type { Lines } from "./lines.js";
import {
  DIGEST,
  isUvImage,
  parseImageRef,
  parseInstallerUrl,
  parseTag,
  readToken,
  withoutDrops,
} from "./matchers.js";
import type { Pin, PinKind, Span } from "./types.js";

export interface FileContext {
  file: string;
  text: string;
  lines: Lines;
  images: readonly string[];
  /** Text that the file's reader removes before reading a value (Dockerfile line continuations). */
  drop?: readonly Span[];
  /** The Dockerfile ARGs that feed uv pins in the repository (`ScanOptions.buildArgs`). */
  buildArgs?: BuildArgUses;
  /** What the checksum tracer saw in the file's regions, for the file-wide rule (`holdUntied`). */
  ledger?: ChecksumLedger;
}

function emptyPin(ctx: FileContext, line: number, kind: PinKind): Pin {
  return {
    file: ctx.file,
    line,
    kind,
    image: null,
    url: null,
    tag: null,
    version: null,
    digest: null,
    form: null,
    variable: null,
    versionLine: null,
    suffix: null,
    resolvedTag: null,
    resolvedUrl: null,
    asset: null,
    spans: { version: null, digest: null, checksum: null, checksumPrefixed: false },
    skipReason: null,
  };
}

/** Renders an expansion's range with unresolved variables shown as `${NAME}`. */
export function display(exp: Expansion, from: number, to: number): string {
  // Without a placeholder, the range as it is.
  if (from >= 0 && to <= exp.value.length) {
    const plain = exp.value.slice(from, to);
    if (!plain.includes(PLACEHOLDER)) return plain;
  }
  // Placeholders by offset, so that each is found in one step (not one search per character).
  const names = new Map<number, string>();
  for (const seg of exp.segments) {
    if (seg.unresolved !== null && seg.at >= from && seg.at < to && !names.has(seg.at))
      names.set(seg.at, seg.unresolved);
  }
  let out = "";
  for (let i = from; i < to; i++) {
    const c = exp.value[i] as string;
    if (c !== PLACEHOLDER) {
      out += c;
      continue;
    }
    const name = names.get(i);
    out += name !== undefined ? `\${${name}}` : "";
  }
  return out;
}

/** The variable an unresolved placeholder in a range stands for. */
function placeholderVariable(exp: Expansion, from: number, to: number): string | null {
  return unresolvedIn(exp, from, to);
}

interface Located {
  value: string;
  span: Span | null;
  variable: string | null;
  line: number | null;
  problem: string | null;
}

/** Reads a range of an expansion as a pin part: its text, where it lives, or why it cannot be edited. */
function locate(ctx: FileContext, exp: Expansion, from: number, to: number): Located {
  const value = exp.value.slice(from, to);
  if (exp.tooLong) {
    const problem = `the text is longer than ${MAX_EXPANSION} characters with its variables expanded`;
    return { value, span: null, variable: null, line: null, problem };
  }
  const missing = placeholderVariable(exp, from, to);
  if (missing !== null) {
    return {
      value,
      span: null,
      variable: missing,
      line: null,
      problem: `\`${missing}\` has no default value`,
    };
  }
  const mapped = mapRange(exp, from, to);
  if (!mapped.ok) return { value, span: null, variable: null, line: null, problem: mapped.reason };
  return {
    value,
    span: mapped.span,
    variable: mapped.variable,
    line: mapped.defLine ?? ctx.lines.lineOf(mapped.span.start),
    problem: null,
  };
}

/** Where the character at an expansion's offset was written, and whether outside any variable. */
function sourceAt(exp: Expansion, i: number): { offset: number; topLevel: boolean } | null {
  for (const seg of exp.segments) {
    if (seg.src !== null && seg.at <= i && i < seg.at + seg.length) {
      return { offset: seg.src + (i - seg.at), topLevel: seg.variable === null };
    }
  }
  return null;
}

/** The tag as written (variables left in): the text after the `:` up to the `@` or the end. */
function writtenTag(
  ctx: FileContext,
  exp: Expansion,
  tag: { start: number; end: number },
  digest: { start: number } | null,
): string {
  const colon = sourceAt(exp, tag.start - 1);
  if (!colon) return display(exp, tag.start, tag.end);
  const { text, drop } = ctx;
  const start = colon.offset + 1;
  let end: number;
  if (colon.topLevel) {
    const at = digest ? sourceAt(exp, digest.start - 1) : null;
    end = at?.topLevel ? at.offset : exp.source.end;
  } else {
    // The tag is written in a variable's value (read no further than a reference can be long).
    end = readToken(text, start, "", drop, start + MAX_EXPANSION);
    const at = text.slice(start, end).indexOf("@");
    if (at >= 0) end = start + at;
  }
  return withoutDrops(text, start, Math.max(start, end), drop);
}

/**
 * Where `@digest` goes in a tag-only reference: after the reference as written at the use site,
 * or, when a variable holds the whole reference, at the end of that variable's value.
 */
function digestInsert(exp: Expansion): number | null {
  const first = exp.segments[0];
  const last = exp.segments[exp.segments.length - 1];
  if (!first || !last || first.src === null || last.src === null) return null;
  if (first.variable === null) return exp.source.end;
  return first.variable === last.variable && first.defLine === last.defLine
    ? last.src + last.length
    : null;
}

/**
 * The variant part of a tag as written, from `from` (an offset in the expansion) to the tag's end:
 * the file's text where the suffix is written outside any variable (`-python${PY}-slim` stays so),
 * else the expansion with unresolved variables shown as `${NAME}`.
 */
function writtenSuffix(
  ctx: FileContext,
  exp: Expansion,
  from: number,
  tag: { start: number; end: number },
): string {
  const start = sourceAt(exp, from);
  const colon = sourceAt(exp, tag.start - 1);
  if (!start?.topLevel || !colon?.topLevel) return display(exp, from, tag.end);
  const written = writtenTag(ctx, exp, tag, null);
  const offset = start.offset - (colon.offset + 1);
  const raw = ctx.text.slice(colon.offset + 1, start.offset);
  // A line break dropped inside the tag shifts the offsets; then the expansion is shown instead.
  if (!written.startsWith(raw)) return display(exp, from, tag.end);
  const end = written.indexOf("@", offset);
  return written.slice(offset, end < 0 ? written.length : end);
}

/**
 * The variable whose value is the whole expansion, and the line of that value, if one is. Where
 * the text comes from a chain (`ARG V=sha256:…`, then `ARG V=…/uv@${V}`), every use reads the
 * same text: the holder is the latest declaration that wrote part of it (a value can only read
 * declarations made before it, so that one reads the others). A variable left unresolved inside
 * the value (`ARG V=…/uv:${UNSET}`) is part of it.
 */
function wholeValueOf(exp: Expansion): { variable: string; line: number } | null {
  let holder: { variable: string; line: number } | null = null;
  for (const s of exp.segments) {
    if (s.src === null) continue;
    if (s.variable === null || s.defLine === null) return null;
    if (!holder || s.defLine > holder.line) holder = { variable: s.variable, line: s.defLine };
  }
  return holder;
}

/**
 * Image pins without a version whose whole text a variable holds, with what makes two uses the
 * same text (where each piece of it was read from): the scan reports such a pin once, at its
 * first use, however often the variable is used (`FROM ${UV_IMAGE}` in several stages).
 */
export const HELD_WHOLE = new WeakMap<Pin, string>();

/** Docker's tag grammar. */
const TAG = /^\w[\w.-]{0,127}$/;

/** An image pin from an expanded image reference, or null when it is not a uv image. */
export function imagePin(ctx: FileContext, exp: Expansion, line: number): Pin | null {
  const ref = exp.value;
  const parts = parseImageRef(ref);
  if (!parts || parts.name.includes(PLACEHOLDER) || !isUvImage(parts.name, ctx.images)) return null;
  const pin = emptyPin(ctx, line, "image");
  pin.image = parts.name;
  const problems: string[] = [];

  if (parts.tag) {
    const tagText = ref.slice(parts.tag.start, parts.tag.end);
    pin.tag = writtenTag(ctx, exp, parts.tag, parts.digest);
    const tag = parseTag(tagText);
    if (tag.version) {
      const v = locate(
        ctx,
        exp,
        parts.tag.start + tag.version.start,
        parts.tag.start + tag.version.end,
      );
      pin.variable = v.variable;
      if (v.problem) problems.push(`version: ${v.problem}`);
      else {
        pin.version = v.value;
        pin.spans.version = v.span;
        pin.versionLine = v.line;
      }
    }
    const missing = placeholderVariable(exp, parts.tag.start, parts.tag.end);
    const valid = TAG.test(tagText);
    const readable = missing !== null || valid;
    if (tag.suffix !== null && tag.version && readable) {
      pin.suffix = writtenSuffix(ctx, exp, parts.tag.start + tag.version.end, parts.tag);
    } else if (tag.suffix !== null && missing === null && readable) {
      // A variant-only tag is all suffix: as written, like the tag.
      pin.suffix = pin.tag;
    }
    if (missing !== null) {
      // Part of the tag is unknown: its variant (and maybe its version) cannot be read.
      if (!tag.version) pin.variable = missing;
      if (!problems.length) problems.push(`tag: \`${missing}\` has no default value`);
    } else if (tagText === "") {
      problems.push("tag: the tag is empty");
    } else if (!valid) {
      problems.push(`tag: \`${tagText}\` is not a valid tag`);
    } else {
      pin.resolvedTag = tagText;
    }
  }

  if (parts.digest) {
    const d = locate(ctx, exp, parts.digest.start, parts.digest.end);
    if (d.problem) problems.push(`digest: ${d.problem}`);
    else if (!DIGEST.test(d.value)) problems.push(`digest: \`${d.value}\` is not a sha256 digest`);
    else {
      pin.digest = d.value;
      pin.spans.digest = d.span;
    }
  }

  const holder = pin.version === null ? wholeValueOf(exp) : null;
  if (holder) {
    // `ARG UV_IMAGE=ghcr.io/astral-sh/uv:latest` and `FROM ${UV_IMAGE}`: the ARG is where it lives.
    if (pin.variable === null) {
      pin.variable = holder.variable;
      pin.versionLine = holder.line;
    }
    const pieces = exp.segments.map((s) => [s.at, s.length, s.src, s.unresolved]);
    HELD_WHOLE.set(pin, JSON.stringify([holder, pieces]));
  }
  pin.form = parts.tag && parts.digest ? "tag+digest" : parts.digest ? "digest" : "tag";
  if (pin.form === "tag" && parts.tag && ref.length > 0) pin.spans.digestInsert = digestInsert(exp);
  if (problems.length) pin.skipReason = problems.join("; ");
  return pin;
}

/** An installer URL's version: `X.Y.Z…`. */
const THREE_PART = /^\d+\.\d+\.\d+/;
/** A bare sha256 checksum. */
const HEX64 = /^[a-f0-9]{64}$/i;

/** An installer pin from an expanded URL, or null when it is not a uv installer URL. */
export function installerPin(
  ctx: FileContext,
  exp: Expansion,
  rawUrl: string,
  line: number,
): Pin | null {
  const parts = parseInstallerUrl(exp.value);
  if (!parts) return null;
  const pin = emptyPin(ctx, line, "installer");
  pin.url = rawUrl;
  pin.form = "url";
  if (!exp.value.includes(PLACEHOLDER)) pin.resolvedUrl = exp.value;
  const asset = exp.value.indexOf(parts.asset, parts.version?.end ?? 0);
  pin.asset = display(exp, asset, asset + parts.asset.length);
  if (parts.version) {
    const v = locate(ctx, exp, parts.version.start, parts.version.end);
    pin.variable = v.variable;
    if (v.problem) pin.skipReason = `version: ${v.problem}`;
    else if (!THREE_PART.test(v.value))
      pin.skipReason = `version: \`${v.value}\` is not a uv version`;
    else {
      pin.version = v.value;
      pin.spans.version = v.span;
      pin.versionLine = v.line;
    }
  }
  return pin;
}

/** Attaches a checksum (`sha256:<hex>` or bare hex) found at an expansion's range to an installer pin. */
export function attachChecksum(
  ctx: FileContext,
  pin: Pin,
  exp: Expansion,
  from: number,
  to: number,
): void {
  const c = locate(ctx, exp, from, to);
  if (c.problem) {
    pin.skipReason = pin.skipReason ?? `checksum: ${c.problem}`;
    pin.form = "url+checksum";
    return;
  }
  const prefixed = c.value.startsWith("sha256:");
  const hex = prefixed ? c.value.slice(7) : c.value;
  if (!HEX64.test(hex)) {
    pin.skipReason = pin.skipReason ?? `checksum: \`${c.value}\` is not a sha256 checksum`;
  }
  pin.form = "url+checksum";
  pin.digest = `sha256:${hex.toLowerCase()}`;
  pin.spans.checksum = c.span;
  pin.spans.checksumPrefixed = prefixed;
  const parts = pin.resolvedUrl ? parseInstallerUrl(pin.resolvedUrl) : null;
  if (c.span && pin.resolvedUrl && parts && !pin.skipReason) {
    pin.checksums = [
      {
        digest: pin.digest,
        line: ctx.lines.lineOf(c.span.start),
        span: c.span,
        prefixed,
        asset: parts.asset,
        url: pin.resolvedUrl,
        arch: null,
      },
    ];
  }
}

/** A `version` pin (setup-uv, required-version, uv-pre-commit, pip install uv==…). */
export function versionPin(ctx: FileContext, exp: Expansion, line: number): Pin {
  const pin = emptyPin(ctx, line, "version");
  const v = locate(ctx, exp, 0, exp.value.length);
  pin.variable = v.variable;
  if (v.problem) pin.skipReason = `version: ${v.problem}`;
  else {
    pin.version = v.value;
    pin.spans.version = v.span;
    pin.versionLine = v.line;
  }
  return pin;
}
