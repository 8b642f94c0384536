import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NO_SPANS, scan, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { lockstepGroups } from "./lockstep.js";
import { scanJson } from "./render-scan.js";
import { withBuildArgs } from "./rescan.js";
import { rewriteFile } from "./rewrite.js";
import type { Pin, ScanOptions, ScanResult } from "./types.js";

const DIR = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const read = (path: string) => readFileSync(`${DIR}${path}`, "utf8");

/** Scans a repository's files, then again knowing the Dockerfile ARGs that feed pins. */
function scanRepository(files: { path: string; text: string }[]) {
  const scans = new Map<string, ScanResult>(files.map((f) => [f.path, scanText(f.path, f.text)]));
  const options = withBuildArgs(files, scans, {});
  const result: ScanResult = { pins: [], skipped: [] };
  for (const f of files) {
    result.pins.push(...(scans.get(f.path)?.pins ?? []));
    result.skipped.push(...(scans.get(f.path)?.skipped ?? []));
  }
  return { result, options };
}

/** Rewrites every readable pin of each file to `version`; returns the new texts. */
function rewriteAll(
  files: { path: string; text: string }[],
  pins: readonly Pin[],
  options: ScanOptions,
  target: (p: Pin) => Record<string, unknown>,
) {
  return files.map((f) => {
    const r = rewriteFile(
      f.path,
      f.text,
      pins
        .filter((p) => p.file === f.path && !p.skipReason && !p.unpinned)
        .map((pin) => ({ pin, target: target(pin) })),
      options,
    );
    expect(r.error).toBeNull();
    expect(r.refused).toEqual([]);
    return r.text;
  });
}

const where = (p: Pin) => `${p.file}:${p.line}`;

describe("overrides of any ARG that feeds a uv pin, tied to the Dockerfile their build uses", () => {
  const files = ["svc/Dockerfile", "other/Dockerfile.dev", "compose.yaml"].map((path) => ({
    path,
    text: read(`files/build-args/${path}`),
  }));
  const text = (i: number) => (files[i] as { text: string }).text;

  it("compose UV_TAG overrides: one per service, each on its build's Dockerfile (unknown: all)", () => {
    const { result } = scanRepository(files);
    const compose = result.pins.filter((p) => p.file === "compose.yaml");
    const override = (line: number, version: string, col: number, overridesIn?: string) =>
      shown("version", "compose.yaml", line, {
        version,
        variable: "UV_TAG",
        versionLine: line,
        overrides: "UV_TAG",
        spans: { ...NO_SPANS, version: `${line}:${col} ${version}` },
        ...(overridesIn ? { overridesIn } : {}),
      });
    expect(
      scan(
        "compose.yaml",
        text(2),
        withBuildArgs(files, new Map(files.map((f) => [f.path, scanText(f.path, f.text)])), {}),
      ).pins,
    ).toEqual([
      override(6, "0.9.17", 18, "svc/Dockerfile"),
      override(12, "0.9.16", 18, "other/Dockerfile.dev"),
      override(17, "0.9.15", 18),
    ]);
    expect(
      compose.map((p) => [
        p.line,
        scanJson(result).pins.find((j) => j.file === p.file && j.line === p.line)?.overrides,
      ]),
    ).toEqual([
      [6, { arg: "UV_TAG", sets: [{ file: "svc/Dockerfile", line: 1 }] }],
      [12, { arg: "UV_TAG", sets: [{ file: "other/Dockerfile.dev", line: 2 }] }],
      [
        17,
        {
          arg: "UV_TAG",
          sets: [
            { file: "svc/Dockerfile", line: 1 },
            { file: "other/Dockerfile.dev", line: 2 },
          ],
        },
      ],
    ]);
    const groups = lockstepGroups(result.pins);
    expect([...groups].map(([key, members]) => [key, members.map(where)])).toEqual([
      ["UV_TAG in svc/Dockerfile", ["compose.yaml:6", "svc/Dockerfile:2", "svc/Dockerfile:5"]],
      ["UV_TAG in other/Dockerfile.dev", ["compose.yaml:12", "other/Dockerfile.dev:3"]],
      [
        "UV_TAG",
        ["compose.yaml:17", "svc/Dockerfile:2", "svc/Dockerfile:5", "other/Dockerfile.dev:3"],
      ],
    ]);
  });

  it("round trip: the ARGs and every override move, nothing else", () => {
    const { result, options } = scanRepository(files);
    const [svc, other, compose] = rewriteAll(files, result.pins, options, () => ({
      version: "0.9.18",
    }));
    expect(svc).toBe(text(0).replace("UV_TAG=0.9.17", "UV_TAG=0.9.18"));
    expect(other).toBe(text(1).replace("UV_TAG=0.9.16", "UV_TAG=0.9.18"));
    expect(compose).toBe(
      text(2)
        .replace('UV_TAG: "0.9.17"', 'UV_TAG: "0.9.18"')
        .replace("UV_TAG=0.9.16", "UV_TAG=0.9.18")
        .replace('UV_TAG: "0.9.15"', 'UV_TAG: "0.9.18"'),
    );
  });
});

describe("checksum ARG overrides are pins of their file", () => {
  const A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
  const B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
  const X86 = "uv-x86_64-unknown-linux-gnu.tar.gz";
  const ARM = "uv-aarch64-unknown-linux-gnu.tar.gz";
  const URL =
    "https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/uv-${arch}-unknown-linux-gnu.tar.gz";
  const DL = "https://github.com/astral-sh/uv/releases/download/0.9.17";
  const files = [
    { path: "Dockerfile", text: read("dockerfiles/checksum-per-arch.Dockerfile") },
    {
      path: "compose.yaml",
      text: `services:\n  app:\n    build:\n      args:\n        UV_SHA256_AMD64: "${A}"\n        UV_SHA256_ARM64: sha256:${B}\n`,
    },
    { path: "build.sh", text: `docker build --build-arg "UV_SHA256_ARM64=${B}" .\n` },
  ];
  const text = (i: number) => (files[i] as { text: string }).text;

  it("each with the asset, URL and architecture of the checksum it sets, and no version text", () => {
    const { options } = scanRepository(files);
    const sum = (
      line: number,
      col: number,
      digest: string,
      asset: string,
      arch: string,
      prefixed: boolean,
      file: string,
      argLine: number,
    ) =>
      shown("installer", file, line, {
        url: URL,
        asset,
        version: "0.9.17",
        digest: `sha256:${digest}`,
        form: "url+checksum",
        variable: asset === X86 ? "UV_SHA256_AMD64" : "UV_SHA256_ARM64",
        overrides: asset === X86 ? "UV_SHA256_AMD64" : "UV_SHA256_ARM64",
        overridesChecksums: [{ file: "Dockerfile", line: argLine, pinLine: 12 }],
        ...(file === "compose.yaml" ? { overridesIn: "Dockerfile" } : {}),
        checksums: [
          {
            digest: `sha256:${digest}`,
            line,
            span: `${line}:${col} ${prefixed ? "sha256:" : ""}${digest}`,
            prefixed,
            asset,
            url: `${DL}/${asset}`,
            arch,
          },
        ],
        spans: {
          ...NO_SPANS,
          checksum: `${line}:${col} ${prefixed ? "sha256:" : ""}${digest}`,
          checksumPrefixed: prefixed,
        },
      });
    expect(scan("compose.yaml", text(1), options)).toEqual({
      pins: [
        sum(5, 27, A, X86, "amd64", false, "compose.yaml", 3),
        sum(6, 26, B, ARM, "arm64", true, "compose.yaml", 4),
      ],
      skipped: [],
    });
    expect(scan("build.sh", text(2), options)).toEqual({
      pins: [sum(1, 43, B, ARM, "arm64", false, "build.sh", 4)],
      skipped: [],
    });
  });

  it("round trip: each moves to its architecture's checksum, the rest of the file stays", () => {
    const { result, options } = scanRepository(files);
    const NA = "1".repeat(64);
    const NB = "2".repeat(64);
    const sums = { [X86]: `sha256:${NA}`, [ARM]: `sha256:${NB}` };
    const [dockerfile, compose, sh] = rewriteAll(files, result.pins, options, () => ({
      version: "0.9.18",
      checksums: sums,
    }));
    expect(dockerfile).toBe(
      text(0).replace("UV_VERSION=0.9.17", "UV_VERSION=0.9.18").replace(A, NA).replace(B, NB),
    );
    expect(compose).toBe(text(1).replace(A, NA).replace(B, NB));
    expect(sh).toBe(text(2).replace(B, NB));
  });
});

describe("checksum overrides that cannot be tied with certainty, and foreign hashes next to them", () => {
  const sum = (c: string) => c.repeat(64);
  const installer = (arch: string) =>
    [
      "FROM debian:bookworm-slim",
      "ARG UV_VERSION=0.9.17",
      `ARG UV_SHA256=${sum(arch === "x86_64" ? "a" : "b")}`,
      `RUN curl -fsSLo /tmp/uv.tar.gz "https://github.com/astral-sh/uv/releases/download/\${UV_VERSION}/uv-${arch}-unknown-linux-gnu.tar.gz" && \\`,
      '    echo "$UV_SHA256  /tmp/uv.tar.gz" | sha256sum -c -',
      "",
    ].join("\n");

  it("one name guarding different assets in two Dockerfiles: the override is held, saying which", () => {
    const files = [
      { path: "amd/Dockerfile", text: installer("x86_64") },
      { path: "arm/Dockerfile", text: installer("aarch64") },
      { path: "build.sh", text: `docker build --build-arg UV_SHA256=${sum("c")} .\n` },
    ];
    const { result } = scanRepository(files);
    const override = result.pins.find((p) => p.file === "build.sh");
    expect(override?.hold).toBe(
      "`UV_SHA256` is the checksum of uv-x86_64-unknown-linux-gnu.tar.gz (uv 0.9.17) at amd/Dockerfile:3 and of uv-aarch64-unknown-linux-gnu.tar.gz (uv 0.9.17) at arm/Dockerfile:3: which one this override sets cannot be told",
    );
    // The compose build that names its Dockerfile is tied to that one only: no doubt, no hold.
    const compose = {
      path: "compose.yaml",
      text: `services:\n  a:\n    build:\n      context: arm\n      args:\n        UV_SHA256: ${sum("c")}\n`,
    };
    const tied = scanRepository([...files.slice(0, 2), compose]).result.pins.find(
      (p) => p.file === "compose.yaml",
    );
    expect([tied?.hold, tied?.asset, tied?.overridesChecksums]).toEqual([
      undefined,
      "uv-aarch64-unknown-linux-gnu.tar.gz",
      [{ file: "arm/Dockerfile", line: 3, pinLine: 4 }],
    ]);
  });

  it("an image digest of another tool next to a checksum override does not hold it", () => {
    const files = [
      { path: "Dockerfile", text: installer("x86_64") },
      {
        path: "compose.yaml",
        text: `services:\n  db:\n    image: postgres@sha256:${sum("d")}\n  app:\n    build:\n      args:\n        UV_SHA256: ${sum("a")}\n`,
      },
    ];
    const { result } = scanRepository(files);
    const override = result.pins.find((p) => p.file === "compose.yaml");
    expect([override?.kind, override?.hold, override?.skipReason]).toEqual([
      "installer",
      undefined,
      null,
    ]);
  });
});
