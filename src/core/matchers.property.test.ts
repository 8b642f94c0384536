/**
 * `mayNameUvImage` lets the Dockerfile extractor skip expanding references that cannot name a
 * uv image from their written start alone. It must never say no to a reference that names one:
 * for every reference whose name `isUvImage` accepts, every start of it passes.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { DEFAULT_IMAGES, isUvImage, mayNameUvImage, parseImageRef } from "./matchers.js";

/** A name's characters in either case, the way a Dockerfile may write a registry host. */
const anyCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(""));

const images = fc.oneof(
  fc.constant(DEFAULT_IMAGES),
  fc.array(fc.stringMatching(/^[a-zA-Z0-9.:-]{1,12}\/[a-z0-9/_-]{1,12}$/), {
    minLength: 1,
    maxLength: 4,
  }),
);

it("never refuses a start of a reference that names a uv image", () => {
  fc.assert(
    fc.property(
      images.chain((list) =>
        fc.tuple(
          fc.constant(list),
          fc.oneof(
            fc.constantFrom(...list).chain(anyCase),
            fc.stringMatching(/^[a-zA-Z0-9./:-]{0,24}$/),
          ),
          fc.stringMatching(/^(?::[\w.${}-]{0,16})?(?:@sha256:[0-9a-f]{0,8})?$/),
        ),
      ),
      ([list, name, rest]) => {
        const ref = `${name}${rest}`;
        const parts = parseImageRef(ref);
        if (!parts || !isUvImage(parts.name, list)) return;
        const refused = [];
        for (let k = 0; k <= ref.length; k++) {
          if (!mayNameUvImage(ref.slice(0, k), list)) refused.push(ref.slice(0, k));
        }
        expect(refused).toEqual([]);
      },
    ),
    { numRuns: 1000 },
  );
});

it("refuses what cannot begin a uv image name", () => {
  for (const ref of ["python:3.12-slim", "node:24", "ghcr.io/astral-sh/ruff:0.6", "alpine"]) {
    expect(mayNameUvImage(ref, DEFAULT_IMAGES)).toBe(false);
  }
  expect(mayNameUvImage("GHCR.IO/astral-sh/uv:0.9.17", DEFAULT_IMAGES)).toBe(true);
  expect(mayNameUvImage("ghcr.io/astral-sh/", DEFAULT_IMAGES)).toBe(true);
});
