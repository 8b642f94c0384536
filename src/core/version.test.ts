import { describe, expect, it } from "vitest";
import type { Release } from "./types.js";
import {
  bumpType,
  compareVersions,
  inAnyRange,
  isOldEnough,
  isPlainRelease,
  rangeIncludes,
  selectReleases,
  toSemver,
} from "./version.js";

describe("toSemver", () => {
  it.each([
    ["0.9.17", "0.9.17"],
    ["0.9", "0.9.0"],
    ["00.09.017", "0.9.17"],
    ["0.10.0rc1", "0.10.0-rc.1"],
    ["0.10.0rc", "0.10.0-rc.0"],
    ["0.10.0a2", "0.10.0-alpha.2"],
    ["0.10.0alpha.2", "0.10.0-alpha.2"],
    ["0.10.0b1", "0.10.0-beta.1"],
    ["0.10.0.dev3", "0.10.0-0.dev.3"],
    ["0.10rc1", "0.10.0-rc.1"],
    ["0.10.0-rc.1", "0.10.0-rc.1"],
    ["1.0.0-beta.2+build", null],
    ["v0.9.17", null],
    ["latest", null],
    [">=0.5", null],
    ["0.9.17.1", null],
    ["0", null],
    ["", null],
  ])("%j → %j", (version, expected) => {
    expect(toSemver(version)).toBe(expected);
  });
});

describe("isPlainRelease", () => {
  it.each([
    ["0.9.17", true],
    ["1.0.0", true],
    ["0.9", false],
    ["0.10.0rc1", false],
    ["0.10.0-rc.1", false],
    ["v0.9.17", false],
    [" 0.9.17", false],
  ])("%j → %j", (version, expected) => {
    expect(isPlainRelease(version)).toBe(expected);
  });
});

describe("compareVersions", () => {
  it("orders releases, pre-releases (dev < a < b < rc < final) and rolling X.Y", () => {
    const versions = [
      "1.0.0",
      "0.10.0",
      "0.10.0rc1",
      "0.10.0.dev1",
      "0.9",
      "0.10.0b1",
      "0.9.17",
      "0.10.0a1",
      "0.10.0rc2",
      "0.9.9",
    ];
    expect([...versions].sort(compareVersions)).toEqual([
      "0.9",
      "0.9.9",
      "0.9.17",
      "0.10.0.dev1",
      "0.10.0a1",
      "0.10.0b1",
      "0.10.0rc1",
      "0.10.0rc2",
      "0.10.0",
      "1.0.0",
    ]);
  });

  it("a text that is not a version sorts first; two such are equal", () => {
    expect(compareVersions("latest", "0.0.1")).toBe(-1);
    expect(compareVersions("0.0.1", "latest")).toBe(1);
    expect(compareVersions("latest", ">=0.5")).toBe(0);
    expect(compareVersions("0.9", "0.9.0")).toBe(0);
  });
});

describe("bumpType", () => {
  it.each([
    ["0.9.17", "0.9.18", "patch"],
    ["0.9.17", "0.10.0", "minor"],
    ["0.9.17", "0.10.1", "minor"],
    ["0.9.17", "1.0.0", "major"],
    ["0.9", "0.10.0", "minor"],
    ["0.9", "0.9.18", "patch"],
    ["1.2.3", "1.2.4", "patch"],
    ["1.2.3", "1.3.0", "minor"],
    ["1.2.3", "2.0.0", "major"],
    ["0.10.0rc1", "0.10.0", "patch"],
    ["0.9.17", "0.10.0rc1", "minor"],
    ["0.9.17", "0.9.17", null],
    ["0.9", "0.9.0", null],
    ["latest", "0.9.17", null],
    ["0.9.17", ">=1", null],
  ])("%s → %s: %j", (from, to, expected) => {
    expect(bumpType(from, to)).toBe(expected);
  });
});

describe("inAnyRange (ignoreVersions)", () => {
  it.each([
    ["0.10.0", [">=0.10.0"], true],
    ["0.9.18", [">=0.10.0"], false],
    ["0.11.0rc1", [">=0.10.0"], true],
    ["0.9.18", ["0.9.18"], true],
    ["0.9.18", ["0.9.x"], true],
    ["0.9.18", ["0.10.x", "0.9.18"], true],
    ["0.9.18", [], false],
    ["0.9.18", ["not a range"], false],
    ["latest", ["*"], false],
  ])("%s in %j: %j", (version, ranges, expected) => {
    expect(inAnyRange(version, ranges)).toBe(expected);
  });
});

describe("isOldEnough (minimumReleaseAge)", () => {
  const now = new Date("2026-03-01T00:00:00.000Z");
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const DAY = 86_400_000;
  it.each([
    [ago(3 * DAY), 3, true],
    [ago(3 * DAY - 1), 3, false],
    [ago(3 * DAY + 1), 3, true],
    [ago(-DAY), 0, true],
    [ago(0), 0, true],
    ["not a date", 0, true],
    ["not a date", 1, false],
    ["2026-02-26T00:00:00Z", 3, true],
  ])("%s, %d days: %j", (publishedAt, days, expected) => {
    expect(isOldEnough(publishedAt, days, now)).toBe(expected);
  });
});

describe("rangeIncludes", () => {
  it.each([
    // Python specifiers, as required-version and setup-uv write them
    [">=0.5", "0.10.1", true],
    [">=0.5", "0.4.9", false],
    [">=1", "0.10.1", false],
    ["<0.10", "0.9.18", true],
    ["<0.10", "0.10.0", false],
    ["<0.10", "0.10.0rc1", false],
    ["<0.10.0rc2", "0.10.0rc1", true],
    ["<=0.9", "0.9.0", true],
    ["<=0.9", "0.9.1", false],
    [">0.9", "0.9.1", true],
    [">0.9", "0.9", false],
    ["~=0.9", "0.10.1", true],
    ["~=0.9", "1.0.0", false],
    ["~=0.9.1", "0.9.18", true],
    ["~=0.9.1", "0.10.0", false],
    ["~=0.9.1", "0.10.0rc1", false],
    ["~=1", "1.0.0", null],
    ["==0.9.*", "0.9.18", true],
    ["==0.9.*", "0.10.0", false],
    ["==0.*", "0.10.0", true],
    ["!=0.9.*", "0.10.0", true],
    ["!=0.9.*", "0.9.1", false],
    [">=0.9.*", "0.9.1", true],
    ["~=0.9.*", "0.9.1", null],
    ["==0.9.17", "0.9.17", true],
    ["==0.9", "0.9.0", true],
    ["==0.9.17", "0.10.1", false],
    ["!=0.10.0", "0.10.1", true],
    ["!=0.10.1", "0.10.1", false],
    ["===0.10.1", "0.10.1", true],
    ["===0.10", "0.10.0", false],
    [">=0.9.0,<0.10", "0.9.18", true],
    [">=0.9.0,<0.10", "0.10.1", false],
    [" >= 0.9.0 , < 0.11 ", "0.10.1", true],
    [">=0.9,!=0.10.0", "0.10.0", false],
    // semver ranges, which some setups use
    ["0.10.x", "0.10.1", true],
    ["0.9.x", "0.10.1", false],
    ["^0.10.0", "0.10.1", true],
    [">=0.9.0 <0.10.0", "0.10.1", false],
    ["*", "0.10.1", true],
    // not readable
    ["newest please", "0.10.1", null],
    [">=0.5,foo", "0.10.1", null],
    ["<=", "0.10.1", null],
    [">=0.5", "latest", null],
  ])("%j admits %s: %j", (range, version, expected) => {
    expect(rangeIncludes(range, version)).toBe(expected);
  });
});

describe("selectReleases", () => {
  const now = new Date("2026-03-01T00:00:00.000Z");
  const rel = (version: string, daysAgo: number, prerelease = false): Release => ({
    version,
    publishedAt: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
    prerelease,
    url: "",
    notes: "",
    assets: [],
  });
  const base = {
    updateTypes: ["major", "minor", "patch", "digest"],
    ignoreVersions: [],
    minimumReleaseAge: 0,
    allowPrereleases: false,
    now,
  };
  const a = rel("0.9.18", 30);
  const b = rel("0.10.0", 20);
  const c = rel("0.10.1", 1);
  const rc = rel("0.11.0rc1", 1);
  const bad = rel("v0.12.0", 1);
  const twoPart = rel("0.12", 1);
  const duplicate = rel("0.10.0", 5);

  it("newest first, one per version, only X.Y.Z unless pre-releases are allowed", () => {
    expect(selectReleases([a, c, b, rc, bad, twoPart, duplicate], null, base)).toEqual({
      target: c,
      allowed: [c, b, a],
      young: null,
    });
    expect(selectReleases([a, c, rc, twoPart], null, { ...base, allowPrereleases: true })).toEqual({
      target: rc,
      allowed: [rc, c, a],
      young: null,
    });
  });

  it("at or above the baseline, by an allowed bump; too young is reported", () => {
    expect(selectReleases([a, b, c], "0.9.18", { ...base, updateTypes: ["patch"] })).toEqual({
      target: a,
      allowed: [a],
      young: null,
    });
    expect(selectReleases([a, b, c], "0.10.0", { ...base, minimumReleaseAge: 2 })).toEqual({
      target: b,
      allowed: [b],
      young: c,
    });
    expect(selectReleases([a, b, c], "0.11.0", base)).toEqual({
      target: null,
      allowed: [],
      young: null,
    });
    expect(selectReleases([c], null, { ...base, minimumReleaseAge: 2 })).toEqual({
      target: null,
      allowed: [],
      young: c,
    });
  });
});
