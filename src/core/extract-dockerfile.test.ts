/**
 * Dockerfile scanner, image references: `COPY --from`, `RUN --mount=from`, `FROM`, and the tag
 * forms. Every expectation is written from the fixture by hand.
 */
import { describe, expect, test } from "vitest";
import { imagePin, scanFixture, skipsOf } from "../../test/dockerfile-pins.js";

describe("case 1: COPY --from=<uv image>, flags in any order", () => {
  test("copy-from-flags: --link, --chown, --chmod before and after --from, a quoted --from", () => {
    const f = "copy-from-flags.Dockerfile";
    const pins = [
      imagePin(f, 5, { tag: "0.9.17", version: "0.9.17" }),
      imagePin(f, 6, { tag: "0.9.16", version: "0.9.16" }),
      imagePin(f, 7, { tag: "0.9.15", version: "0.9.15" }),
      imagePin(f, 8, { tag: "0.9.14", version: "0.9.14" }),
      imagePin(f, 9, { tag: "0.9.13", version: "0.9.13" }),
      imagePin(f, 10, { tag: "0.9.12", version: "0.9.12" }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("case 2: RUN --mount=…from=<uv image>… at any position", () => {
  test("run-mount-from: the uv mount first, after a cache mount, options in any order", () => {
    const f = "run-mount-from.Dockerfile";
    const pins = [
      // from= first, source= and target= after it
      imagePin(f, 5, { tag: "0.9.17", version: "0.9.17" }),
      // second of four mounts, after a cache mount, on a continuation line
      imagePin(f, 9, { tag: "0.9.16", version: "0.9.16" }),
      // second mount on the same line, from= last
      imagePin(f, 14, { tag: "0.9.15", version: "0.9.15" }),
      // two uv mounts on one RUN, from= in the middle and last
      imagePin(f, 16, { tag: "0.9.14", version: "0.9.14" }),
      imagePin(f, 17, { tag: "0.9.13", version: "0.9.13" }),
      // a quoted CSV field: "from=…"
      imagePin(f, 20, { tag: "0.9.12", version: "0.9.12" }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("case 3: FROM [--platform=…] <uv image>[:tag][@digest] [AS name]", () => {
  test("from-stage-alias: FROM pins; COPY --from / --mount=from=<alias> are not pins", () => {
    const f = "from-stage-alias.Dockerfile";
    const digest = "sha256:1f6b2e8ec0d3a8d2c7e7c0e39c8f6d0b9a4f1c2e3d4b5a69788796a5b4c3d2e1";
    const pins = [
      imagePin(f, 2, { tag: "0.9.17", version: "0.9.17" }),
      imagePin(f, 4, {
        tag: "0.9.16-python3.12-bookworm-slim",
        version: "0.9.16",
        suffix: "-python3.12-bookworm-slim",
      }),
      imagePin(f, 12, { tag: "0.9.15", version: "0.9.15", digest, form: "tag+digest" }),
      imagePin(f, 14, {
        image: "astral/uv",
        tag: "0.9.14-alpine",
        version: "0.9.14",
        suffix: "-alpine",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("case 4: tags", () => {
  test("tag-forms: exact, rolling, latest, none, variants, digest, tag+digest, v-prefix, images", () => {
    const f = "tag-forms.Dockerfile";
    const digestOnly = "sha256:0b5c9e1a3f7d2c4e6a8b0d2f4e6c8a0b2d4f6e8c0a2b4d6f8e0c2a4b6d8f0e2a";
    const tagDigest = "sha256:9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c";
    const pins = [
      imagePin(f, 3, { tag: "0.9.17", version: "0.9.17" }),
      imagePin(f, 4, { tag: "0.8", version: "0.8" }),
      imagePin(f, 5, { tag: "latest", version: null }),
      imagePin(f, 6, { tag: null, version: null }),
      imagePin(f, 7, {
        tag: "0.9.17-python3.12-bookworm-slim",
        version: "0.9.17",
        suffix: "-python3.12-bookworm-slim",
      }),
      imagePin(f, 8, { tag: "0.9.17-alpine", version: "0.9.17", suffix: "-alpine" }),
      // a variant-only tag has no version (never 3.12); the whole tag is the suffix
      imagePin(f, 9, {
        tag: "python3.12-bookworm-slim",
        version: null,
        suffix: "python3.12-bookworm-slim",
      }),
      imagePin(f, 10, { tag: null, digest: digestOnly, form: "digest" }),
      imagePin(f, 11, { tag: "0.9.17", version: "0.9.17", digest: tagDigest, form: "tag+digest" }),
      // the tag as written; the version (and its span) without the v
      imagePin(f, 12, { tag: "v0.9.17", version: "0.9.17" }),
      imagePin(f, 13, { image: "docker.io/astral/uv", tag: "0.9.16", version: "0.9.16" }),
      imagePin(f, 14, {
        image: "astral/uv",
        tag: "0.9.15-bookworm",
        version: "0.9.15",
        suffix: "-bookworm",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
    // The v-prefixed tag's version span starts right after the v.
    const span = scanned.raw[9]?.spans.version;
    expect(span && scanned.text.slice(span.start - 4, span.end)).toBe("uv:v0.9.17");
  });
});
