/**
 * The loops that replaced the file-wide checksum rule's regexes find what those regexes found:
 * the same matches, at the same offsets, in the same order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runs } from "../../test/arbitraries.js";
import { checkCommands } from "./checksum-ledger.js";
import { hex64Values, nextHex64 } from "./hex64.js";

const HEX64 = /(?<![A-Za-z0-9])(?:sha256:)?[a-f0-9]{64}(?![A-Za-z0-9])/gi;
const CHECK_COMMAND =
  /(?<![A-Za-z0-9_-])(?:g?sha256sum|shasum|openssl[ \t]+(?:dgst|sha256)|hashlib|get-filehash|certutil(?:\.exe)?[ \t]+-hashfile)(?![A-Za-z0-9_-])/gi;

const hexRun = fc
  .tuple(fc.integer({ min: 62, max: 66 }), fc.constantFrom("a", "F", "0", "9", "e"))
  .map(([n, c]) => c.repeat(n));
const piece = fc.oneof(
  hexRun,
  fc.constantFrom(
    " ",
    "\n",
    ":",
    "-",
    "_",
    "@",
    "g",
    "Z",
    "7",
    "x",
    "sha256:",
    "SHA256:",
    "sha256",
    "xsha256:",
    "sha256sum",
    "gsha256sum",
    "SHASUM",
    "openssl dgst",
    "openssl\tsha256",
    "hashlib",
    "Get-FileHash",
    "certutil.exe -hashfile",
    "certutil -hashfile",
  ),
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFgsz -_:.\n"), maxLength: 80 }),
);
const textArb = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(""));

describe("64-hex values and check commands without lookbehind regexes", () => {
  it("hex64Values: the offsets of the regex's matches", () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect([...hex64Values(text)]).toEqual(Array.from(text.matchAll(HEX64), (m) => m.index));
      }),
      runs(3000),
    );
  });

  it("nextHex64: the regex on text[from, end)", () => {
    fc.assert(
      fc.property(textArb, fc.nat(), fc.nat(), (text, a, b) => {
        const from = text.length ? a % (text.length + 1) : 0;
        const end = from + (text.length - from ? b % (text.length - from + 1) : 0);
        const m = /(?<![A-Za-z0-9])[a-f0-9]{64}(?![A-Za-z0-9])/i.exec(text.slice(from, end));
        expect(nextHex64(text, from, end)).toBe(m ? from + m.index : -1);
      }),
      runs(3000),
    );
  });

  it("checkCommands: the offsets of the regex's matches", () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect([...checkCommands(text)]).toEqual(
          Array.from(text.matchAll(CHECK_COMMAND), (m) => m.index),
        );
      }),
      runs(3000),
    );
  });

  it("examples", () => {
    const h = "a".repeat(64);
    expect([...hex64Values(`x sha256:${h} @sha256:${h} xsha256:${h} ${h}0`)]).toEqual([2, 75, 155]);
    expect([...checkCommands("gsha256sum xsha256sum -shasum sha256sum_ shasum")]).toEqual([0, 41]);
  });
});
