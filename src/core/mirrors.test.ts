import { describe, expect, it } from "vitest";
import { NO_SPANS, type Shown, scanFixture, shown } from "../../test/file-pins.js";
import { isImageName, noUpstream, scanOptionsFor, upstreamOf } from "./mirrors.js";

const MIRROR = "registry.corp.example/ghcr/astral-sh/uv";
const UPSTREAM = "ghcr.io/astral-sh/uv";
const D = `sha256:${"a".repeat(64)}`;
const OPTIONS = scanOptionsFor([
  { name: MIRROR, mirrorOf: UPSTREAM },
  { name: "bare.corp.example/uv", mirrorOf: null },
]);

/** A pin on the mirror: the name as written, looked up on the upstream. */
function mirrored(file: string, line: number, fields: Partial<Shown>): Shown {
  return shown("image", file, line, {
    image: MIRROR,
    tag: "0.9.17",
    version: "0.9.17",
    versionLine: line,
    resolvedTag: "0.9.17",
    mirrorOf: UPSTREAM,
    ...fields,
  });
}

describe("configured mirrors are found in every image form, as written", () => {
  it("Dockerfile: FROM, ARG-held image, COPY --from, RUN --mount, digest-only; a bare name is held", () => {
    const f = "mirrors/Dockerfile";
    const bare = noUpstream("bare.corp.example/uv");
    expect(scanFixture(f, OPTIONS)).toEqual({
      pins: [
        mirrored(f, 4, {
          digest: D,
          form: "tag+digest",
          spans: { ...NO_SPANS, version: "4:46 0.9.17", digest: `4:53 ${D}` },
        }),
        mirrored(f, 5, {
          tag: "python3.12-bookworm-slim",
          version: null,
          variable: "UV_IMAGE",
          versionLine: 3,
          suffix: "python3.12-bookworm-slim",
          resolvedTag: "python3.12-bookworm-slim",
        }),
        mirrored(f, 8, {
          tag: "${UV_VERSION}",
          variable: "UV_VERSION",
          versionLine: 2,
          spans: { ...NO_SPANS, version: "2:16 0.9.17" },
        }),
        // the registry host in another case is the same image, and is shown as written
        mirrored(f, 9, {
          image: "Registry.Corp.Example/ghcr/astral-sh/uv",
          tag: null,
          version: null,
          versionLine: null,
          resolvedTag: null,
          digest: D,
          form: "digest",
          spans: { ...NO_SPANS, digest: `9:53 ${D}` },
        }),
        mirrored(f, 10, {
          tag: "0.9.17-alpine",
          suffix: "-alpine",
          resolvedTag: "0.9.17-alpine",
          spans: { ...NO_SPANS, version: "10:58 0.9.17" },
        }),
        // line 12 (`…/astral-sh/uvicorn`) is not uv; line 14 names no upstream: found, never moved
        {
          ...mirrored(f, 14, {
            image: "bare.corp.example/uv",
            skipReason: bare,
            spans: { ...NO_SPANS, version: "14:34 0.9.17" },
          }),
          mirrorOf: undefined,
        },
      ],
      skipped: [{ file: f, line: 14, reason: bare }],
    });
  });

  it("compose, a workflow's container and docker:// step, a shell script", () => {
    expect(scanFixture("mirrors/compose.yaml", OPTIONS)).toEqual({
      pins: [
        mirrored("mirrors/compose.yaml", 3, {
          tag: "0.9.17-bookworm",
          suffix: "-bookworm",
          resolvedTag: "0.9.17-bookworm",
          digest: D,
          form: "tag+digest",
          spans: { ...NO_SPANS, version: "3:52 0.9.17", digest: `3:68 ${D}` },
        }),
        mirrored("mirrors/compose.yaml", 5, {
          tag: "${UV_TAG:-0.9.17}",
          variable: "UV_TAG",
          spans: { ...NO_SPANS, version: "5:63 0.9.17" },
        }),
      ],
      skipped: [],
    });
    expect(scanFixture("mirrors/ci.yml", OPTIONS)).toEqual({
      pins: [
        mirrored("mirrors/ci.yml", 4, { spans: { ...NO_SPANS, version: "4:56 0.9.17" } }),
        mirrored("mirrors/ci.yml", 6, { spans: { ...NO_SPANS, version: "6:64 0.9.17" } }),
      ],
      skipped: [],
    });
    expect(scanFixture("mirrors/build.sh", OPTIONS)).toEqual({
      pins: [
        mirrored("mirrors/build.sh", 3, {
          tag: "$UV_TAG",
          variable: "UV_TAG",
          versionLine: 2,
          spans: { ...NO_SPANS, version: "2:8 0.9.17" },
        }),
      ],
      skipped: [],
    });
  });

  it("without the configuration none of these is uv", () => {
    for (const f of ["Dockerfile", "compose.yaml", "ci.yml", "build.sh"])
      expect(scanFixture(`mirrors/${f}`)).toEqual({ pins: [], skipped: [] });
  });
});

describe("mirror names and upstreams", () => {
  it("Docker's name grammar, bounded", () => {
    expect(
      [
        MIRROR,
        "localhost:5000/uv",
        "mirror/uv",
        "r.example/a__b/c-d/e.f",
        "r.example/UV",
        "r.example/uv:0.9",
        "r.example//uv",
        "r.example:port/uv",
        "-r.example/uv",
        "r.example/a--",
        `r.example/${"a".repeat(190)}`,
        `r.example/${"a".repeat(191)}`,
      ].map(isImageName),
    ).toEqual([true, true, true, true, false, false, false, false, false, false, true, false]);
  });

  it("only uv's own images are upstreams", () => {
    expect(
      [
        "ghcr.io/astral-sh/uv",
        "GHCR.IO/astral-sh/uv",
        "astral/uv",
        "docker.io/astral/uv",
        "evil.example/uv",
        "ghcr.io/astral-sh/ruff",
      ].map(upstreamOf),
    ).toEqual([UPSTREAM, UPSTREAM, "docker.io/astral/uv", "docker.io/astral/uv", null, null]);
  });
});
