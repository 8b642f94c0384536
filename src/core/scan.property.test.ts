/**
 * Property tests of the scanner: it never throws, on any text and for every kind of file; the
 * spans it reports lie in the text and hold exactly what the pins say; and on generated
 * well-formed Dockerfiles it finds exactly the uv pins the generator wrote.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  biasedTextArb,
  dockerfileArb,
  type ExpectedPin,
  KNOWN_BUGS,
  latin1BytesArb,
  mutatedFileArb,
  otherFileArb,
  PROPERTY_TIMEOUT,
  runs,
  spanProblems,
  utf8BytesArb,
} from "../../test/arbitraries.js";
import { scanText } from "./extract.js";
import type { Pin } from "./types.js";

const PATHS = ["Dockerfile", "x.sh", "Makefile", "x.ps1", "ci.yml", "pyproject.toml", "uv.toml"];

/** Runs per property (times `PROPERTY_RUNS_SCALE`); each file takes a few seconds on two cores. */
const RUNS = { fuzz: 200, dockerfile: 400, other: 150 };

/** The scan, checked: no throw, exact spans. Returns the pins. */
function scanChecked(path: string, text: string): Pin[] {
  const result = scanText(path, text);
  expect(spanProblems(text, result.pins)).toEqual([]);
  for (const pin of result.pins) expect(pin.file).toBe(path);
  return result.pins;
}

/** The known crash of dockerfile-ast's `Run.getHeredocs()` (see the regression tests). */
const KNOWN_CRASH = "could not be read: Cannot read properties of undefined (reading 'getRange')";

/** Reasons that say an extractor threw and the scan fell back to "nothing found". */
const crashed = (path: string, text: string) =>
  scanText(path, text)
    .skipped.filter((s) => s.reason.startsWith("could not be read"))
    .filter((s) => KNOWN_BUGS.runCommentWithBackslash || s.reason !== KNOWN_CRASH);

describe.each(PATHS)("scanText(%s, …) on arbitrary text", (path) => {
  const inputs = {
    "random bytes read as UTF-8": utf8BytesArb,
    "random bytes read as latin1": latin1BytesArb,
    "strings of the characters and fragments that matter": biasedTextArb,
  };
  for (const [name, arb] of Object.entries(inputs)) {
    it(
      `never throws, and every span holds what its pin says, on ${name}`,
      () => {
        fc.assert(
          fc.property(arb, (text) => {
            scanChecked(path, text);
          }),
          runs(RUNS.fuzz),
        );
      },
      PROPERTY_TIMEOUT,
    );
  }

  it(
    "never falls back to `could not be read` (no extractor throws inside the guard)",
    () => {
      fc.assert(
        fc.property(fc.oneof(utf8BytesArb, biasedTextArb), (text) => {
          expect(crashed(path, text)).toEqual([]);
        }),
        runs(RUNS.fuzz),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

const found = (pins: readonly Pin[]): ExpectedPin[] =>
  pins.map((p) => ({
    line: p.line,
    kind: p.kind,
    version: p.version,
    digest: p.digest,
    skipped: p.skipReason !== null,
  }));

const byPlace = (pins: ExpectedPin[]) =>
  [...pins].sort((a, b) => a.line - b.line || JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("scanText on generated Dockerfiles", () => {
  it(
    "never throws, reports exact spans, and finds exactly the uv pins that were written",
    () => {
      fc.assert(
        fc.property(dockerfileArb, ({ path, text, expected }) => {
          const pins = scanChecked(path, text);
          expect(crashed(path, text)).toEqual([]);
          expect(pins.length).toBe(expected.length);
          expect(byPlace(found(pins))).toEqual(byPlace(expected));
        }),
        runs(RUNS.dockerfile),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it("generates files that hold pins (the generator is not vacuous)", () => {
    const samples = fc.sample(dockerfileArb, { numRuns: 200, seed: 1 });
    const pins = samples.flatMap((s) => s.expected);
    expect(samples.filter((s) => s.expected.length > 0).length).toBeGreaterThan(100);
    for (const kind of ["image", "installer", "version"] as const)
      expect(pins.filter((p) => p.kind === kind).length).toBeGreaterThan(20);
    expect(pins.filter((p) => p.skipped).length).toBeGreaterThan(5);
    expect(pins.filter((p) => p.digest && p.kind === "installer").length).toBeGreaterThan(5);
  });
});

describe("scanText on generated workflows and shell scripts, and on damaged generated files", () => {
  it(
    "never throws and reports exact spans",
    () => {
      fc.assert(
        fc.property(fc.oneof(otherFileArb, mutatedFileArb), ({ path, text }) => {
          scanChecked(path, text);
          expect(crashed(path, text)).toEqual([]);
        }),
        runs(RUNS.other),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

/**
 * Minimal inputs that the properties above found, for bugs not fixed yet. The generator leaves
 * these constructs out while `KNOWN_BUGS` says so; once a bug is fixed, its test here fails:
 * turn it into a plain `it` and set its flag in `test/arbitraries.ts` to true.
 */
describe("regressions found by the properties", () => {
  const only = (text: string) => {
    const { pins } = scanText("Dockerfile", text);
    expect(spanProblems(text, pins)).toEqual([]);
    return pins.map((p) => ({ line: p.line, version: p.version, skipReason: p.skipReason }));
  };

  it("`ARG A B=0.9.1` declares B = 0.9.1", () => {
    expect(only("ARG A B=0.9.1\nFROM ghcr.io/astral-sh/uv:${B}\n")).toEqual([
      { line: 2, version: "0.9.1", skipReason: null },
    ]);
  });

  it("reads a --mount `from=` that starts after an escaped line break in the flag", () => {
    const text =
      "FROM python:3.12-slim\nRUN --mount=type=bind,source=/uv,target=/bin/uv,\\\nfrom=ghcr.io/astral-sh/uv:0.9.1 \\\n    uv sync\n";
    expect(only(text)).toEqual([{ line: 3, version: "0.9.1", skipReason: null }]);
  });

  it("reads a --mount `from=` value that an escaped line break splits", () => {
    const text =
      "FROM python:3.12-slim\nRUN --mount=from=ghcr.io/astral-sh/\\\nuv:0.9.1,target=/bin/uv uv sync\n";
    expect(only(text)).toEqual([{ line: 2, version: "0.9.1", skipReason: null }]);
  });

  it("finds a uv image whose name an escaped line break splits, in a file that names uv nowhere else", () => {
    expect(only("FROM a\\\nstral/uv:0.9.1\n")).toEqual([
      { line: 1, version: "0.9.1", skipReason: null },
    ]);
  });

  it("scans a RUN that opens with a line break and a comment holding a backslash", () => {
    const text = "FROM ghcr.io/astral-sh/uv:0.9.1\nRUN \\\n  # C:\\Users/me\n  echo hi\n";
    expect(scanText("Dockerfile", text).skipped).toEqual([]);
    expect(only(text)).toEqual([{ line: 1, version: "0.9.1", skipReason: null }]);
  });

  it("strips the quotes of a --from value that an escaped line break precedes", () => {
    const text = 'FROM python:3.12-slim\nCOPY --from=\\\n"ghcr.io/astral-sh/uv:0.9.1" /uv /bin/\n';
    expect(only(text)).toEqual([{ line: 3, version: "0.9.1", skipReason: null }]);
  });
});
