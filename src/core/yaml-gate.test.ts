/**
 * The YAML gate (`yamlMayPin`): a YAML file that the wide file gate lets through (`pip` in
 * `pipeline`, `apk`, a quoted `"uv"`) is parsed only when the YAML extractor can find a pin in it.
 * Parsing is counted here (the parser is wrapped), and a property checks that the gate never
 * refuses a text in which the extractor finds a pin.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { mutatedFileArb, otherFileArb, PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { ChecksumLedger } from "./checksum-ledger.js";
import { scanText } from "./extract.js";
import { extractYaml, yamlMayPin } from "./extract-yaml.js";
import { Lines } from "./lines.js";
import { DEFAULT_IMAGES } from "./matchers.js";
import { parseYaml } from "./yaml-parse.js";

vi.mock("./yaml-parse.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./yaml-parse.js")>();
  return { ...actual, parseYaml: vi.fn(actual.parseYaml) };
});

const parses = vi.mocked(parseYaml);

/** A rendered manifest of a project named `pipeline-…`: `pip` on every few lines, no uv. */
function manifest(services: number): string {
  const parts: string[] = [];
  for (let i = 0; i < services; i++) {
    parts.push(
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        `  name: pipeline-runner-${i}`,
        "  labels:",
        "    app.kubernetes.io/part-of: pipeline",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        `        - name: worker-${i}`,
        `          image: registry.example.com/pipeline/worker:1.${i}.0`,
        '          command: ["python", "-m", "worker", "--queue", "apk-builds"]',
        "---",
      ].join("\n"),
    );
  }
  return `${parts.join("\n")}\n`;
}

describe("YAML files the file gate lets through", () => {
  it("a manifest whose only uv-ish text is `pip` in `pipeline` is not parsed, and holds no pin", () => {
    const text = manifest(40);
    parses.mockClear();
    expect(scanText("deploy/rendered/all.yaml", text)).toEqual({ pins: [], skipped: [] });
    expect(parses).toHaveBeenCalledTimes(0);
  });

  it("a broken YAML file without uv text is not reported (it holds nothing to update)", () => {
    parses.mockClear();
    expect(scanText("deploy/pipeline.yml", "name: pipeline\nsteps: [\n")).toEqual({
      pins: [],
      skipped: [],
    });
    expect(parses).toHaveBeenCalledTimes(0);
  });

  it("is parsed when a command installs uv (`pip install uv`, `apk add uv`, `uv self update`)", () => {
    for (const run of [
      "pip install uv",
      "pipx install 'uv'",
      "apk add --no-cache uv",
      "uv self update",
    ]) {
      parses.mockClear();
      const text = `name: pipeline\njobs:\n  a:\n    steps:\n      - run: ${run}\n`;
      const found = scanText(".github/workflows/ci.yml", text);
      expect(parses).toHaveBeenCalledTimes(1);
      expect(found.pins.map((p) => [p.kind, p.line, p.version])).toEqual([["version", 5, null]]);
    }
  });

  it("is parsed when a structure value may name setup-uv, also written with an escape", () => {
    const text = [
      "# the pipeline",
      "steps:",
      '  - uses: "\\x61stral-sh/setup-uv@v7"',
      "    with:",
      "      version: 0.9.1",
      "",
    ].join("\n");
    parses.mockClear();
    const found = scanText(".github/workflows/ci.yml", text);
    expect(parses).toHaveBeenCalledTimes(1);
    expect(found.pins.map((p) => [p.kind, p.line, p.version])).toEqual([["version", 5, "0.9.1"]]);
  });

  it("a compose build argument named like a uv version is read", () => {
    const text = "services:\n  app:\n    build:\n      args:\n        TOOLS_UV_VERSION: 0.9.2\n";
    parses.mockClear();
    const found = scanText("compose.yaml", text);
    expect(parses).toHaveBeenCalledTimes(1);
    expect(found.pins.map((p) => [p.line, p.version])).toEqual([[5, "0.9.2"]]);
  });
});

/** Lines and pieces of YAML near the gate's edge: commands, quotes, flow lists, escapes. */
const PIECES = [
  "pip install ",
  "pipx install ",
  "python -m pip install ",
  "pip3 install --upgrade ",
  "apk add ",
  "apk add --no-cache ",
  "uv tool install ",
  "uv self update",
  "uvx --from ",
  "uv",
  '"uv"',
  "'uv'",
  "uv,",
  "uv]",
  "[pip, install, uv]",
  '["pip", "install", "uv"]',
  "==0.9.1",
  "=0.9.1",
  ">=0.5",
  "~0.9",
  "0.9.17",
  "v0.9.17",
  "uv==",
  "UV_VERSION",
  "TOOLS_UV_VERSION",
  "uv_version",
  "required-version",
  "setup-uv",
  "uv-pre-commit",
  "astral-sh/setup-uv@v7",
  "\\x61stral-sh/setup-uv@v7",
  '- uses: "\\x61stral-sh/setup-uv@v7"\n  with:\n    version: 0.9.1\n',
  '- repo: "https://github.com/\\x61stral-sh/uv-pre-commit"\n  rev: 0.9.1\n',
  '- uses: "astral-sh/setup-\\u0075v@v7"\n  with: {version: "0.9.1"}\n',
  "https://github.com/astral-sh/uv-pre-commit",
  "astral",
  "astr",
  "al",
  "https://astral.sh/uv/",
  "/install.sh",
  "ghcr.io/astral-sh/uv",
  "astral/uv",
  "registry.example.com/tools/uv",
  "pipeline",
  "${{ env.UV_VERSION }}",
  "$UV_VERSION",
  "curl -LsSf ",
  " | sh",
  "- uses: ",
  "- run: ",
  "run: |\n  ",
  "with:\n  version: ",
  "- repo: ",
  "  rev: ",
  "build:\n  args:\n    ",
  "build-args: ",
  "env:\n  ",
  "image: ",
  "command: ",
  ": ",
  "- ",
  "\n",
  "\r\n",
  "  ",
  "\t",
  "#",
  '"',
  "'",
  "[",
  "]",
  "{",
  "}",
  ",",
  "\\",
  "\\\n",
  "\\u0075",
  "&a ",
  "*a",
  "<<: ",
  "? ",
  "|\n  ",
  ">\n  ",
];

/** Texts of those pieces, and generated workflows and pre-commit configurations, mutated or not. */
const yamlTextArb = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((parts) => parts.join("")),
  fc
    .oneof(otherFileArb, mutatedFileArb)
    .filter((f) => /\.ya?ml$/.test(f.path))
    .map((f) => f.text),
);

const IMAGE_LISTS: readonly (readonly string[])[] = [
  DEFAULT_IMAGES,
  ["registry.example.com/tools/uv"],
  [...DEFAULT_IMAGES, "registry.example.com/tools/uv"],
];

describe("yamlMayPin (property)", () => {
  it(
    "never refuses a text in which the YAML extractor finds a pin",
    () => {
      fc.assert(
        fc.property(yamlTextArb, fc.constantFrom(...IMAGE_LISTS), (text, images) => {
          if (yamlMayPin(text, images)) return;
          const ctx = {
            file: ".github/workflows/ci.yml",
            text,
            lines: new Lines(text),
            images,
            ledger: new ChecksumLedger(),
          };
          expect(extractYaml(ctx).pins).toEqual([]);
        }),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
