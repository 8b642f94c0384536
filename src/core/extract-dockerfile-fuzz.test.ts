/**
 * Dockerfile scanner, property tests: random text and random Dockerfiles built from uv-ish pieces
 * never make the scanner throw, and every span reads exactly the text its pin reports.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { scanText } from "./extract.js";
import { Lines } from "./lines.js";
import type { Pin } from "./types.js";

const PIECES = [
  "FROM ",
  "from ",
  "COPY ",
  "RUN ",
  "ADD ",
  "ARG ",
  "ENV ",
  "ONBUILD ",
  "--from=",
  "--mount=",
  "type=cache,target=/x,",
  "from=",
  ",source=/uv",
  "--checksum=",
  "--platform=$BUILDPLATFORM ",
  " AS uv",
  "ghcr.io/astral-sh/uv",
  "astral/uv",
  ":",
  "@",
  "0.9.17",
  "0.8",
  "v0.9.1",
  "-alpine",
  "python3.12-bookworm-slim",
  "sha256:",
  "a".repeat(64),
  "$V",
  "${V}",
  "${V:-0.9.17}",
  "${",
  "}",
  "V=0.9.16",
  "V",
  "https://astral.sh/uv/",
  "https://github.com/astral-sh/uv/releases/download/",
  "https://github.com/astral-sh/uv/releases/latest/download/",
  "/install.sh",
  "uv-installer.sh",
  "uv-x86_64-unknown-linux-gnu.tar.gz",
  " | sh",
  " && ",
  "echo ",
  " | sha256sum -c -",
  "pip install uv==",
  "<<EOF",
  "EOF",
  "# ",
  "# escape=`",
  "`",
  "\\",
  '"',
  "'",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\r",
  "\ufeff",
];

const pieces = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((a) => a.join(""));

const version = fc.constantFrom("0.9.17", "0.8", "v0.9.1", "0.9.${P}", "$V", "${V}", "${V:-0.9.3}");
const tag = fc.oneof(
  version,
  version.map((v) => `${v}-alpine`),
  fc.constantFrom("latest", "python3.12-bookworm-slim", ""),
);
const image = fc.constantFrom("ghcr.io/astral-sh/uv", "astral/uv", "docker.io/astral/uv", "$IMG");
const digest = fc.constantFrom(`sha256:${"b".repeat(64)}`, "sha256:zz", "${D}", "");
const ref = fc
  .tuple(image, fc.option(tag), fc.option(digest))
  .map(([i, t, d]) => `${i}${t === null ? "" : `:${t}`}${d === null ? "" : `@${d}`}`);
const url = fc
  .tuple(
    fc.constantFrom(
      "https://astral.sh/uv/",
      "https://github.com/astral-sh/uv/releases/download/",
      "https://github.com/astral-sh/uv/releases/latest/download/",
    ),
    fc.option(version),
    fc.constantFrom(
      "install.sh",
      "install.ps1",
      "uv-installer.sh",
      "uv-aarch64-apple-darwin.tar.gz",
    ),
  )
  .map(([base, v, asset]) => `${base}${v === null ? "" : `${v}/`}${asset}`);
const line = fc.oneof(
  ref.map((r) => `FROM ${r} AS uv`),
  ref.map((r) => `COPY --link --from=${r} /uv /bin/`),
  ref.map((r) => `RUN --mount=type=cache,target=/c --mount=from=${r},source=/uv,target=/u uv`),
  url.map((u) => `RUN curl -LsSf ${u} | sh`),
  url.map((u) => `ADD --checksum=sha256:${"c".repeat(64)} ${u} /x`),
  url.map((u) => `RUN curl -fsSLO ${u} && echo "${"d".repeat(64)}  f" | sha256sum -c -`),
  version.map((v) => `RUN pip install uv==${v}`),
  fc.constantFrom("ARG V=0.9.16", "ARG V", "ENV V=0.9.15", "ARG IMG=ghcr.io/astral-sh/uv:0.9.14"),
  fc.constantFrom(`ARG D=sha256:${"e".repeat(64)}`, "RUN V=0.1.0 true", "RUN <<EOF", "EOF"),
  fc.constantFrom("# escape=`", "# syntax=docker/dockerfile:1", "# comment", "ONBUILD "),
  pieces,
);
const dockerfile = fc
  .array(fc.tuple(line, fc.constantFrom("\n", "\r\n", " \\\n", "\\\n", " `\r\n", "\n# c\n")), {
    maxLength: 25,
  })
  .map((lines) => lines.map(([l, end]) => l + end).join(""));

/** Throws when a pin's spans do not read what the pin says. */
function checkSpans(text: string, pin: Pin): void {
  const read = (s: { start: number; end: number } | null) => {
    if (!s) return null;
    expect(0 <= s.start && s.start <= s.end && s.end <= text.length).toBe(true);
    return text.slice(s.start, s.end);
  };
  const lines = new Lines(text);
  expect(pin.line >= 1 && pin.line <= lines.starts.length).toBe(true);
  const version = read(pin.spans.version);
  if (version !== null) expect(version).toBe(pin.version);
  if (pin.spans.version) expect(lines.lineOf(pin.spans.version.start)).toBe(pin.versionLine);
  const digest = read(pin.spans.digest);
  if (digest !== null) expect(digest).toBe(pin.digest);
  const checksum = read(pin.spans.checksum);
  if (checksum !== null) {
    const hex = pin.spans.checksumPrefixed ? checksum.slice("sha256:".length) : checksum;
    expect(`sha256:${hex.toLowerCase()}`).toBe(pin.digest);
  }
}

function check(text: string): void {
  const result = scanText("Dockerfile", text);
  for (const s of result.skipped) expect(s.reason).not.toMatch(/^could not be read/);
  for (const pin of result.pins) checkSpans(text, pin);
}

describe("property: the Dockerfile scanner never throws and its spans are exact", () => {
  test("random Dockerfiles made of uv-ish lines", () => {
    fc.assert(fc.property(dockerfile, check), { numRuns: 1500 });
  });

  test("random Dockerfiles made of uv-ish pieces", () => {
    fc.assert(fc.property(pieces, check), { numRuns: 1000 });
  });

  test("random text", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), check), {
      numRuns: 500,
    });
  });
});
