import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { parseYaml } from "./yaml-parse.js";

/** YAML-ish text, valid or not: structure, quotes, flow, documents, comments, line breaks. */
const yamlish = fc
  .array(
    fc.constantFrom(
      "a",
      "b: ",
      "- ",
      "? ",
      ": ",
      "[",
      "]",
      "{",
      "}",
      ",",
      '"',
      "'",
      "#",
      " ",
      "  ",
      "\t",
      "\n",
      "\r\n",
      "\r",
      "---\n",
      "...\n",
      "|\n",
      ">-\n",
      "&x ",
      "*x",
      "!!str ",
      "%YAML 1.2\n",
      "@",
      "`",
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

/** What is read of an error: its message's first line without a trailing colon, and its line. */
const firstErrors = (
  docs: readonly { errors: readonly { message: string; linePos?: { line: number }[] }[] }[],
) =>
  docs.map((doc) => {
    const [error] = doc.errors;
    if (!error) return null;
    return {
      message: (error.message.split("\n")[0] ?? "").replace(/:$/, ""),
      line: error.linePos?.[0]?.line ?? null,
    };
  });

/** A document's value, or why it has none. */
const content = (doc: { toJS: () => unknown }) => {
  try {
    return doc.toJS();
  } catch (error) {
    return String(error);
  }
};

describe("parseYaml", () => {
  it(
    "reports each document's first error as parseAllDocuments does",
    () => {
      fc.assert(
        fc.property(yamlish, (text) => {
          const ours = parseYaml(text);
          const parsed = parseAllDocuments(text, { uniqueKeys: false });
          const theirs = Array.isArray(parsed) ? parsed : [];
          expect(ours.docs.map(content)).toEqual(theirs.map(content));
          expect(firstErrors(ours.docs)).toEqual(firstErrors(theirs));
          expect(ours.errors).toBe(theirs.some((d) => d.errors.length > 0));
        }),
        runs(1500),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it("stays linear on a long line full of errors", () => {
    // One error per token: the library's messages (an excerpt of the line each) made this
    // quadratic. Counted, not timed: only each document's first error gets a position.
    const ours = parseYaml(`x: ${'"'.repeat(20_001)}\n`);
    expect(ours.errors).toBe(true);
    const [doc] = ours.docs;
    expect(doc?.errors.length).toBeGreaterThan(1000);
    expect(doc?.errors.filter((e) => e.linePos !== undefined).length).toBe(1);
  });
});
