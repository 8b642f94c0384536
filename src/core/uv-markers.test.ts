/**
 * `instructionMarkers(images).strong` leaves out the image names whose matches always hold a
 * counted word (`ownImages`): differential against the regex that lists every image, on what the
 * mask asks of it (which lines hold a hit that is not another astral-sh image; whether a text
 * holds any match at all).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { matchEnds, strongHits } from "./dockerfile-mask.js";
import { DEFAULT_IMAGES } from "./matchers.js";
import { instructionMarkers, ownImages } from "./uv-markers.js";

const WORDS = ["astral", "uv=", "required-version", "uv_version", String.raw`self[ \t]+update`];
const escaped = (images: readonly string[]) =>
  images.map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
/** `strong` as first written: every image listed. */
const everyImage = (images: readonly string[]) =>
  new RegExp([...WORDS, ...escaped(images)].join("|"), "gi");
const OTHER_IMAGE = /astral-sh\/(?!uv)[\w.-]/iy;

/** The starts of the lines that hold a counted hit of a global regex (as the mask first found them). */
function countedLines(re: RegExp, text: string, otherImages = true): number[] {
  const at: number[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    OTHER_IMAGE.lastIndex = m.index;
    if (otherImages && OTHER_IMAGE.test(text)) continue;
    at.push(m.index);
  }
  return linesOf(text, at);
}

/** The starts of the lines that hold these offsets. */
function linesOf(text: string, offsets: readonly number[]): number[] {
  const lines = new Set<number>();
  for (let i of offsets) {
    while (i > 0 && text[i - 1] !== "\n" && text[i - 1] !== "\r") i--;
    lines.add(i);
  }
  return [...lines].sort((a, b) => a - b);
}

const imagePiece = fc.constantFrom(
  "ghcr.io/",
  "docker.io/",
  "astral",
  "Astral",
  "-sh/",
  "astral-sh/",
  "ASTRAL-SH/",
  "uv",
  "UV",
  "ruff",
  "/",
  "x",
  "l",
  "al",
  "tral",
  "s",
  "pip",
  ".",
  ":",
  " ",
  "=",
  "_version",
  "é",
);
const imageArb = fc.array(imagePiece, { minLength: 1, maxLength: 5 }).map((p) => p.join(""));
const imagesArb = fc.oneof(
  fc.constant(DEFAULT_IMAGES),
  fc.array(imageArb, { maxLength: 3 }),
  fc.array(imageArb, { maxLength: 2 }).map((extra) => [...DEFAULT_IMAGES, ...extra]),
);

describe("strong hits without the image names a word already finds", () => {
  it("drops the default images (each holds `astral`, counted)", () => {
    expect(ownImages(DEFAULT_IMAGES)).toEqual([]);
    expect(ownImages(["ghcr.io/astral-sh/ruff", "registry.example/uv"])).toEqual([
      "ghcr.io/astral-sh/ruff",
      "registry.example/uv",
    ]);
    // Could overlap the end of `astral`, or cross a line: every image stays.
    expect(ownImages(["astral/uv", "lscr.io/uv"])).toEqual(["astral/uv", "lscr.io/uv"]);
    expect(ownImages(["astral/uv", "a b/uv"])).toEqual(["astral/uv", "a b/uv"]);
  });

  it(
    "finds a counted hit on the same lines as the regex listing every image",
    () => {
      fc.assert(
        fc.property(
          imagesArb,
          fc.array(fc.nat(), { maxLength: 12 }),
          fc.array(
            fc.constantFrom(
              "astral",
              "astral-sh/",
              "-sh/",
              "ruff",
              "uv",
              "UV",
              "=",
              "_version",
              "self \t update",
              "required-version",
              "pip",
              "apk \t add",
              "uv tool",
              "Apk add",
              "ghcr.io/",
              "docker.io/",
              "stral",
              "x",
              " ",
              "#",
              "\n",
              "\r\n",
              "\r",
            ),
            { maxLength: 14 },
          ),
          (images, picks, pieces) => {
            // Interleave the images themselves with the pieces.
            const parts: string[] = [...pieces];
            for (const [k, pick] of picks.entries()) {
              if (images.length > 0)
                parts.splice(pick % (parts.length + 1), 0, images[k % images.length] as string);
            }
            const text = parts.join("");
            const list = [...images];
            const m = instructionMarkers(list);
            const { strong } = m;
            const full = everyImage(list);
            expect(countedLines(strong, text)).toEqual(countedLines(full, text));
            // The mask's search (match ends, another image left out by a lookahead where no image
            // is listed) finds hits on the same lines too.
            // Each on the hit's own line: a character of the match, never the break after it.
            for (const o of [...strongHits(m, text), ...matchEnds(m.command, text)]) {
              expect(o).toBeLessThan(text.length);
              expect("\r\n").not.toContain(text[o]);
            }
            expect(linesOf(text, strongHits(m, text))).toEqual(countedLines(full, text));
            expect(linesOf(text, matchEnds(m.command, text))).toEqual(
              countedLines(/\bpip|\bapk[ \t]+add\b|\buv[ \t]+tool\b/gi, text, false),
            );
            strong.lastIndex = 0;
            full.lastIndex = 0;
            expect(strong.test(text)).toBe(full.test(text));
          },
        ),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
