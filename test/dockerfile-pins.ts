/**
 * Helpers for the Dockerfile scanner's fixture tests: scan a file under `fixtures/dockerfiles/`
 * and project each pin onto every field, with each span replaced by the text it covers.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scanText } from "../src/core/extract.js";
import { Lines } from "../src/core/lines.js";
import type {
  Pin,
  PinChecksum,
  PinForm,
  PinKind,
  ScanOptions,
  Skipped,
  Span,
} from "../src/core/types.js";

const DIR = fileURLToPath(new URL("../fixtures/dockerfiles/", import.meta.url));

/** A pin with each span replaced by the file text it covers, plus the span's line. */
export interface Seen {
  file: string;
  line: number;
  kind: PinKind;
  image: string | null;
  url: string | null;
  tag: string | null;
  version: string | null;
  digest: string | null;
  form: PinForm | null;
  variable: string | null;
  versionLine: number | null;
  suffix: string | null;
  resolvedTag: string | null;
  asset: string | null;
  skipReason: string | null;
  /** Tied checksums, each span replaced by the text it covers. */
  checksums?: (Omit<PinChecksum, "span"> & { span: string })[];
  /** Why the pin must not move (a checksum that cannot be tied). */
  hold?: string;
  spans: {
    version: string | null;
    digest: string | null;
    checksum: string | null;
    checksumPrefixed: boolean;
  };
}

export interface Scanned {
  text: string;
  /** The pins as the scanner returned them. */
  raw: Pin[];
  pins: Seen[];
  skipped: Skipped[];
}

export function fixturePath(name: string): string {
  return `fixtures/dockerfiles/${name}`;
}

export function readFixture(name: string): string {
  return readFileSync(`${DIR}${name}`, "utf8");
}

/** Scans a fixture (or the given text under the fixture's path) and projects its pins. */
export function scanFixture(
  name: string,
  text = readFixture(name),
  options?: ScanOptions,
): Scanned {
  const path = fixturePath(name);
  const result = scanText(path, text, options);
  const lines = new Lines(text);
  const slice = (s: Span | null): string | null => (s ? text.slice(s.start, s.end) : null);
  const pins = result.pins.map((p: Pin): Seen => {
    // A version span lives on the pin's versionLine.
    if (p.spans.version && lines.lineOf(p.spans.version.start) !== p.versionLine) {
      throw new Error(`line ${p.line}: the version span is not on versionLine ${p.versionLine}`);
    }
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
      resolvedTag: p.resolvedTag,
      asset: p.asset,
      skipReason: p.skipReason,
      ...(p.checksums
        ? {
            checksums: p.checksums.map((c) => ({
              ...c,
              span: text.slice(c.span.start, c.span.end),
            })),
          }
        : {}),
      ...(p.hold ? { hold: p.hold } : {}),
      spans: {
        version: slice(p.spans.version),
        digest: slice(p.spans.digest),
        checksum: slice(p.spans.checksum),
        checksumPrefixed: p.spans.checksumPrefixed,
      },
    };
  });
  return { text, raw: result.pins, pins, skipped: result.skipped };
}

type Fields = Partial<Omit<Seen, "file" | "line" | "kind" | "spans">> & {
  /** Span texts; by default the version span reads `version` and the digest span `digest`. */
  spans?: Partial<Seen["spans"]>;
};

function base(name: string, line: number, kind: PinKind): Seen {
  return {
    file: fixturePath(name),
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
    asset: null,
    skipReason: null,
    spans: { version: null, digest: null, checksum: null, checksumPrefixed: false },
  };
}

function withSpans(pin: Seen, spans: Fields["spans"]): Seen {
  pin.spans.version = pin.version;
  if (pin.kind === "image") pin.spans.digest = pin.digest;
  Object.assign(pin.spans, spans);
  return pin;
}

/**
 * An expected image pin of `ghcr.io/astral-sh/uv` (unless `image` says otherwise): `form` "tag",
 * `resolvedTag` = `tag`, `versionLine` = `line` when there is a version.
 */
export function imagePin(name: string, line: number, fields: Fields): Seen {
  const { spans, ...rest } = fields;
  const pin: Seen = { ...base(name, line, "image"), image: "ghcr.io/astral-sh/uv", form: "tag" };
  pin.resolvedTag = fields.tag ?? null;
  pin.versionLine = fields.version ? line : null;
  Object.assign(pin, rest);
  return withSpans(pin, spans);
}

/** An expected installer pin: `form` "url", `versionLine` = `line` when there is a version. */
export function installerPin(name: string, line: number, fields: Fields): Seen {
  const { spans, ...rest } = fields;
  const pin: Seen = { ...base(name, line, "installer"), form: "url" };
  pin.versionLine = fields.version ? line : null;
  Object.assign(pin, rest);
  return withSpans(pin, spans);
}

/** An expected `pip install uv==X` pin. */
export function versionPin(name: string, line: number, fields: Fields): Seen {
  const { spans, ...rest } = fields;
  const pin: Seen = base(name, line, "version");
  pin.versionLine = fields.version ? line : null;
  Object.assign(pin, rest);
  return withSpans(pin, spans);
}

/** The skipped entries that pins with a skip reason produce, in pin order. */
export function skipsOf(pins: readonly Seen[]): Skipped[] {
  return pins
    .filter((p) => p.skipReason !== null)
    .map((p) => ({ file: p.file, line: p.line, reason: p.skipReason as string }));
}

/** A tied checksum as `scanFixture` shows it: `span` is the checksum text as written. */
export function tiedChecksum(
  line: number,
  hex: string,
  url: string,
  options: { prefixed?: boolean; arch?: string | null } = {},
): NonNullable<Seen["checksums"]>[number] {
  const prefixed = options.prefixed ?? false;
  return {
    digest: `sha256:${hex.toLowerCase()}`,
    line,
    span: prefixed ? `sha256:${hex}` : hex,
    prefixed,
    asset: url.slice(url.lastIndexOf("/") + 1),
    url,
    arch: options.arch ?? null,
  };
}
