/**
 * Helpers for the scanner's tests on files that are not Dockerfiles: scan a fixture under
 * `fixtures/files/` (or inline text) and show each pin with every field, each span replaced by
 * where it is and the text it covers (`"9:16 0.9.17"`: line 9, column 16, both 1-based).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scanText } from "../src/core/extract.js";
import { Lines } from "../src/core/lines.js";
import type { Pin, PinChecksum, ScanOptions, Skipped, Span } from "../src/core/types.js";

const DIR = fileURLToPath(new URL("../fixtures/files/", import.meta.url));

/** `resolvedUrl` is checked by the resolver tests, not here. */
export type Shown = Omit<Pin, "spans" | "resolvedUrl" | "checksums"> & {
  /** Each tied checksum, its span shown like the others. */
  checksums?: (Omit<PinChecksum, "span"> & { span: string | null })[];
  spans: {
    version: string | null;
    digest: string | null;
    checksum: string | null;
    checksumPrefixed: boolean;
  };
};

export function readFixture(name: string): string {
  return readFileSync(`${DIR}${name}`, "utf8");
}

/** Scans `text` as `path` and shows its pins; `skipped` is returned as it is. */
export function scan(
  path: string,
  text: string,
  options?: ScanOptions,
): { pins: Shown[]; skipped: Skipped[] } {
  const { pins, skipped } = scanText(path, text, options);
  const lines = new Lines(text);
  const at = (span: Span | null): string | null => {
    if (span === null) return null;
    const line = lines.lineOf(span.start);
    const column = span.start - (lines.starts[line - 1] ?? 0) + 1;
    return `${line}:${column} ${text.slice(span.start, span.end)}`;
  };
  return {
    pins: pins.map(({ spans, resolvedUrl: _, checksums, ...rest }) => ({
      ...rest,
      ...(checksums ? { checksums: checksums.map((c) => ({ ...c, span: at(c.span) })) } : {}),
      spans: {
        version: at(spans.version),
        digest: at(spans.digest),
        checksum: at(spans.checksum),
        checksumPrefixed: spans.checksumPrefixed,
      },
    })),
    skipped,
  };
}

/** Scans a fixture under `fixtures/files/`, named by its path there. */
export function scanFixture(name: string, options?: ScanOptions) {
  return scan(name, readFixture(name), options);
}

/** The spans of a pin that holds no version, digest or checksum text. */
export const NO_SPANS = { version: null, digest: null, checksum: null, checksumPrefixed: false };

/**
 * A pin as the scanner shows it, every field present: the empty value of each (for an image,
 * `ghcr.io/astral-sh/uv` by tag; for an installer, by URL), then `fields`. The fixture tests'
 * builders (`image(…)`, `vpin(…)`, …) are this with their own defaults.
 */
export function shown(
  kind: Shown["kind"],
  file: string,
  line: number,
  fields: Partial<Shown> = {},
): Shown {
  return {
    file,
    line,
    kind,
    image: kind === "image" ? "ghcr.io/astral-sh/uv" : null,
    url: null,
    tag: null,
    version: null,
    digest: null,
    form: kind === "image" ? "tag" : kind === "installer" ? "url" : null,
    variable: null,
    versionLine: null,
    suffix: null,
    resolvedTag: null,
    asset: null,
    skipReason: null,
    spans: NO_SPANS,
    ...fields,
  };
}
