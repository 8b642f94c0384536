/**
 * Masking irrelevant instructions never changes what the Dockerfile extractor finds: unit cases for
 * the boundaries dockerfile-ast draws (continuations over blank and comment lines, trailing blanks
 * after the escape, CR / CRLF / LF, a BOM), and a differential property: on generated
 * Dockerfiles, line soups of the constructs that matter and mutated files, the pins of a masked
 * read (the lexer of the kept instructions, or dockerfile-ast on the masked text when the lexer
 * refuses) equal those of a full dockerfile-ast parse, byte for byte.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dockerfileArb, mutatedFileArb, PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import {
  checksumText,
  glued,
  hasHex64,
  maskIrrelevant,
  splitInstructions,
} from "./dockerfile-mask.js";
import { extractDockerfile } from "./extract-dockerfile.js";
import { Lines } from "./lines.js";
import { DEFAULT_IMAGES } from "./matchers.js";

const PATTERN = DEFAULT_IMAGES;

const both = (text: string) => {
  const ctx = { file: "Dockerfile", text, lines: new Lines(text), images: DEFAULT_IMAGES };
  const run = (mask: boolean) => {
    try {
      return { pins: extractDockerfile(ctx, { mask }) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  return { masked: run(true), full: run(false) };
};

/** How many line breaks (the lines of a masked text are those of the original). */
const breaks = (text: string | null) => text?.match(/\r\n|\r|\n/g)?.length ?? 0;

describe("splitInstructions", () => {
  it("draws dockerfile-ast's boundaries: continuations run over blank and comment lines", () => {
    const text = [
      "\uFEFFFROM python:3.12 AS base",
      "RUN a \\",
      "",
      "# a comment",
      "   b \\   ",
      "  c",
      "# top-level comment",
      "  COPY x y",
      "CMD done \\",
    ].join("\n");
    const got = splitInstructions(text)?.map((i) => [i.keyword, text.slice(i.start, i.end)]);
    expect(got).toEqual([
      ["FROM", "FROM python:3.12 AS base"],
      ["RUN", "RUN a \\\n\n# a comment\n   b \\   \n  c"],
      ["COPY", "COPY x y"],
      ["CMD", "CMD done \\"],
    ]);
  });

  it("handles CR and CRLF line breaks", () => {
    const text = "FROM a\r\nRUN b \\\r  c\rCOPY d e\r\n";
    expect(splitInstructions(text)?.map((i) => text.slice(i.start, i.end))).toEqual([
      "FROM a",
      "RUN b \\\r  c",
      "COPY d e",
    ]);
  });

  it("upper-cases keywords in any case, known or not", () => {
    const text = "from a\nRun b\nwORKDIR /x\nHealthCheck NONE\nFoo bar\nADDS x\n";
    expect(splitInstructions(text)?.map((i) => i.keyword)).toEqual([
      "FROM",
      "RUN",
      "WORKDIR",
      "HEALTHCHECK",
      "FOO",
      "ADDS",
    ]);
  });

  it("gives up on keywords it cannot be sure of", () => {
    expect(splitInstructions("FROM a\nR\\\nUN b\n")).toBeNull();
    expect(splitInstructions("FROM a\n\fRUN b\n")).toBeNull();
    expect(splitInstructions("FROM a\nRUN\\\n b\n")).toBeNull();
  });
});

describe("maskIrrelevant", () => {
  const DF = [
    "# syntax=docker/dockerfile:1.7",
    "ARG PY=3.12",
    "RUN echo before any stage",
    "FROM python:${PY}-slim AS build",
    "RUN apt-get update \\",
    " && apt-get install -y curl",
    "ENV UV_LINK_MODE=copy",
    "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/",
    "RUN uv sync --locked",
    'CMD ["python", "-m", "app"]',
    "",
  ].join("\n");

  it("drops instructions without uv text after the first FROM, keeping every line", () => {
    const masked = maskIrrelevant(DF, PATTERN);
    expect(breaks(masked)).toEqual(breaks(DF));
    expect(masked?.split("\n")).toEqual([
      "# syntax=docker/dockerfile:1.7",
      "ARG PY=3.12",
      "RUN echo before any stage",
      "FROM python:${PY}-slim AS build",
      "",
      "",
      "",
      "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/",
      "",
      "",
      "",
    ]);
  });

  it("keeps the ARG and ENV declarations that kept instructions use, through their values", () => {
    const text = [
      "FROM python:3.12",
      "ARG UNUSED=1",
      "ARG V=0.9.17",
      "ENV W=${V} X=2",
      "  # indented comment",
      "    RUN pip install uv==$W",
      "",
    ].join("\n");
    expect(maskIrrelevant(text, PATTERN)?.split("\n")).toEqual([
      "FROM python:3.12",
      "",
      "ARG V=0.9.17",
      "ENV W=${V} X=2",
      "",
      "    RUN pip install uv==$W",
      "",
    ]);
    expect(both(text).masked.pins?.map((p) => [p.version, p.variable])).toEqual([["0.9.17", "V"]]);
    expect(both(text).masked).toEqual(both(text).full);
  });

  it("finds nothing to parse when uv is only mentioned in comments", () => {
    const text = "FROM python:3.12\n# COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\nRUN x\n";
    expect(maskIrrelevant(text, PATTERN)).toBeNull();
    expect(both(text).full).toEqual({ pins: [] });
  });

  it("keeps instructions that use variables when an ARG or ENV carries uv text", () => {
    const text =
      "FROM python:3.12\nENV INSTALLER=https://astral.sh/uv/0.9.17/install.sh\nRUN curl -LsSf $INSTALLER | sh\nRUN echo hi\n";
    const masked = maskIrrelevant(text, PATTERN);
    expect(masked).toContain("RUN curl -LsSf $INSTALLER | sh");
    expect(masked).not.toContain("echo hi");
    expect(both(text).masked).toEqual(both(text).full);
    expect(both(text).masked.pins?.map((p) => p.version)).toEqual(["0.9.17"]);
  });

  it("keeps only the instructions that use a variable a kept declaration may name, and what those declare", () => {
    const text = [
      "FROM python:3.12",
      "ENV INSTALLER=https://astral.sh/uv/0.9.17/install.sh",
      "ENV AGAIN=$INSTALLER",
      "RUN echo $HOME",
      "RUN curl -LsSf $AGAIN | sh",
      "",
    ].join("\n");
    const masked = maskIrrelevant(text, PATTERN);
    expect(masked).toContain("ENV AGAIN=$INSTALLER");
    expect(masked).toContain("RUN curl -LsSf $AGAIN | sh");
    expect(masked).not.toContain("$HOME");
    expect(both(text).masked).toEqual(both(text).full);
    expect(both(text).masked.pins?.map((p) => p.version)).toEqual(["0.9.17"]);
  });

  it("drops pip and uv commands that install no uv (`pip install uvicorn`, `uv sync`)", () => {
    const text = [
      "FROM python:3.12",
      "RUN pip install --no-cache-dir uvicorn==0.30.1",
      "RUN --mount=type=cache,target=/root/.cache/uv \\",
      "    uv sync --locked",
      'RUN python -m pip install "uvloop>=0.19" "uvicorn[standard]"',
      "RUN uvx ruff check /app",
      "",
    ].join("\n");
    expect(maskIrrelevant(text, PATTERN)).toBeNull();
    expect(both(text).full).toEqual({ pins: [] });
  });

  it("looks for the `uv` word only around each pip command, over the lines its instruction can span", () => {
    // The early answer (nothing to parse, no instruction split) when `uv` stands alone elsewhere.
    const apart = "FROM python:3.12\nRUN pip install uvicorn\n# \\\n\nRUN uv sync\n";
    expect(maskIrrelevant(apart, PATTERN)).toBeNull();
    // A continuation over a blank line and a comment line still reaches the word.
    const joined = "FROM python:3.12\nRUN pip install \\\n\n  # note\n  uv\n";
    expect(maskIrrelevant(joined, PATTERN)).toContain("  uv");
    expect(both(joined).masked).toEqual(both(joined).full);
    // And backwards: the word before the command, on an earlier line of its instruction.
    const before = "FROM python:3.12\nRUN uv \\\n  && pip install x\n";
    expect(maskIrrelevant(before, PATTERN)).toContain("pip install x");
  });

  it("keeps every command that installs uv by name, with or without a version", () => {
    const commands = [
      "RUN pip install uv",
      'RUN pip3 install "uv"',
      "RUN python -m pip install --upgrade \\\n    uv",
      "RUN uv tool install 'uv'",
      "RUN apk add --no-cache uv~0.9",
      "RUN apk add uv=0.9.17-r0",
      "RUN uv self update 0.9.17",
      "RUN uvx --from uv==0.9.17 uv --version",
      "RUN pip install UV;echo",
    ];
    for (const command of commands) {
      const text = `FROM python:3.12\nRUN true a\n${command}\nRUN true b\n`;
      const masked = maskIrrelevant(text, PATTERN);
      expect(masked, command).toContain(command);
      expect(masked, command).not.toContain("true");
      const { masked: m, full } = both(text);
      expect(m, command).toEqual(full);
      expect(full.pins?.length, command).toBe(1);
    }
  });

  it("keeps uv text split by a line continuation", () => {
    const text = "FROM python:3.12\nRUN pip install uv=\\\n=0.9.17\n";
    expect(maskIrrelevant(text, PATTERN)).toBe(text);
  });

  it("parses in full when there are heredocs or an escape directive", () => {
    const heredoc = "FROM a\nRUN <<EOF\nFROM ghcr.io/astral-sh/uv:0.9.17\nEOF\nRUN x\n";
    expect(maskIrrelevant(heredoc, PATTERN)).toBe(heredoc);
    const escaped = "# escape=`\nFROM a\nRUN x `\n  y\nRUN pip install uv==0.9.17\n";
    expect(maskIrrelevant(escaped, PATTERN)).toBe(escaped);
    const later = "# syntax=docker/dockerfile:1\n#Escape = `\nFROM a\nRUN pip install uv==0.9.17\n";
    expect(maskIrrelevant(later, PATTERN)).toBe(later);
    // Not a directive: after the first instruction, or after a blank line (a comment then).
    const comment = "FROM a\n# escape=`\nRUN x\nRUN pip install uv==0.9.17\n";
    expect(maskIrrelevant(comment, PATTERN)).not.toContain("RUN x");
  });
});

/** Lines of the constructs whose boundaries matter, joined by any line break. */
const LINES = [
  "FROM python:3.12 AS build",
  "FROM ghcr.io/astral-sh/uv:0.9.17 AS uv",
  "FROM ${IMG}:${V}",
  "ARG V=0.9.17",
  "ARG IMG=ghcr.io/astral-sh/uv",
  "ENV URL=https://astral.sh/uv/0.9.17/install.sh",
  "ENV A=1 \\",
  "RUN apt-get update \\",
  "RUN curl -LsSf $URL | sh",
  "RUN pip install uv==${V}",
  "RUN --mount=from=ghcr.io/astral-sh/uv:0.9.16,source=/uv,target=/bin/uv \\",
  "COPY --from=uv /uv /bin/",
  `COPY --from=ghcr.io/astral-sh/uv:0.9.17@sha256:${"a".repeat(64)} /uv /bin/`,
  "ADD https://astral.sh/uv/0.9.17/install.sh /i.sh",
  "  && echo done",
  "  uv sync \\  ",
  "  \\",
  "\\\\",
  "# comment \\",
  "# COPY --from=ghcr.io/astral-sh/uv:0.9.1 /uv /bin/",
  "",
  "   ",
  "ONBUILD RUN pip install uv==0.9.17",
  'CMD ["uv", "run"]',
  "LABEL a=b",
  "R\\",
  "UN x",
  "\uFEFF",
  "ARG PY=3.12",
  "FROM python:${PY}",
  "ENV V=0.9.16",
  "ARG V",
  "ENV B=${V} C=1",
  "RUN curl -LsSf https://astral.sh/uv/${V}/install.sh | sh",
  "RUN pip install uv==$B",
  "   # indented comment",
  "\tENV D=$B",
  "FROM ghcr.io/astral-sh/ruff:0.6.0 AS lint",
  "COPY --from=ghcr.io/astral-sh/ruff:0.6 /ruff /bin/",
  "ARG ORG=astral-sh",
  "COPY --from=ghcr.io/${ORG}/uv:0.9.1 /uv /bin/",
  "RUN curl -LsSf https://astral.sh/uv/install.sh | sh",
  "ARG RUFF=ghcr.io/astral-sh/ruff",
  // Package words: only `uv` standing alone after pip / apk / uv tool is a pin.
  "RUN pip install uv",
  "RUN pip install --no-cache-dir uvicorn==0.30.1",
  'RUN python -m pip install "uvloop>=0.19" "uv"',
  "RUN apk add --no-cache uv~0.9",
  "RUN apk add --no-cache \\",
  "    uv",
  "  pip install \\",
  "RUN uv tool install 'uv'",
  "RUN uv\tself  update 0.9.17",
  "RUN uv self update",
  "RUN --mount=type=cache,target=/root/.cache/uv \\",
  "    uv sync --locked --no-dev",
  "RUN uvx --from uv==0.9.17 uv --version",
  "RUN pip install UV;echo",
  "ENV PKG=uv",
  "RUN pip install $PKG",
];
const soupArb = fc
  .array(fc.tuple(fc.constantFrom(...LINES), fc.constantFrom("\n", "\r\n", "\r")), {
    maxLength: 30,
  })
  .map((parts) => parts.map(([line, br]) => line + br).join(""));

describe("a masked parse finds what a full parse finds", () => {
  const inputs = {
    "line soups": soupArb,
    "generated Dockerfiles": dockerfileArb.map((f) => f.text),
    "mutated files": mutatedFileArb.map((f) => f.text),
  };
  for (const [name, arb] of Object.entries(inputs)) {
    it(
      name,
      () => {
        fc.assert(
          fc.property(arb, (text) => {
            const masked = maskIrrelevant(text, PATTERN);
            if (masked !== null) expect(breaks(masked)).toEqual(breaks(text));
            const { masked: m, full } = both(text);
            expect(m).toEqual(full);
          }),
          runs(300),
        );
      },
      PROPERTY_TIMEOUT,
    );
  }
});

describe("a directive line the full parse read differently", () => {
  it("a second `#…=` on the syntax line: both parses find the FROM after it", () => {
    // Found by the differential property ("mutated files", PROPERTY_RUNS_SCALE=40): dockerfile-ast
    // counted `#COPY --from=…` as a second directive line and skipped line 2.
    const text =
      "# syntax=docker/dockerfile:1  #COPY --from=astral/uv:0.3.0 /uv /bin/\nFROM ghcr.io/astral-sh/uv::0.0.0\n";
    const { masked, full } = both(text);
    expect(full).toEqual(masked);
    expect((masked.pins ?? []).map((p) => p.line)).toEqual([2]);
  });
});

describe("names written with escape characters", () => {
  it("keeps an ENV whose name is split by an escape (`UV_\\VERSION` declares UV_VERSION)", () => {
    // Found by the differential property ("mutated files") on CI: the masked parse dropped the ENV.
    const text =
      'FROM x\nENV UV_\\VERSION="0.0.0"\nRUN --mount=from=docker.io/astral/uv:latest,source=/uv,target=/bin/uv pip install uv==$UV_VERSION\n';
    const { masked, full } = both(text);
    expect(masked).toEqual(full);
    expect(JSON.stringify(full)).toContain('"version":"0.0.0"');
  });

  it("the counterexample as found", () => {
    const text =
      'ARG REG=0.0.0\r\nFROM docker.io/astral/uv:python3.12-bookworm-slim As uv\nENV UV_\\VERSION="0.0.0"\nRun --mount=source=/uv,target=/bin/uv,from=docker.io/astral/uv:${NOT_DEFINED:-1.0.7},type=bind pip install uv==$UV_VERSION\n# pip install uv==0.4.0\nWorkdir /app\r\nEnv V=astral/uv:latest\r\nCoPy --link --from=ghcr.io/astral-sh/uv@sha256:d330c7c8ca20d8f057f5e4bab4ba4b62a1870a024dedd4942bc006ebc76acc8d \\\r\n  /uv /uvx /bin/\r\n\r\n';
    const { masked, full } = both(text);
    expect(masked).toEqual(full);
  });
});

describe("checksum text (kept for the file-wide checksum rule)", () => {
  const REGEX =
    /sha256sum|shasum|checksum|openssl|hashlib|get-filehash|certutil|(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])/i;
  const hexRun = fc
    .tuple(fc.integer({ min: 62, max: 66 }), fc.constantFrom("a", "F", "0", "9"))
    .map(([n, c]) => c.repeat(n));
  const piece = fc.oneof(
    hexRun,
    fc.constantFrom(" ", "\n", ":", "-", "_", "g", "Z", "7", "e", "sha256:", "SHASUM", "x"),
    fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFgz -:\n"), maxLength: 80 }),
  );
  it("is the regex it replaces, on text around 64-hex runs, over any range", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.nat(), fc.nat(), (parts, a, b) => {
        const text = parts.join("");
        const start = text.length ? a % (text.length + 1) : 0;
        const end = start + (text.length - start ? b % (text.length - start + 1) : 0);
        expect(checksumText(text, start, end)).toBe(REGEX.test(text.slice(start, end)));
        expect(hasHex64(text, 0, text.length)).toBe(
          /(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])/i.test(text),
        );
      }),
      runs(2000),
    );
  });
});

describe("a continuation glued to text", () => {
  it("is the regex it replaces", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."\\` \t\r\nax#\uFEFF"), maxLength: 24 }),
        (text) => {
          expect(glued(text)).toBe(/[^ \t\r\n][\\`][ \t]*[\r\n]/.test(text));
        },
      ),
      runs(5000),
    );
  });
});
