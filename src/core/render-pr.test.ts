/**
 * The pull request renderers: exact title, commit message, body, metadata, check run and
 * comments for typical plans; escaping of hostile notes and paths; the size limit with huge notes.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { PlannedUpdate } from "../pipeline/resolve.js";
import type { AttestationSummary } from "./attestation-policy.js";
import { renderAttestation } from "./render-attestation.js";
import {
  CHECK_OUTPUT_LIMIT,
  checkRunOutput,
  commitMessage,
  fingerprint,
  helpComment,
  PR_BODY_LIMIT,
  PR_BODY_MARK_ROOM,
  type PrPlan,
  type PrUpdate,
  parseMetadata,
  planComment,
  prBody,
  prMetadata,
  prTitle,
} from "./render-pr.js";
import {
  codeSpan,
  escapePipes,
  htmlText,
  neutralise,
  quoteNotes,
  ZWJ,
} from "./render-pr-escape.js";
import type { Pin, Release } from "./types.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const OLD_DIGEST = `sha256:${"1".repeat(64)}`;
const NEW_DIGEST = `sha256:${"a".repeat(64)}`;
const OLD_SUM = `sha256:${"2".repeat(64)}`;
const NEW_SUM = `sha256:${"b".repeat(64)}`;

function pin(over: Partial<Pin>): Pin {
  return {
    file: "Dockerfile",
    line: 1,
    kind: "image",
    image: null,
    url: null,
    tag: null,
    version: null,
    digest: null,
    form: null,
    variable: null,
    versionLine: null,
    suffix: null,
    resolvedTag: null,
    resolvedUrl: null,
    asset: null,
    spans: { version: null, digest: null, checksum: null, checksumPrefixed: true },
    skipReason: null,
    ...over,
  };
}

const release = (version: string, notes = "", over: Partial<Release> = {}): Release => ({
  version,
  publishedAt: "2026-11-20T10:00:00Z",
  prerelease: false,
  url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
  notes,
  assets: [],
  ...over,
});

function attested(digest: string, verified = true): AttestationSummary {
  return {
    verified,
    reason: verified
      ? null
      : "certificate identity: https://github.com/evil/uv/x does not match ^https://github\\.com/astral-sh/",
    subjectDigest: digest,
    predicateType: "https://slsa.dev/provenance/v1",
    certificateIssuer: "https://token.actions.githubusercontent.com",
    san: "https://github.com/astral-sh/uv/.github/workflows/release.yml@refs/tags/0.9.18",
    sourceRepository: "https://github.com/astral-sh/uv",
    sourceRepositoryOwner: "https://github.com/astral-sh",
    sourceRef: "refs/tags/0.9.18",
    sourceCommit: "c0ffee0000000000000000000000000000000000",
    signerWorkflow: null,
    buildTrigger: "push",
    runUrl: "https://github.com/astral-sh/uv/actions/runs/1",
    rekorLogIndex: 42,
    integratedTime: "2026-11-20T10:00:00Z",
    checks: [
      {
        name: "certificate issuer",
        expected: "https://token.actions.githubusercontent.com",
        actual: "https://token.actions.githubusercontent.com",
        ok: true,
      },
    ],
  };
}

const R18 = release(
  "0.9.18",
  "## Bug fixes\n\n- Fix a thing ([#123](https://github.com/astral-sh/uv/pull/123))\n",
);
const RELEASES = [
  release("0.9.19", "newer"),
  R18,
  release("0.9.17", "older"),
  release("0.9.16", "oldest"),
];

function imageUpdate(over: Partial<PrUpdate> = {}): PrUpdate {
  return {
    pin: pin({
      file: "Dockerfile",
      line: 4,
      kind: "image",
      image: "ghcr.io/astral-sh/uv",
      tag: "0.9.17",
      version: "0.9.17",
      digest: OLD_DIGEST,
      form: "tag+digest",
    }),
    type: "patch",
    from: { version: "0.9.17", tag: "0.9.17", digest: OLD_DIGEST, checksum: null },
    to: { version: "0.9.18", tag: "0.9.18", digest: NEW_DIGEST, checksum: null },
    release: R18,
    note: null,
    attestation: attested(NEW_DIGEST),
    blocked: null,
    ...over,
  };
}

function installerUpdate(over: Partial<PrUpdate> = {}): PrUpdate {
  return {
    pin: pin({
      file: "scripts/install.sh",
      line: 7,
      kind: "installer",
      url: "https://astral.sh/uv/0.9.17/install.sh",
      version: "0.9.17",
      digest: OLD_SUM,
      form: "url+checksum",
      asset: "install.sh",
    }),
    type: "patch",
    from: { version: "0.9.17", tag: null, digest: null, checksum: OLD_SUM },
    to: { version: "0.9.18", tag: null, digest: null, checksum: NEW_SUM },
    release: R18,
    note: null,
    attestation: attested(NEW_SUM),
    blocked: null,
    ...over,
  };
}

function versionUpdate(over: Partial<PrUpdate> = {}): PrUpdate {
  return {
    pin: pin({ file: ".github/workflows/ci.yml", line: 21, kind: "version", version: "0.9.17" }),
    type: "patch",
    from: { version: "0.9.17", tag: null, digest: null, checksum: null },
    to: { version: "0.9.18", tag: null, digest: null, checksum: null },
    release: R18,
    note: null,
    attestation: null,
    blocked: null,
    ...over,
  };
}

function plan(over: Partial<PrPlan> = {}): PrPlan {
  return {
    repository: { owner: "octo", repo: "app", defaultBranch: "main", baseSha: SHA },
    release: R18,
    releases: RELEASES,
    updates: [imageUpdate(), installerUpdate(), versionUpdate()],
    skipped: [],
    config: { commitMessagePrefix: "chore(deps):" },
    ...over,
  };
}

const BLOB = `https://github.com/octo/app/blob/${SHA}`;
const Z = ZWJ;

/** The `<summary>` texts of a body, in order. */
const summaries = (body: string) =>
  [...body.matchAll(/<summary>(.*?)<\/summary>/g)].map((m) => m[1]);

const digestRefresh = () =>
  imageUpdate({
    type: "digest",
    from: { version: "0.9.18", tag: "0.9.18", digest: OLD_DIGEST, checksum: null },
    to: { version: "0.9.18", tag: "0.9.18", digest: NEW_DIGEST, checksum: null },
    release: null,
  });

const digestPin = () =>
  imageUpdate({
    type: "pin",
    pin: pin({
      file: "Dockerfile",
      line: 9,
      kind: "image",
      image: "ghcr.io/astral-sh/uv",
      tag: "0.9.18",
      form: "tag",
    }),
    from: { version: "0.9.18", tag: "0.9.18", digest: null, checksum: null },
    to: { version: "0.9.18", tag: "0.9.18", digest: NEW_DIGEST, checksum: null },
    release: null,
  });

describe("PrUpdate", () => {
  it("accepts the resolver's PlannedUpdate", () => {
    expectTypeOf<PlannedUpdate>().toExtend<PrUpdate>();
  });
});

describe("prTitle", () => {
  it("names the target version after the configured prefix", () => {
    expect(prTitle(plan())).toBe("chore(deps): update uv to 0.9.18");
    expect(prTitle(plan({ config: { commitMessagePrefix: "build(uv): " } }))).toBe(
      "build(uv): update uv to 0.9.18",
    );
    expect(prTitle(plan({ config: { commitMessagePrefix: "" } }))).toBe("update uv to 0.9.18");
  });

  it("says digests when every applied update keeps its version", () => {
    expect(prTitle(plan({ updates: [digestRefresh(), digestPin()] }))).toBe(
      "chore(deps): update uv digests",
    );
    // A blocked version update is not applied, so it does not count.
    const blocked = imageUpdate({
      pin: pin({ file: "b/Dockerfile", line: 1 }),
      blocked: "no such tag",
    });
    expect(prTitle(plan({ updates: [digestRefresh(), blocked] }))).toBe(
      "chore(deps): update uv digests",
    );
  });

  it("names the main target when a discontinued variant stops earlier", () => {
    const r16 = release("0.9.16");
    const variant = imageUpdate({
      pin: pin({
        file: "Dockerfile",
        line: 12,
        kind: "image",
        image: "ghcr.io/astral-sh/uv",
        tag: "0.9.15-python3.8-bookworm",
      }),
      from: { version: "0.9.15", tag: "0.9.15-python3.8-bookworm", digest: null, checksum: null },
      to: { version: "0.9.16", tag: "0.9.16-python3.8-bookworm", digest: null, checksum: null },
      release: r16,
      note: "python3.8-bookworm images stop at 0.9.16",
      attestation: null,
    });
    expect(prTitle(plan({ updates: [variant, imageUpdate()] }))).toBe(
      "chore(deps): update uv to 0.9.18",
    );
    // Without a plan release, the newest version proposed is the target.
    expect(prTitle(plan({ release: null, updates: [variant, imageUpdate()] }))).toBe(
      "chore(deps): update uv to 0.9.18",
    );
  });

  it("keeps a multi-line prefix on one line", () => {
    expect(prTitle(plan({ config: { commitMessagePrefix: "deps:\nCo-authored-by: x" } }))).toBe(
      "deps: Co-authored-by: x update uv to 0.9.18",
    );
  });
});

describe("commitMessage", () => {
  it("is the title, a blank line and one line per applied change", () => {
    expect(commitMessage(plan())).toBe(
      [
        "chore(deps): update uv to 0.9.18",
        "",
        "Dockerfile:4 ghcr.io/astral-sh/uv 0.9.17 -> 0.9.18",
        "scripts/install.sh:7 uv installer 0.9.17 -> 0.9.18",
        ".github/workflows/ci.yml:21 uv 0.9.17 -> 0.9.18",
      ].join("\n"),
    );
  });

  it("shows short digests when only the digest changes, and leaves blocked updates out", () => {
    const blocked = installerUpdate({ blocked: "uv 0.9.18 has no release asset install.sh" });
    expect(commitMessage(plan({ updates: [digestRefresh(), digestPin(), blocked] }))).toBe(
      [
        "chore(deps): update uv digests",
        "",
        "Dockerfile:4 ghcr.io/astral-sh/uv 0.9.18@sha256:111111111111 -> 0.9.18@sha256:aaaaaaaaaaaa",
        "Dockerfile:9 ghcr.io/astral-sh/uv 0.9.18 -> 0.9.18@sha256:aaaaaaaaaaaa",
      ].join("\n"),
    );
  });

  it("cannot gain lines (trailers) from a file path", () => {
    const evil = imageUpdate({
      pin: pin({
        file: "x\nCo-authored-by: Evil <e@x>",
        line: 2,
        kind: "image",
        image: "ghcr.io/astral-sh/uv",
      }),
    });
    expect(commitMessage(plan({ updates: [evil] })).split("\n")).toEqual([
      "chore(deps): update uv to 0.9.18",
      "",
      "x Co-authored-by: Evil <e@x>:2 ghcr.io/astral-sh/uv 0.9.17 -> 0.9.18",
    ]);
  });
});

const FOOTER = [
  "---",
  "",
  "Comment on this pull request (write access needed):",
  "",
  "- `/uv-update`: open the pull request now, or bring it up to date with the newest release",
  "- `/uv-update check`: reply with the plan: what would change and each attestation's result",
  "- `/uv-update rebase`: rebuild the branch on `main`, replacing any commits added to it",
  "- `/uv-update help`: list these commands",
].join("\n");

describe("prBody", () => {
  it("renders a typical plan: image tag+digest, installer with checksum, setup-uv version", () => {
    const p = plan();
    const meta = `<!-- uv-pin-bot:metadata {"schema":1,"target":"0.9.18","versions":["0.9.18"],"fingerprint":"${fingerprint(p.updates)}","baseSha":"${SHA}"} -->`;
    expect(prBody(p)).toBe(
      [
        "This pull request updates uv from 0.9.17 to 0.9.18 in 3 files. uv 0.9.18 was published on 2026-11-20. All 2 new digests and checksums have verified attestations.",
        "",
        "### Changes",
        "",
        "| file | what | from | to | type |",
        "|---|---|---|---|---|",
        `| [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | \`ghcr.io/astral-sh/uv\` | \`0.9.17\` \`sha256:111111111111\` | \`0.9.18\` \`sha256:aaaaaaaaaaaa\` | patch |`,
        `| [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | installer \`install.sh\` | \`0.9.17\` \`sha256:222222222222\` | \`0.9.18\` \`sha256:bbbbbbbbbbbb\` | patch |`,
        `| [\`.github/workflows/ci.yml:21\`](${BLOB}/.github/workflows/ci.yml#L21) | version | \`0.9.17\` | \`0.9.18\` | patch |`,
        "",
        "### Release notes",
        "",
        "<details><summary>uv 0.9.18</summary>",
        "",
        "[release page](https://github.com/astral-sh/uv/releases/tag/0.9.18) · published 2026-11-20",
        "",
        "> ## Bug fixes",
        ">",
        `> - Fix a thing ([#${Z}123](https://redirect.github.com/astral-sh/uv/pull/123))`,
        "",
        "</details>",
        "",
        "### Attestations",
        "",
        `#### Digest \`${NEW_DIGEST}\``,
        "",
        `Pinned by [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4).`,
        "",
        renderAttestation(attested(NEW_DIGEST)).trimEnd(),
        "",
        `#### Checksum \`${NEW_SUM}\``,
        "",
        `Pinned by [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7).`,
        "",
        renderAttestation(attested(NEW_SUM)).trimEnd(),
        "",
        FOOTER,
        "",
        meta,
        "",
      ].join("\n"),
    );
  });

  it("shows the notes of every release after the oldest version replaced, up to the target", () => {
    const releases = [
      release("0.9.19", "too new"),
      release("0.9.18", "eighteen"),
      release("0.9.18rc1", "a pre-release", { prerelease: true }),
      release("0.9.17", "seventeen"),
      release("0.9.16", "sixteen"),
      release("0.9.15", "fifteen: what the repository has"),
      release("0.9.14", "too old"),
    ];
    const from15 = versionUpdate({
      from: { version: "0.9.15", tag: null, digest: null, checksum: null },
    });
    const from16 = imageUpdate({
      from: { version: "0.9.16", tag: "0.9.16", digest: OLD_DIGEST, checksum: null },
    });
    const body = prBody(plan({ releases, updates: [from16, from15] }));
    expect(summaries(body)).toEqual(["uv 0.9.18", "uv 0.9.17", "uv 0.9.16"]);
    expect(body).toContain(
      [
        "<details><summary>uv 0.9.16</summary>",
        "",
        "[release page](https://github.com/astral-sh/uv/releases/tag/0.9.16) · published 2026-11-20",
        "",
        "> sixteen",
        "",
        "</details>",
      ].join("\n"),
    );
    for (const absent of ["too new", "a pre-release", "fifteen", "too old"])
      expect(body).not.toContain(absent);
    expect(
      body.startsWith("This pull request updates uv from 0.9.15 and 0.9.16 to 0.9.18 in 2 files."),
    ).toBe(true);
  });

  it("shows no release notes for digest refreshes", () => {
    const body = prBody(plan({ updates: [digestRefresh(), digestPin()] }));
    expect(body).not.toContain("### Release notes");
    expect(body.split("\n\n")[0]).toBe(
      "This pull request updates the pinned digests and checksums of uv in 2 places in 1 file. The new digest has a verified attestation.",
    );
  });

  it("says when the tag's digest differs from the pin (a current version re-checked)", () => {
    const note = "the registry's digest for 0.9.18 differs from the pinned digest";
    const body = prBody(plan({ updates: [{ ...digestRefresh(), note }] }));
    expect(body).toContain(
      `- [\`Dockerfile:4\`](https://github.com/octo/app/blob/0123456789abcdef0123456789abcdef01234567/Dockerfile#L4): ${note}`,
    );
  });

  it("lists blocked updates and skipped pins with their reasons", () => {
    const blocked = installerUpdate({ blocked: "uv 0.9.18 has no release asset install.sh" });
    const skipped = [
      { file: "ci.sh", line: 3, reason: "a variable with no default" },
      { file: "Makefile", line: null, reason: "`latest` always installs the newest release" },
    ];
    const body = prBody(plan({ updates: [imageUpdate(), blocked], skipped }));
    expect(body.split("\n\n")[0]).toBe(
      "This pull request updates uv from 0.9.17 to 0.9.18 in 1 file. uv 0.9.18 was published on 2026-11-20. The new digest has a verified attestation. 1 update is blocked and 2 pins were skipped: see below.",
    );
    expect(body).toContain(
      [
        "### Not in this pull request",
        "",
        "| file | | why |",
        "|---|---|---|",
        `| [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | blocked: \`0.9.17\` \`sha256:222222222222\` → \`0.9.18\` \`sha256:bbbbbbbbbbbb\` | uv 0.9.18 has no release asset install.sh |`,
        `| [\`ci.sh:3\`](${BLOB}/ci.sh#L3) | skipped | a variable with no default |`,
        `| [\`Makefile\`](${BLOB}/Makefile) | skipped | \`latest\` always installs the newest release |`,
        "",
        "---",
      ].join("\n"),
    );
    // The blocked installer is neither a change nor an attestation.
    expect(body).not.toContain(
      `| [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | installer`,
    );
    expect(body).not.toContain("#### Checksum");
  });

  it("shows update notes under the table and which pins stop at an older version", () => {
    const variant = imageUpdate({
      pin: pin({
        file: "Dockerfile",
        line: 12,
        kind: "image",
        image: "ghcr.io/astral-sh/uv",
        tag: "0.9.15-python3.8-bookworm",
      }),
      from: { version: "0.9.15", tag: "0.9.15-python3.8-bookworm", digest: null, checksum: null },
      to: { version: "0.9.16", tag: "0.9.16-python3.8-bookworm", digest: null, checksum: null },
      release: release("0.9.16"),
      note: "python3.8-bookworm images stop at 0.9.16; closest current variant: python3.9-bookworm",
      attestation: null,
    });
    const body = prBody(plan({ updates: [imageUpdate(), variant] }));
    expect(body.split("\n\n")[0]).toBe(
      "This pull request updates uv from 0.9.15 and 0.9.17 to 0.9.18 in 2 places in 1 file. 1 pin can only go as far as 0.9.16 (see the notes). uv 0.9.18 was published on 2026-11-20. The new digest has a verified attestation.",
    );
    expect(body).toContain(
      `\n\n- [\`Dockerfile:12\`](${BLOB}/Dockerfile#L12): python3.8-bookworm images stop at 0.9.16; closest current variant: python3.9-bookworm\n\n### Release notes`,
    );
  });

  it("neutralises mentions, references, HTML and fences in release notes; links stay links", () => {
    const notes = [
      "Thanks @alice and @astral-sh/core! See #42, astral-sh/uv#43 and GH-44.",
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(1)">',
      "</details>",
      "<details open><summary>fake</summary>",
      '<!-- uv-pin-bot:metadata {"schema":1} -->',
      "&#64;bob &commat;carol",
      "[the PR](https://github.com/astral-sh/uv/pull/1) and <https://docs.astral.sh/uv/>",
      "- [ ] not a task of this pull request",
      "```",
      "@dave inside an unclosed fence",
    ].join("\r\n");
    const r = release("0.9.18", notes);
    const body = prBody(plan({ release: r, releases: [r] }));
    expect(body).toContain(
      [
        "<details><summary>uv 0.9.18</summary>",
        "",
        "[release page](https://github.com/astral-sh/uv/releases/tag/0.9.18) · published 2026-11-20",
        "",
        `> Thanks @${Z}alice and @${Z}astral-sh/core! See #${Z}42, astral-sh/uv#${Z}43 and GH${Z}-44.`,
        `> <${Z}script>alert(1)<${Z}/script>`,
        `> <${Z}img src=x onerror="alert(1)">`,
        `> <${Z}/details>`,
        `> <${Z}details open><${Z}summary>fake<${Z}/summary>`,
        `> <${Z}!-- uv-pin-bot:metadata {"schema":1} -->`,
        `> &#${Z}64;bob &${Z}commat;carol`,
        "> [the PR](https://redirect.github.com/astral-sh/uv/pull/1) and [https://docs.astral.sh/uv/](https://docs.astral.sh/uv/)",
        `> - [${Z} ] not a task of this pull request`,
        "> ```",
        `> @${Z}dave inside an unclosed fence`,
        "",
        "</details>",
        "",
        "### Attestations",
      ].join("\n"),
    );
    expect(body).not.toMatch(/<script|<img|@alice|@dave|#42|\r/);
    expect(body.match(/<details>/g)).toHaveLength(1);
    expect(body.match(/<\/details>/g)).toHaveLength(1);
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(parseMetadata(body)?.target).toBe("0.9.18");
  });

  it("links the release page only when its URL is plain https", () => {
    const r = release("0.9.18", "", { url: "javascript:alert(1)" });
    const body = prBody(
      plan({ release: r, releases: [r], updates: [versionUpdate({ release: r })] }),
    );
    expect(body).toContain(
      [
        "<details><summary>uv 0.9.18</summary>",
        "",
        "release page · published 2026-11-20",
        "",
        "*No release notes.*",
        "",
        "</details>",
      ].join("\n"),
    );
  });

  it("neutralises a version that is not one wherever it shows", () => {
    const odd = "0.9.18<img src=x>";
    const update = versionUpdate({
      release: null,
      to: { version: odd, tag: null, digest: null, checksum: null },
    });
    const body = prBody(plan({ release: null, updates: [update] }));
    expect(body.split("\n\n")[0]).toBe(
      `This pull request updates uv from 0.9.17 to 0.9.18<${Z}img src=x> in 1 file.`,
    );
    expect(body).toContain(`| version | \`0.9.17\` | \`0.9.18<${Z}img src=x>\` | patch |`);
    expect(body).not.toContain("<img");
  });

  it("puts a hostile file path in a code span, its URL encoded", () => {
    const file = "a/@alice <img src=x onerror=alert(1)>|`x`](javascript:alert(1)).Dockerfile";
    const evil = imageUpdate({
      pin: pin({ file, line: 3, kind: "image", image: "ghcr.io/astral-sh/uv" }),
      note: "keeps @bob's #7 <b>pin</b>",
    });
    const body = prBody(plan({ updates: [evil] }));
    const url = `${BLOB}/a/%40alice%20%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%7C%60x%60%5D%28javascript%3Aalert%281%29%29.Dockerfile#L3`;
    expect(body).toContain(
      `\n| [\`\`a/@alice <${Z}img src=x onerror=alert(1)>\\|\`x\`](javascript:alert(1)).Dockerfile:3\`\`](${url}) | \`ghcr.io/astral-sh/uv\` | \`0.9.17\` \`sha256:111111111111\` | \`0.9.18\` \`sha256:aaaaaaaaaaaa\` | patch |\n`,
    );
    // Outside a table the pipe needs no escape.
    expect(body).toContain(
      `\n- [\`\`a/@alice <${Z}img src=x onerror=alert(1)>|\`x\`](javascript:alert(1)).Dockerfile:3\`\`](${url}): keeps @${Z}bob's #${Z}7 <${Z}b>pin<${Z}/b>\n`,
    );
  });

  it("neutralises a skip reason and keeps it in its table cell", () => {
    const skipped = [{ file: "x|y", line: 1, reason: "bad @carol\n<script> a\\|b | c" }];
    const body = prBody(plan({ updates: [imageUpdate()], skipped }));
    expect(body).toContain(
      `\n| [\`x\\|y:1\`](${BLOB}/x%7Cy#L1) | skipped | bad @${Z}carol <${Z}script> a\\|b \\| c |\n`,
    );
  });

  it("fits a 200,000-character release note into GitHub's limit, keeping table, attestations and metadata", () => {
    const line =
      "- Improve something in the resolver, see [#1234](https://github.com/astral-sh/uv/pull/1234) by @someone\n";
    const huge = line.repeat(Math.ceil(200_000 / line.length));
    expect(huge.length).toBeGreaterThanOrEqual(200_000);
    const r18 = release("0.9.18", huge);
    const from16 = { version: "0.9.16", tag: "0.9.16", digest: OLD_DIGEST, checksum: null };
    const p = plan({
      release: r18,
      releases: [r18, release("0.9.17", huge), release("0.9.16", huge)],
      updates: [imageUpdate({ from: from16 }), installerUpdate(), versionUpdate()],
    });
    const body = prBody(p);
    // Room is left for the app's own mark (github-prs.ts), so the body with it still fits.
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT - PR_BODY_MARK_ROOM);
    expect(body.length).toBeGreaterThan(PR_BODY_LIMIT - 3000);
    expect(body).toContain(
      `| [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | \`ghcr.io/astral-sh/uv\` |`,
    );
    expect(body).toContain(renderAttestation(attested(NEW_DIGEST)).trimEnd());
    expect(body).toContain(renderAttestation(attested(NEW_SUM)).trimEnd());
    expect(body).toContain(FOOTER);
    expect(parseMetadata(body)).toEqual(prMetadata(p));
    // Only the newest release keeps notes; the older one was cut first, to nothing.
    const truncated =
      "*… truncated, see the [release page](https://github.com/astral-sh/uv/releases/tag/";
    expect(body).toContain(
      [
        "<details><summary>uv 0.9.17</summary>",
        "",
        "[release page](https://github.com/astral-sh/uv/releases/tag/0.9.17) · published 2026-11-20",
        "",
        `${truncated}0.9.17)*`,
        "",
        "</details>",
      ].join("\n"),
    );
    const newest = body.slice(
      body.indexOf("<summary>uv 0.9.18"),
      body.indexOf("<summary>uv 0.9.17"),
    );
    expect(newest).toContain(
      `> - Improve something in the resolver, see [#${Z}1234](https://redirect.github.com/astral-sh/uv/pull/1234) by @${Z}someone\n>`,
    );
    // Cut at a line boundary, then the truncation line.
    expect(newest).toMatch(
      /by @\u200dsomeone\n\n\*… truncated, see the \[release page\]\(https:\/\/github\.com\/astral-sh\/uv\/releases\/tag\/0\.9\.18\)\*\n\n<\/details>/,
    );
  });

  it("leaves out the notes of the oldest releases when even their headings do not fit", () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      release(`0.${Math.floor(i / 20) + 1}.${i % 20}`, "x".repeat(300)),
    ).reverse();
    const target = many[0] as Release;
    const oldest = versionUpdate({
      from: { version: "0.1.0", tag: null, digest: null, checksum: null },
      to: { version: target.version, tag: null, digest: null, checksum: null },
      release: target,
    });
    const p = plan({ release: target, releases: many, updates: [oldest] });
    const body = prBody(p);
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT - PR_BODY_MARK_ROOM);
    expect(summaries(body)[0]).toBe(`uv ${target.version}`);
    expect(body).toMatch(
      /\n\*Release notes of uv 0\.1\.1 to 0\.\d+\.\d+ are left out to fit GitHub's size limit\.\*\n\n---\n/,
    );
    expect(parseMetadata(body)).toEqual(prMetadata(p));
  });

  it("keeps the start and the metadata for a plan of thousands of pins", () => {
    const updates = Array.from({ length: 3000 }, (_, i) =>
      versionUpdate({ pin: pin({ file: `services/s${i}/ci.yml`, line: 1, kind: "version" }) }),
    );
    const p = plan({ updates });
    const body = prBody(p);
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(body).toContain(
      "\n*… the rest of this description is left out to fit GitHub's size limit.*\n\n<!-- uv-pin-bot:metadata ",
    );
    expect(parseMetadata(body)).toEqual(prMetadata(p));
  });
});

describe("parseMetadata", () => {
  const p = plan();
  const body = prBody(p);

  it("round-trips the metadata of a rendered body", () => {
    expect(parseMetadata(body)).toEqual({
      schema: 1,
      target: "0.9.18",
      versions: ["0.9.18"],
      fingerprint: fingerprint(p.updates),
      baseSha: SHA,
      head: null,
    });
  });

  it("records the head the app pushed, and reads back only a commit id", () => {
    const head = "a".repeat(40);
    const withHead = prBody({ ...p, repository: { ...p.repository, headSha: head } });
    expect(parseMetadata(withHead)?.head).toBe(head);
    expect(
      parseMetadata(withHead.replace(`"head":"${head}"`, `"head":"not-a-sha"`))?.head,
    ).toBeNull();
  });

  it("lists every version proposed, newest first", () => {
    const variant = imageUpdate({
      pin: pin({ file: "Dockerfile", line: 12 }),
      to: { version: "0.9.16", tag: "0.9.16-python3.8-bookworm", digest: null, checksum: null },
      release: release("0.9.16"),
    });
    expect(parseMetadata(prBody(plan({ updates: [variant, imageUpdate()] })))?.versions).toEqual([
      "0.9.18",
      "0.9.16",
    ]);
  });

  it("survives an edited body: CRLF line ends, text added before and after", () => {
    const edited = `Please wait for CI.\r\n\r\n${body.replace(/\n/g, "\r\n")}\r\nEdited by a maintainer.`;
    expect(parseMetadata(edited)).toEqual(parseMetadata(body));
  });

  it("is null when the comment is missing, mangled or not ours", () => {
    const fp = "f".repeat(64);
    expect(parseMetadata("")).toBeNull();
    expect(parseMetadata(body.replace(/<!-- uv-pin-bot:metadata .*-->/, ""))).toBeNull();
    expect(parseMetadata(body.replace(/"schema":1,/, '"schema":1,,'))).toBeNull();
    expect(parseMetadata(body.replace(/ -->\n$/, "\n"))).toBeNull();
    expect(
      parseMetadata(
        `<!-- uv-pin-bot:metadata {"schema":2,"target":null,"versions":[],"fingerprint":"${fp}"} -->`,
      ),
    ).toBeNull();
    expect(
      parseMetadata(
        `<!-- uv-pin-bot:metadata {"schema":1,"target":null,"versions":[],"fingerprint":"xyz"} -->`,
      ),
    ).toBeNull();
    expect(
      parseMetadata(
        `<!-- uv-pin-bot:metadata {"schema":1,"target":7,"versions":[],"fingerprint":"${fp}"} -->`,
      ),
    ).toBeNull();
    expect(
      parseMetadata(
        `<!-- uv-pin-bot:metadata {"schema":1,"target":null,"versions":"0.9.18","fingerprint":"${fp}"} -->`,
      ),
    ).toBeNull();
    expect(parseMetadata(`<!-- uv-pin-bot:metadata [1,2] -->`)).toBeNull();
    expect(
      parseMetadata(
        `<!-- other-bot {"schema":1,"target":null,"versions":[],"fingerprint":"${fp}"} -->`,
      ),
    ).toBeNull();
  });

  it("takes the last valid comment, and a value cannot end the comment early", () => {
    const r = release("0.9.18 --> <b>", "");
    const odd = plan({ release: r, releases: [r] });
    const oddBody = prBody(odd);
    expect(oddBody).toContain('"target":"0.9.18 --\\u003e \\u003cb\\u003e"');
    expect(parseMetadata(oddBody)?.target).toBe("0.9.18 --> <b>");
    const fake = `<!-- uv-pin-bot:metadata {"schema":1,"target":"9.9.9","versions":[],"fingerprint":"${"0".repeat(64)}"} -->`;
    expect(parseMetadata(`${fake}\n${body}`)).toEqual(parseMetadata(body));
    expect(parseMetadata(`${body}\n<!-- uv-pin-bot:metadata {broken -->`)).toEqual(
      parseMetadata(body),
    );
  });
});

describe("fingerprint", () => {
  const updates = [imageUpdate(), installerUpdate(), versionUpdate()];
  const base = fingerprint(updates);

  it("is a SHA-256 that ignores order, from-states, notes and attestations", () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint([...updates].reverse())).toBe(base);
    expect(fingerprint([versionUpdate(), imageUpdate(), installerUpdate()])).toBe(base);
    const other = [
      imageUpdate({
        from: { version: "0.9.10", tag: "0.9.10", digest: null, checksum: null },
        note: "n",
        attestation: null,
      }),
      installerUpdate({ type: "minor" }),
      versionUpdate(),
    ];
    expect(fingerprint(other)).toBe(base);
  });

  it("ignores blocked updates", () => {
    expect(
      fingerprint([...updates, imageUpdate({ pin: pin({ file: "x", line: 1 }), blocked: "no" })]),
    ).toBe(base);
    expect(fingerprint(updates.map((u) => ({ ...u, blocked: "no" })))).toBe(fingerprint([]));
  });

  it("changes with every part of the to-state, the file, the line and the kind", () => {
    const image = imageUpdate();
    const variants: PrUpdate[] = [
      { ...image, to: { ...image.to, version: "0.9.19" } },
      { ...image, to: { ...image.to, tag: "0.9.18-alpine" } },
      { ...image, to: { ...image.to, digest: `sha256:${"c".repeat(64)}` } },
      { ...image, to: { ...image.to, checksum: NEW_SUM } },
      { ...image, pin: { ...image.pin, file: "Dockerfile.dev" } },
      { ...image, pin: { ...image.pin, line: 5 } },
      { ...image, pin: { ...image.pin, kind: "version" } },
    ];
    const prints = variants.map((v) => fingerprint([v, installerUpdate(), versionUpdate()]));
    expect(new Set([base, ...prints]).size).toBe(variants.length + 1);
  });
});

describe("checkRunOutput", () => {
  const summaryHeader = ["", "| digest or checksum | pinned by | attestation |", "|---|---|---|"];

  it("succeeds when every new digest and checksum is verified", () => {
    expect(checkRunOutput(plan(), "required")).toEqual({
      conclusion: "success",
      title: "2 new digests and checksums verified",
      summary: [
        "All 2 new digests and checksums have verified attestations.",
        ...summaryHeader,
        `| \`sha256:aaaaaaaaaaaa\` | [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | ✓ verified |`,
        `| \`sha256:bbbbbbbbbbbb\` | [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | ✓ verified |`,
      ].join("\n"),
      text: [
        `### Digest \`${NEW_DIGEST}\``,
        "",
        renderAttestation(attested(NEW_DIGEST)).trimEnd(),
        "",
        `### Checksum \`${NEW_SUM}\``,
        "",
        renderAttestation(attested(NEW_SUM)).trimEnd(),
      ].join("\n"),
    });
  });

  it("fails with the reasons when one is not verified or not checked", () => {
    const bad = plan({
      updates: [
        imageUpdate({ attestation: attested(NEW_DIGEST, false) }),
        installerUpdate({ attestation: null }),
        versionUpdate(),
      ],
    });
    const reason =
      "``certificate identity: https://github.com/evil/uv/x does not match ^https://github\\.com/astral-sh/``";
    const output = checkRunOutput(bad, "required");
    expect(output).toEqual({
      conclusion: "failure",
      title: "2 of 2 new digests and checksums not verified",
      summary: [
        "2 of 2 new digests and checksums have no verified attestation.",
        ...summaryHeader,
        `| \`sha256:aaaaaaaaaaaa\` | [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | ✗ ${reason.slice(1, -1)} |`,
        `| \`sha256:bbbbbbbbbbbb\` | [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | ✗ \`no attestation was checked\` |`,
      ].join("\n"),
      text: [
        `### Digest \`${NEW_DIGEST}\``,
        "",
        renderAttestation(attested(NEW_DIGEST, false)).trimEnd(),
        "",
        `### Checksum \`${NEW_SUM}\``,
        "",
        "*No attestation was checked.*",
      ].join("\n"),
    });
    expect(checkRunOutput(bad, "warn").summary.split("\n")[0]).toBe(
      "2 of 2 new digests and checksums have no verified attestation (`attestations: warn`: the update is proposed anyway).",
    );
    expect(checkRunOutput(bad, "warn").conclusion).toBe("failure");
  });

  it("fails closed: one unverified attestation for a digest outweighs a verified one", () => {
    const again = imageUpdate({
      pin: pin({ file: "Dockerfile", line: 30, kind: "image", image: "ghcr.io/astral-sh/uv" }),
      attestation: attested(NEW_DIGEST, false),
    });
    const output = checkRunOutput(plan({ updates: [imageUpdate(), again] }), "required");
    expect(output.conclusion).toBe("failure");
    expect(output.title).toBe("1 of 1 new digest or checksum not verified");
  });

  it("is neutral when verification is off", () => {
    expect(checkRunOutput(plan(), "off")).toEqual({
      conclusion: "neutral",
      title: "Attestation verification is off",
      summary:
        "The configuration sets `attestations: off`: 2 new digests and checksums pinned by this pull request were not verified.",
      text: "",
    });
  });

  it("succeeds when nothing new is pinned", () => {
    expect(checkRunOutput(plan({ updates: [versionUpdate()] }), "required")).toEqual({
      conclusion: "success",
      title: "No new digest or checksum to verify",
      summary: "This pull request pins no new image digest or installer checksum.",
      text: "",
    });
  });

  it("stays under GitHub's output limits with thousands of digests", () => {
    const updates = Array.from({ length: 2000 }, (_, i) => {
      const digest = `sha256:${i.toString(16).padStart(64, "0")}`;
      return imageUpdate({
        pin: pin({
          file: `s${i}/Dockerfile`,
          line: 1,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
        }),
        to: { version: "0.9.18", tag: "0.9.18", digest, checksum: null },
        attestation: attested(digest, i % 2 === 0),
      });
    });
    const output = checkRunOutput(plan({ updates }), "required");
    expect(output.conclusion).toBe("failure");
    expect(output.title).toBe("1000 of 2000 new digests and checksums not verified");
    expect(output.summary.length).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(output.text.length).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(output.summary).toMatch(
      /\n\n\*… and \d+ more, left out to fit GitHub's size limit\.\*$/,
    );
    expect(output.text).toMatch(/\n\n\*… and \d+ more, left out to fit GitHub's size limit\.\*$/);
  });
});

describe("planComment", () => {
  it("shows each change with its attestation result, and opens nothing", () => {
    const bad = plan({
      updates: [
        imageUpdate({ attestation: attested(NEW_DIGEST, false) }),
        installerUpdate({ attestation: null }),
        versionUpdate(),
      ],
    });
    expect(planComment(bad)).toBe(
      [
        "**uv-pin-bot plan**: update uv to 0.9.18 (3 changes).",
        "",
        "| file | from | to | type | attestation |",
        "|---|---|---|---|---|",
        `| [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | \`0.9.17\` \`sha256:111111111111\` | \`0.9.18\` \`sha256:aaaaaaaaaaaa\` | patch | ✗ \`certificate identity: https://github.com/evil/uv/x does not match ^https://github\\.com/astral-sh/\` |`,
        `| [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | \`0.9.17\` \`sha256:222222222222\` | \`0.9.18\` \`sha256:bbbbbbbbbbbb\` | patch | not checked |`,
        `| [\`.github/workflows/ci.yml:21\`](${BLOB}/.github/workflows/ci.yml#L21) | \`0.9.17\` | \`0.9.18\` | patch | — |`,
        "",
        "This is a dry run: nothing was opened or changed. Comment `/uv-update` to open or update the pull request.",
        "",
      ].join("\n"),
    );
  });

  it("lists what is blocked or skipped", () => {
    const blocked = installerUpdate({ blocked: "uv 0.9.18 has no release asset install.sh" });
    const skipped = [{ file: "ci.sh", line: 3, reason: "a variable with no default" }];
    expect(planComment(plan({ updates: [digestRefresh(), digestPin(), blocked], skipped }))).toBe(
      [
        "**uv-pin-bot plan**: update uv digests (2 changes).",
        "",
        "| file | from | to | type | attestation |",
        "|---|---|---|---|---|",
        `| [\`Dockerfile:4\`](${BLOB}/Dockerfile#L4) | \`0.9.18\` \`sha256:111111111111\` | \`0.9.18\` \`sha256:aaaaaaaaaaaa\` | digest | ✓ verified |`,
        `| [\`Dockerfile:9\`](${BLOB}/Dockerfile#L9) | \`0.9.18\` | \`0.9.18\` \`sha256:aaaaaaaaaaaa\` | pin | ✓ verified |`,
        "",
        "Not included: 1 blocked update, 1 skipped pin.",
        "",
        "| file | | why |",
        "|---|---|---|",
        `| [\`scripts/install.sh:7\`](${BLOB}/scripts/install.sh#L7) | blocked: \`0.9.17\` \`sha256:222222222222\` → \`0.9.18\` \`sha256:bbbbbbbbbbbb\` | uv 0.9.18 has no release asset install.sh |`,
        `| [\`ci.sh:3\`](${BLOB}/ci.sh#L3) | skipped | a variable with no default |`,
        "",
        "This is a dry run: nothing was opened or changed. Comment `/uv-update` to open or update the pull request.",
        "",
      ].join("\n"),
    );
  });

  it("says when there is nothing to change", () => {
    expect(planComment(plan({ updates: [] }))).toBe(
      "**uv-pin-bot plan**: nothing to change.\n\nThis is a dry run: nothing was opened or changed. Comment `/uv-update` to open or update the pull request.\n",
    );
  });
});

describe("helpComment", () => {
  it("lists the commands and what each does", () => {
    expect(helpComment()).toBe(
      [
        "**uv-pin-bot** keeps this repository's uv pins current, one pull request at a time. Comment one of these (write access needed):",
        "",
        "| command | what it does |",
        "|---|---|",
        "| `/uv-update` | open the pull request now, or bring it up to date with the newest release |",
        "| `/uv-update check` | reply with the plan: what would change and each attestation's result |",
        "| `/uv-update rebase` | rebuild the branch on the default branch, replacing any commits added to it |",
        "| `/uv-update help` | list these commands |",
        "",
      ].join("\n"),
    );
  });
});

describe("escaping", () => {
  it("neutralise inserts a zero-width joiner only where GitHub would read something", () => {
    expect(
      neutralise("@a @1 a@b.c @ x #1 #a C# gh-2 GH-3 <a </a <!-- <? a<b 2<3 &amp; &#64; & [^1]"),
    ).toBe(
      `@${Z}a @${Z}1 a@${Z}b.c @ x #${Z}1 #a C# gh${Z}-2 GH${Z}-3 <${Z}a <${Z}/a <${Z}!-- <${Z}? a<${Z}b 2<3 &${Z}amp; &#${Z}64; & [${Z}^1]`,
    );
  });

  it("escapePipes escapes every pipe whatever backslashes precede it", () => {
    expect(escapePipes("a|b")).toBe("a\\|b");
    expect(escapePipes("a\\|b")).toBe("a\\|b");
    expect(escapePipes("a\\\\|b")).toBe("a\\\\\\|b");
  });

  it("codeSpan fences backticks, flattens lines and drops bidi overrides", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("a\nb\u202ec")).toBe("`a b c`");
    expect(codeSpan("  ")).toBe("(empty)");
  });

  it("htmlText writes entities after neutralising", () => {
    expect(htmlText('0.9.18<img src=x> & "@a"')).toBe(
      `0.9.18&lt;${Z}img src=x&gt; &amp; &quot;@${Z}a&quot;`,
    );
  });

  it("quoteNotes quotes every line, blank ones too, and drops control characters", () => {
    expect(quoteNotes("a\r\n\r\nb\u0007\u202e\n\n")).toBe("> a\n>\n> b");
  });
});
