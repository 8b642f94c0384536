import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { scanText } from "./extract.js";
import { MAX_YAML_DEPTH, TOO_DEEP, tooDeepAt } from "./yaml-depth.js";

const PIN = "ghcr.io/astral-sh/uv:0.9.1";

/** Nesting of `levels` levels, in each way YAML can nest, with a uv pin at the bottom. */
const NESTED: Record<string, (levels: number) => string> = {
  "flow sequences": (n) => `x: ${"[".repeat(n)}${PIN}${"]".repeat(n)}\n`,
  "flow maps": (n) => `x: ${"{a: ".repeat(n)}${PIN}${"}".repeat(n)}\n`,
  "compact block sequences": (n) => `${"- ".repeat(n)}${PIN}\n`,
  "explicit keys": (n) => `${"? ".repeat(n)}${PIN}\n`,
  "indented block maps": (n) =>
    `${Array.from({ length: n }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n")} ${PIN}\n`,
};

describe("YAML nesting depth", () => {
  for (const [name, nest] of Object.entries(NESTED)) {
    it(`refuses ${name} nested far too deep, as a skipped file, without parsing it`, () => {
      // 50,000 levels aborted the whole process (a V8 fatal error) before the limit existed. The
      // indented form needs n²/2 bytes, so it is tried at a depth that fits in 1 MiB.
      const levels = name === "indented block maps" ? 1400 : 50_000;
      const text = nest(levels);
      const result = scanText(".github/workflows/ci.yml", text);
      const file = ".github/workflows/ci.yml";
      // The file, and the pin found in its text (which is never edited).
      expect(result.skipped).toEqual([
        { file, line: expect.any(Number), reason: TOO_DEEP },
        { file, line: result.pins[0]?.line, reason: TOO_DEEP },
      ]);
      expect(result.pins.map((p) => [p.version, p.skipReason])).toEqual([["0.9.1", TOO_DEEP]]);
      expect(tooDeepAt(text)).not.toBeNull();
    });

    it(`reads ${name} nested deep but within the limit`, () => {
      // The parser's stack holds one or two entries per level, plus the document.
      const levels = Math.floor((MAX_YAML_DEPTH - 2) / 2);
      const text = nest(levels);
      const result = scanText(".github/workflows/ci.yml", text);
      expect(result.skipped).toEqual([]);
      expect(result.pins.map((p) => [p.version, p.skipReason])).toEqual([["0.9.1", null]]);
      expect(tooDeepAt(text)).toBeNull();
    });
  }

  it("reports the line where the text goes too deep", () => {
    const text = `a: 1\nb: 2\n# astral\nc: ${"[".repeat(MAX_YAML_DEPTH + 5)}\n`;
    expect(scanText("x.yml", text).skipped).toEqual([{ file: "x.yml", line: 4, reason: TOO_DEEP }]);
  });

  it("refuses a configuration file nested too deep with a one-line problem", () => {
    const text = `schedule: daily\nlabels: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`;
    expect(parseConfig(text)).toEqual({
      ok: false,
      problems: [{ path: "line 2", message: TOO_DEEP }],
    });
  });
});
