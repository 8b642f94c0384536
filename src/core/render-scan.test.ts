import { describe, expect, it } from "vitest";
import { scanText } from "./extract.js";
import { scanOptionsFor } from "./mirrors.js";
import { renderScanTable, scanJson } from "./render-scan.js";
import type { ScanResult } from "./types.js";

const MIRROR = "registry.corp.example/ghcr/astral-sh/uv";

/** A repository: a Dockerfile ARG, two overrides that set it, an unpinned uv, a mirror pin. */
function scanRepository(): ScanResult {
  const options = scanOptionsFor([{ name: MIRROR, mirrorOf: "ghcr.io/astral-sh/uv" }]);
  const files: [string, string][] = [
    [
      "docker/Dockerfile",
      "FROM python:3.12-slim\nARG UV_VERSION=0.9.17\nRUN pip install uv==${UV_VERSION}\n",
    ],
    ["compose.yaml", 'services:\n  app:\n    build:\n      args:\n        UV_VERSION: "0.9.17"\n'],
    ["build.sh", "#!/bin/sh\ndocker build --build-arg TOOLS_UV_VERSION=0.9.17 .\npip install uv\n"],
    ["tools.Dockerfile", `FROM ${MIRROR}:0.9.17 AS uv\n`],
  ];
  const result: ScanResult = { pins: [], skipped: [] };
  for (const [path, text] of files) {
    const found = scanText(path, text, options);
    result.pins.push(...found.pins);
    result.skipped.push(...found.skipped);
  }
  return result;
}

describe("scan says which ARG an override sets, why a pin is unpinned, what a mirror mirrors", () => {
  it("--json: every pin carries unpinned, overrides and mirrorOf", () => {
    const json = scanJson(scanRepository());
    expect(
      json.pins.map((p) => ({
        at: `${p.file}:${p.line}`,
        unpinned: p.unpinned,
        overrides: p.overrides,
        mirrorOf: p.mirrorOf,
      })),
    ).toEqual([
      { at: "docker/Dockerfile:3", unpinned: null, overrides: null, mirrorOf: null },
      {
        at: "compose.yaml:5",
        unpinned: null,
        overrides: { arg: "UV_VERSION", sets: [{ file: "docker/Dockerfile", line: 2 }] },
        mirrorOf: null,
      },
      // an override that no scanned Dockerfile reads says so (an empty list)
      {
        at: "build.sh:2",
        unpinned: null,
        overrides: { arg: "TOOLS_UV_VERSION", sets: [] },
        mirrorOf: null,
      },
      {
        at: "build.sh:3",
        unpinned: "unpinned: installs the newest uv release; nothing to move",
        overrides: null,
        mirrorOf: null,
      },
      {
        at: "tools.Dockerfile:1",
        unpinned: null,
        overrides: null,
        mirrorOf: "ghcr.io/astral-sh/uv",
      },
    ]);
  });

  it("the table says the same after each pin", () => {
    const rows = renderScanTable(scanRepository()).split("\n");
    const row = (at: string) => rows.find((r) => r.startsWith(`${at} `)) ?? "";
    expect(row("compose.yaml:5")).toMatch(
      / {2}version 0\.9\.17 \(sets ARG UV_VERSION of docker\/Dockerfile:2\)$/,
    );
    expect(row("build.sh:2")).toMatch(
      / {2}version 0\.9\.17 \(sets ARG TOOLS_UV_VERSION \(no scanned Dockerfile reads it\)\)$/,
    );
    expect(row("build.sh:3")).toMatch(
      /\(unpinned: installs the newest uv release; nothing to move\)$/,
    );
    expect(row("tools.Dockerfile:1")).toMatch(
      / {2}registry\.corp\.example\/ghcr\/astral-sh\/uv:0\.9\.17 \(a mirror of ghcr\.io\/astral-sh\/uv\)$/,
    );
    expect(row("docker/Dockerfile:3")).toMatch(/ {2}version 0\.9\.17$/);
  });
});
