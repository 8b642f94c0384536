import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { continuationBreaks } from "./extract-dockerfile.js";
import type { Span } from "./types.js";

/** The version that read the lines after every break again (quadratic on `# c \` lines). */
function byRescan(text: string, escapeChar: string): Span[] {
  const out: Span[] = [];
  const re = new RegExp(`${escapeChar === "`" ? "`" : "\\\\"}[ \\t]*(\\r\\n|\\n|\\r)`, "g");
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    let end = start + m[0].length;
    for (;;) {
      const rest = /^[ \t]*(#[^\r\n]*)?(\r\n|\n|\r)/.exec(text.slice(end, end + 4096));
      if (!rest) break;
      end += rest[0].length;
    }
    out.push({ start, end });
  }
  return out;
}

const dockerish = fc
  .array(
    fc.constantFrom("RUN a", " ", "\t", "\\", "`", "\n", "\r\n", "\r", "#", "# c", "x", "# c \\"),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

describe("continuationBreaks", () => {
  it(
    "drops what reading the lines after every break again drops",
    () => {
      fc.assert(
        fc.property(dockerish, fc.constantFrom("\\", "`"), (text, escapeChar) => {
          expect(continuationBreaks(text, escapeChar)).toEqual(byRescan(text, escapeChar));
        }),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "within instruction ranges: the breaks of the whole text that start inside them",
    () => {
      const withRanges = dockerish.chain((text) =>
        fc.record({
          text: fc.constant(text),
          escapeChar: fc.constantFrom("\\", "`"),
          cuts: fc.uniqueArray(fc.nat(text.length), { maxLength: 8 }),
        }),
      );
      fc.assert(
        fc.property(withRanges, ({ text, escapeChar, cuts }) => {
          const sorted = [...cuts].sort((a, b) => a - b);
          const ranges: Span[] = [];
          for (let i = 0; i + 1 < sorted.length; i += 2) {
            ranges.push({ start: sorted[i] as number, end: sorted[i + 1] as number });
          }
          const inside = byRescan(text, escapeChar).filter((d) =>
            ranges.some((r) => r.start <= d.start && d.start < r.end),
          );
          expect(continuationBreaks(text, escapeChar, ranges)).toEqual(inside);
        }),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
