import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, describeProblems, parseConfig, validateConfig } from "./config.js";

describe("config", () => {
  it("defaults match the design", () => {
    expect(DEFAULT_CONFIG).toEqual({
      schedule: "weekly",
      updateTypes: ["major", "minor", "patch", "digest"],
      ignoreVersions: [],
      minimumReleaseAge: 0,
      pinDigests: false,
      attestations: "required",
      attestationPolicy: { repository: "astral-sh/uv", requireReleaseCommit: true },
      allowPrereleases: false,
      paths: { include: [], exclude: [] },
      labels: ["dependencies", "uv"],
      reviewers: [],
      assignees: [],
      draft: false,
      commitMessagePrefix: "chore(deps):",
      images: [],
    });
    expect(parseConfig("")).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it("attestationPolicy: a fork's repository, the release-commit check off; a bad repository is named", () => {
    expect(
      parseConfig(
        "attestationPolicy:\n  repository: acme-mirror/uv\n  requireReleaseCommit: false\n",
      ),
    ).toMatchObject({
      ok: true,
      config: { attestationPolicy: { repository: "acme-mirror/uv", requireReleaseCommit: false } },
    });
    expect(parseConfig("attestationPolicy: {repository: astral-sh}\n")).toEqual({
      ok: false,
      problems: [
        { path: "attestationPolicy.repository", message: "expected OWNER/REPO, e.g. astral-sh/uv" },
      ],
    });
    expect(parseConfig("attestationPolicy: {repo: a/b}\n")).toMatchObject({
      ok: false,
      problems: [{ path: "attestationPolicy", message: "unknown key `repo`" }],
    });
  });

  it("reads every key", () => {
    const r = parseConfig(
      [
        "schedule: daily",
        "updateTypes: [patch, digest]",
        'ignoreVersions: [">=0.10.0"]',
        "minimumReleaseAge: 3",
        "pinDigests: true",
        "attestations: warn",
        "paths: {include: ['docker/**'], exclude: ['legacy/**']}",
        "labels: [deps]",
        "reviewers: [alice]",
        "assignees: [bob]",
        "draft: true",
        'commitMessagePrefix: "build:"',
        "images: [registry.example.com/mirror/uv]",
      ].join("\n"),
    );
    expect(r.ok && r.config).toMatchObject({
      schedule: "daily",
      updateTypes: ["patch", "digest"],
      minimumReleaseAge: 3,
      paths: { include: ["docker/**"], exclude: ["legacy/**"] },
      images: [{ name: "registry.example.com/mirror/uv", mirrorOf: null }],
    });
  });

  it("names the path of every problem; unknown keys are errors", () => {
    const r = parseConfig(
      "schedule: hourly\nupdateTypes: [minor, huge]\nminimumReleaseAge: -1\npaths: {inclde: []}\nlables: [x]\n",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(describeProblems(".github/uv-pin-bot.yml", r.problems).split("\n")).toEqual([
      '.github/uv-pin-bot.yml: schedule: Invalid option: expected one of "weekly"|"daily"|"off"',
      '.github/uv-pin-bot.yml: updateTypes.1: Invalid option: expected one of "major"|"minor"|"patch"|"digest"',
      ".github/uv-pin-bot.yml: minimumReleaseAge: Too small: expected number to be >=0",
      ".github/uv-pin-bot.yml: paths: unknown key `inclde`",
      ".github/uv-pin-bot.yml: (top level): unknown key `lables`",
    ]);
  });

  it("reports YAML that does not parse, and a non-mapping document", () => {
    expect(parseConfig("schedule: [weekly\n")).toMatchObject({
      ok: false,
      problems: [{ path: "line 2" }],
    });
    expect(parseConfig("a: 1\na: 2\n")).toMatchObject({ ok: false });
    expect(validateConfig(["x"])).toMatchObject({ ok: false, problems: [{ path: "(top level)" }] });
  });
});

describe("hostile configuration is bounded", () => {
  const problems = (yaml: string) => {
    const r = parseConfig(yaml);
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it("an ignoreVersions entry that is no semver range is an error, not a silent no-op", () => {
    expect(
      problems('ignoreVersions: [">=0.10.0", "0.9.x", "latest please", ">= banana"]\n'),
    ).toEqual([
      "ignoreVersions.2: not a valid semver range (e.g. `>=0.10.0`, `0.9.x`, `<0.9.5 || >=0.9.7`)",
      "ignoreVersions.3: not a valid semver range (e.g. `>=0.10.0`, `0.9.x`, `<0.9.5 || >=0.9.7`)",
    ]);
    expect(problems('ignoreVersions: [">=0.10.0", "<0.9.5 || >=0.9.7", "^0.8"]\n')).toEqual([]);
  });

  it("globs: bounded count, length, wildcards and brace groups", () => {
    const many = Array.from({ length: 51 }, (_, i) => `"dir${i}/**"`).join(", ");
    expect(problems(`paths: {include: [${many}]}\n`)).toEqual([
      "paths.include: Too big: expected array to have <=50 items",
    ]);
    expect(problems(`paths: {exclude: ["${"a".repeat(201)}"]}\n`)).toEqual([
      "paths.exclude.0: Too big: expected string to have <=200 characters",
    ]);
    expect(problems(`paths: {include: ["${"*a".repeat(17)}"]}\n`)).toEqual([
      "paths.include.0: at most 16 wildcards (*, ?, [) per glob",
    ]);
    expect(problems('paths: {include: ["{a,b}{c,d}{e,f}{g,h}{i,j}"]}\n')).toEqual([
      "paths.include.0: at most 4 brace or extglob groups per glob",
    ]);
    expect(problems('paths: {include: ["docker/**/Dockerfile*", "{ci,.github}/**"]}\n')).toEqual(
      [],
    );
  });

  it("lists of labels, reviewers, assignees and images are bounded", () => {
    const many = Array.from({ length: 51 }, (_, i) => `l${i}`).join(", ");
    expect(problems(`labels: [${many}]\nreviewers: [${many}]\n`)).toEqual([
      "labels: Too big: expected array to have <=50 items",
      "reviewers: Too big: expected array to have <=50 items",
    ]);
  });

  it("images: mirrors of a uv upstream, or bare names; a bad entry is one line naming its path", () => {
    const mirror = "registry.corp.example/ghcr/astral-sh/uv";
    expect(parseConfig(`images: [{name: ${mirror}, mirrorOf: ghcr.io/astral-sh/uv}]\n`)).toEqual({
      ok: true,
      config: { ...DEFAULT_CONFIG, images: [{ name: mirror, mirrorOf: "ghcr.io/astral-sh/uv" }] },
    });
    // What was valid before mirrors stays valid: a bare name (reported, never moved).
    expect(
      parseConfig("images: [registry.example.com/mirror/uv, {name: r.example/uv}]\n"),
    ).toMatchObject({
      ok: true,
      config: {
        images: [
          { name: "registry.example.com/mirror/uv", mirrorOf: null },
          { name: "r.example/uv", mirrorOf: null },
        ],
      },
    });
    expect(
      parseConfig(
        "images: [registry.example.com/mirror/uv, {name: 'localhost:5000/uv', mirrorOf: astral/uv}]\n",
      ),
    ).toMatchObject({
      ok: true,
      config: {
        images: [
          { name: "registry.example.com/mirror/uv", mirrorOf: null },
          { name: "localhost:5000/uv", mirrorOf: "astral/uv" },
        ],
      },
    });
    const bad = [
      // Only uv's own images can be mirrored: configuration never sends the app elsewhere.
      "images: [{name: r.example/uv, mirrorOf: evil.example/uv}]",
      "images: [{name: r.example/uv, mirrorOf: null, via: x.example}]",
      "images: [{name: r.example/uv, mirrorOf: ghcr.io/astral-sh/uv, via: x.example}]",
      "images: [{name: 'r.example/UV', mirrorOf: ghcr.io/astral-sh/uv}]",
      "images: ['r.example/uv:0.9.17']",
      "images: ['r.example/uv@sha256:0']",
      "images: ['https://r.example/uv']",
      "images: ['r.example:99999x/uv']",
      "images: ['-r.example/uv']",
      "images: [3]",
      `images: ['r.example/${"a".repeat(200)}']`,
      "images: [GHCR.io/astral-sh/uv]",
      "images: [r.example/uv, {name: R.EXAMPLE/uv, mirrorOf: astral/uv}]",
      `images: [${Array.from({ length: 51 }, (_, i) => `r.example/u${i}`).join(", ")}]`,
    ];
    const grammar =
      "not an image name (REGISTRY/PATH with lower-case path parts, at most 200 characters, no tag or digest), e.g. registry.corp.example/ghcr/astral-sh/uv";
    expect(bad.map(problems)).toEqual([
      [
        "images.0.mirrorOf: a mirror can only mirror a uv image: ghcr.io/astral-sh/uv or docker.io/astral/uv",
      ],
      ["images.0: unknown key `via`"],
      ["images.0: unknown key `via`"],
      [`images.0.name: ${grammar}`],
      [`images.0.name: ${grammar}`],
      [`images.0.name: ${grammar}`],
      [`images.0.name: ${grammar}`],
      [`images.0.name: ${grammar}`],
      [`images.0.name: ${grammar}`],
      ["images.0: expected an image name or {name: IMAGE, mirrorOf: UPSTREAM}"],
      [`images.0.name: ${grammar}`],
      ["images.0.name: `GHCR.io/astral-sh/uv` is a uv image already"],
      ["images.1.name: `R.EXAMPLE/uv` is listed twice"],
      ["images: Too big: expected array to have <=50 items"],
    ]);
  });
});
