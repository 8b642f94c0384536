import { describe, expect, it } from "vitest";
import { NO_SPANS, readFixture, type Shown, scanFixture, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { DISTRO_PACKAGE, SELF_UPDATE_NEWEST, UNPINNED_PIP } from "./extract-requirements.js";
import { decide } from "./policy.js";
import { rewriteFile } from "./rewrite.js";
import type { Release } from "./types.js";

/** A version pin with every field. */
function vpin(file: string, line: number, fields: Partial<Shown> = {}): Shown {
  return shown("version", file, line, fields);
}

/** A pin whose version text is at `at` (`"line:column text"`). */
function at(file: string, line: number, version: string, where: string): Shown {
  return vpin(file, line, { version, versionLine: line, spans: { ...NO_SPANS, version: where } });
}

function rewriteFixture(name: string, version: string) {
  const text = readFixture(name);
  const { pins } = scanText(name, text);
  return rewriteFile(
    name,
    text,
    pins.filter((p) => !p.skipReason && !p.unpinned).map((pin) => ({ pin, target: { version } })),
  );
}

describe("requirement lists", () => {
  it("requirements*.txt: uv==X is a pin; uvicorn and uv-dynamic-versioning are not", () => {
    const f = "forms/requirements-dev.txt";
    expect(scanFixture(f)).toEqual({ pins: [at(f, 2, "0.9.17", "2:5 0.9.17")], skipped: [] });
  });

  it("a range is reported as written", () => {
    const f = "forms/requirements-range.txt";
    expect(scanFixture(f)).toEqual({
      pins: [at(f, 1, ">=0.7,<0.8", "1:3 >=0.7,<0.8")],
      skipped: [],
    });
  });

  it("a hash-pinned requirement file is seen and held back: its hashes would not match", () => {
    const f = "forms/requirements-hashed.txt";
    const reason =
      "version: the requirement file pins hashes (`--hash`), which change with the version and are not PyPI's to guess";
    expect(scanFixture(f)).toEqual({
      pins: [vpin(f, 1, { version: "0.9.17", versionLine: 1, skipReason: reason })],
      skipped: [{ file: f, line: 1, reason }],
    });
  });

  it("pyproject.toml: dependencies, optional dependencies, groups; not other tables or comments", () => {
    const f = "forms/pyproject.toml";
    expect(scanFixture(f)).toEqual({
      pins: [
        at(f, 5, "0.9.17", "5:8 0.9.17"),
        at(f, 9, "0.9.16", "9:15 0.9.16"),
        at(f, 14, ">=0.7,<0.8", "14:6 >=0.7,<0.8"),
        { ...vpin(f, 16), unpinned: UNPINNED_PIP },
        at(f, 22, ">=0.7", "22:21 >=0.7"),
      ],
      skipped: [],
    });
  });

  it("round trip: only the exact versions move", () => {
    const r = rewriteFixture("forms/pyproject.toml", "0.10.0");
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      readFixture("forms/pyproject.toml")
        .replace('"uv==0.9.17"', '"uv==0.10.0"')
        .replace("uv == 0.9.16;", "uv == 0.10.0;"),
    );
    expect(rewriteFixture("forms/requirements-dev.txt", "0.10.0").text).toBe(
      readFixture("forms/requirements-dev.txt").replace("uv==0.9.17", "uv==0.10.0"),
    );
  });
});

describe("uv commands", () => {
  it("uv self update, uvx --from uv==; unversioned installs and distro packages are unpinned", () => {
    const f = "forms/uv-commands.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        at(f, 2, "0.9.17", "2:16 0.9.17"),
        at(f, 3, "0.9.16", "3:24 0.9.16"),
        { ...vpin(f, 4), unpinned: SELF_UPDATE_NEWEST },
        at(f, 5, "0.9.15", "5:16 0.9.15"),
        at(f, 6, "0.9.14", "6:17 0.9.14"),
        { ...vpin(f, 7), unpinned: UNPINNED_PIP },
        { ...vpin(f, 8), unpinned: UNPINNED_PIP },
        { ...vpin(f, 9), unpinned: UNPINNED_PIP },
        { ...vpin(f, 10, { version: "0.9.13-r0" }), unpinned: DISTRO_PACKAGE },
        { ...vpin(f, 11), unpinned: DISTRO_PACKAGE },
      ],
      skipped: [],
    });
  });

  it("round trip: self update and uvx --from move; the rest stays byte for byte", () => {
    const r = rewriteFixture("forms/uv-commands.sh", "0.10.0");
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      readFixture("forms/uv-commands.sh")
        .replace("update 0.9.17", "update 0.10.0")
        .replace("--quiet 0.9.16", "--quiet 0.10.0")
        .replace("uv==0.9.15", "uv==0.10.0")
        .replace("'uv==0.9.14'", "'uv==0.10.0'"),
    );
  });
});

describe("policy on these forms", () => {
  const release = (version: string): Release => ({
    version,
    publishedAt: "2026-11-01T00:00:00Z",
    prerelease: false,
    url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
    notes: "",
    assets: [],
  });
  const options = {
    updateTypes: ["major", "minor", "patch", "digest"] as (
      | "major"
      | "minor"
      | "patch"
      | "digest"
    )[],
    ignoreVersions: [],
    minimumReleaseAge: 0,
    allowPrereleases: false,
    pinDigests: false,
    now: new Date("2026-12-01T00:00:00Z"),
  };

  it("unpinned forms stay current with their reason and never set the repository's version", () => {
    const { pins } = scanText("uv-commands.sh", readFixture("forms/uv-commands.sh"));
    const { release: target, decisions } = decide(pins, [release("0.10.0")], new Map(), options);
    expect(target?.version).toBe("0.10.0");
    expect(decisions.map((d) => [d.pin.line, d.action, "note" in d ? d.note : null])).toEqual([
      [2, "update", null],
      [3, "update", null],
      [4, "current", SELF_UPDATE_NEWEST],
      [5, "update", null],
      [6, "update", null],
      [7, "current", UNPINNED_PIP],
      [8, "current", UNPINNED_PIP],
      [9, "current", UNPINNED_PIP],
      [10, "current", DISTRO_PACKAGE],
      [11, "current", DISTRO_PACKAGE],
    ]);
  });

  it("a requirement range is left alone while the target is inside it, and says so when not", () => {
    const { pins } = scanText("requirements.txt", "uv==0.7.2\nuv>=0.7,<0.8\n");
    const inside = decide(pins, [release("0.7.5")], new Map(), options).decisions;
    expect(inside.map((d) => d.action)).toEqual(["update", "current"]);
    const outside = decide(pins, [release("0.8.1"), release("0.7.5")], new Map(), options);
    expect(outside.decisions[1]).toEqual({
      pin: pins[1],
      action: "skip",
      reason: "the range `>=0.7,<0.8` excludes 0.8.1, the release chosen for this repository",
    });
  });
});

describe("linear time", () => {
  it("a long run of each command keyword is read once per match (the pins found, exactly)", () => {
    const run = (unit: string) =>
      scanText("run.sh", `#!/bin/sh\n${unit.repeat(20_000)}\n`).pins.length;
    // `uv self update uv self update …`: every other `uv` is the first one's (refused) version.
    expect(run("uv self update ")).toBe(10_000);
    expect(run("uvx --from uv==")).toBe(10_000);
    expect(run("apk add ")).toBe(0);
    expect(run("pip install uv ")).toBe(20_000);
  });
});
