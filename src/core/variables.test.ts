import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { PATTERNS } from "./variables.js";

const VALUE = String.raw`(?:"(?<dq>[^"\r\n]*)"|'(?<sq>[^'\r\n]*)'|(?<plain>[^\s;&|#"'\`]*))`;

/** The patterns before they were made linear (quadratic on a line of blanks after `=`). */
const OLD = {
  make: new RegExp(
    String.raw`^[ \t]*(?:(?:export|override)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:\?=|::=|:=|=)[ \t]*${VALUE}[ \t]*(?:#.*)?$`,
    "gmd",
  ),
  yaml: new RegExp(
    String.raw`^[ \t]*(?:-[ \t]+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]+${VALUE}[ \t]*(?:#.*)?$`,
    "gmd",
  ),
};

const matches = (re: RegExp, text: string) =>
  [...text.matchAll(re)].map((m) => ({ index: m.index, text: m[0], groups: m.indices?.groups }));

const lineText = fc
  .array(
    fc.constantFrom(
      "A",
      "B_1",
      "=",
      ":=",
      "?=",
      ":",
      ": ",
      " ",
      " ",
      "\t",
      "#",
      "# c",
      "x",
      "0.9.1",
      '"',
      "'",
      '"v"',
      "'v'",
      "\n",
      "\r\n",
      "- ",
      "export ",
      ";",
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(""));

describe("definition patterns", () => {
  it(
    "match exactly where the quadratic patterns matched",
    () => {
      fc.assert(
        fc.property(lineText, (text) => {
          expect(matches(PATTERNS.make[0]?.re as RegExp, text)).toEqual(matches(OLD.make, text));
          expect(matches(PATTERNS.yaml[0]?.re as RegExp, text)).toEqual(matches(OLD.yaml, text));
        }),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
