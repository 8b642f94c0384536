/**
 * `/uv-update` comments, the configuration, attestation modes, odd repositories and installation
 * events, end to end: signed deliveries to the real Probot server, GitHub under the fake (every
 * request recorded and listed here exactly), uv's upstreams as in-memory fakes with real Sigstore
 * bundles. One app for most of the file (each test with its own repository, starting with no
 * recorded requests), then a second one for GitHub failing mid-command.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { helpComment } from "../../src/core/render-pr.js";
import {
  type AppHarness,
  indexDigest,
  installationCreatedPayload,
  installationRepositoriesAddedPayload,
  isGitWrite,
  type RepoOptions,
  startApp,
} from "./harness.js";
import { botComments, calls, dockerfile, lastCommentId, reactionsOn } from "./support.js";

let h: AppHarness;
const D17 = indexDigest("0.9.17");
const D18 = indexDigest("0.9.18");
const short = (digest: string) => digest.slice(0, 19);

const ALPINE17 = indexDigest("0.9.17-alpine");
const ALPINE18 = indexDigest("0.9.18-alpine");

describe("one app: commands, configuration, attestations, repositories, installations", () => {
  beforeAll(async () => {
    h = await startApp();
    h.upstreams.publish("0.9.17", { daysAgo: 30, tags: ["0.9.17-alpine"] });
    h.upstreams.publish("0.9.18", { daysAgo: 2, tags: ["0.9.18-alpine"] });
    // GitHub holds no attestation for the new alpine index (the plain tags are attested).
    h.upstreams.unattested.add(ALPINE18);
    // Orgs with defaults in their `.github` repository (the `acme` org has none).
    h.github.addInstallation(77, "initech");
    h.github.addRepo("initech/.github", {
      files: {
        ".github/uv-pin-bot.yml":
          'labels: [org-deps]\ncommitMessagePrefix: "build(uv):"\nreviewers: [octo-lead]\n',
      },
    });
    h.github.addInstallation(78, "umbrella");
    h.github.addRepo("umbrella/.github", {
      files: { ".github/uv-pin-bot.yml": "labels: [a\nschedule: daily\n" },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => h.github.reset());
  afterEach(() => h.github.assertDone());

  /** acme/{name} pinning uv 0.9.17 by tag and digest; alice may write, rita read, tom triage. */
  function repository(name: string, options: RepoOptions = {}) {
    return h.github.addRepo(`acme/${name}`, {
      files: { Dockerfile: dockerfile("0.9.17") },
      permissions: { alice: "write", mia: "maintain", rita: "read", tom: "triage" },
      ...options,
    });
  }

  const R = (name: string) => `/repos/acme/${name}`;
  /** The requests of a command that runs nothing: 👀, the permission, the reply, the last reaction. */
  const noRun = (name: string, user: string, commentId: number, issue = 1) => [
    `POST ${R(name)}/issues/comments/${commentId}/reactions`,
    `GET ${R(name)}/collaborators/${user}/permission`,
    `POST ${R(name)}/issues/${issue}/comments`,
    `POST ${R(name)}/issues/comments/${commentId}/reactions`,
  ];
  /** Probot's config plugin: the repository's file, then (missing) the owner's `.github` one. */
  const noConfig = (name: string) => [
    `GET ${R(name)}/contents/.github/uv-pin-bot.yml`,
    "GET /repos/acme/.github/contents/.github/uv-pin-bot.yml",
  ];

  describe("who may command", () => {
    it.each([
      ["rita", "read"],
      ["tom", "triage"],
      ["zed", "no access (404)"],
    ])("%s (%s) gets a polite refusal and 😕; nothing runs", async (user) => {
      const name = `refuse-${user}`;
      const repo = repository(name);
      const issue = repo.openIssue();
      expect(await h.comment(repo, issue.number, "/uv-update", { user })).toBe(200);
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual(noRun(name, user, id));
      expect(botComments(repo, issue.number)).toEqual([
        `Sorry @${user}, \`/uv-update\` commands are for people with write access to this repository.`,
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "confused"]);
      expect(repo.pulls).toEqual([]);
    });

    it.each([
      ["another app", "dependabot[bot]"],
      ["the app itself", "uv-pin-bot[bot]"],
    ])("a comment from %s is ignored entirely: zero requests", async (_what, user) => {
      const repo = repository(`bot-${user.split("[")[0]}`);
      const issue = repo.openIssue();
      expect(await h.comment(repo, issue.number, "/uv-update", { user, userType: "Bot" })).toBe(
        200,
      );
      expect(h.github.requests).toEqual([]);
      expect(repo.reactions).toEqual([]);
    });

    it.each([
      ["quoted", "> /uv-update"],
      ["quoted, lazily continued", "> please\n/uv-update"],
      ["in a fenced code block", "Try this:\n\n```\n/uv-update\n```"],
      ["in an indented code block", "Try this:\n\n    /uv-update"],
      ["not at the start of a line", "could someone run /uv-update please"],
      ["inside a code span", "run `\n/uv-update\n` to update"],
    ])("a command %s is not a command: zero requests", async (_what, body) => {
      const repo = repository(`not-a-command-${_what.replace(/\W+/g, "-")}`);
      const issue = repo.openIssue();
      expect(await h.comment(repo, issue.number, body)).toBe(200);
      expect(h.github.requests).toEqual([]);
    });
  });

  describe("subcommands", () => {
    it("`help` replies with the commands and 🚀; an unknown subcommand gets the same reply and 😕", async () => {
      const repo = repository("help");
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update help", { user: "alice" });
      const help = lastCommentId(repo, issue.number);
      await h.comment(repo, issue.number, "/uv-update frobnicate", { user: "mia" });
      const unknown = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([...noRun("help", "alice", help), ...noRun("help", "mia", unknown)]);
      expect(botComments(repo, issue.number)).toEqual([helpComment(), helpComment()]);
      expect(helpComment()).toContain("| `/uv-update check` |");
      expect(reactionsOn(repo, help)).toEqual(["eyes", "rocket"]);
      expect(reactionsOn(repo, unknown)).toEqual(["eyes", "confused"]);
    });

    it("`check` replies with the plan as a table and writes nothing", async () => {
      const repo = repository("check");
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update check", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([
        `POST ${R("check")}/issues/comments/${id}/reactions`,
        `GET ${R("check")}/collaborators/alice/permission`,
        ...noConfig("check"),
        `GET ${R("check")}/git/trees/main?recursive=1`,
        `GET ${R("check")}/git/blobs/${blobSha(repo, "Dockerfile")}`,
        `POST ${R("check")}/issues/${issue.number}/comments`,
        `POST ${R("check")}/issues/comments/${id}/reactions`,
      ]);
      expect(botComments(repo, issue.number)).toEqual([
        [
          "**uv-pin-bot plan**: update uv to 0.9.18 (1 change).",
          "",
          "| file | from | to | type | attestation |",
          "|---|---|---|---|---|",
          `| [\`Dockerfile:2\`](https://github.com/acme/check/blob/main/Dockerfile#L2) | \`0.9.17\` \`${short(D17)}\` | \`0.9.18\` \`${short(D18)}\` | patch | ✓ verified |`,
          "",
          "This is a dry run: nothing was opened or changed. Comment `/uv-update` to open or update the pull request.",
          "",
        ].join("\n"),
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "rocket"]);
      expect(h.github.requests.filter(isGitWrite)).toEqual([]);
      expect(repo.pulls).toEqual([]);
      expect([...repo.branches.keys()]).toEqual(["main"]);
    });

    it("`rebase` on a plain issue is refused with the reason", async () => {
      const repo = repository("rebase-issue");
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update rebase", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual(noRun("rebase-issue", "alice", id));
      expect(botComments(repo, issue.number)).toEqual([
        "`/uv-update rebase` works on uv-pin-bot's own pull request.",
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "confused"]);
    });
  });

  function blobSha(repo: ReturnType<typeof repository>, path: string): string {
    const entry = repo.trees.get(repo.head().tree)?.get(path);
    if (!entry) throw new Error(`no ${path}`);
    return entry.sha;
  }

  describe("configuration", () => {
    it("an unknown key and wrong types: nothing changes, the reply names each path and problem", async () => {
      const repo = repository("bad-config", {
        files: {
          Dockerfile: dockerfile("0.9.17"),
          ".github/uv-pin-bot.yml": 'schedule: hourly\nlabelz: [deps]\nminimumReleaseAge: "3"\n',
        },
      });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([
        `POST ${R("bad-config")}/issues/comments/${id}/reactions`,
        `GET ${R("bad-config")}/collaborators/alice/permission`,
        `GET ${R("bad-config")}/contents/.github/uv-pin-bot.yml`,
        `POST ${R("bad-config")}/issues/${issue.number}/comments`,
        `POST ${R("bad-config")}/issues/comments/${id}/reactions`,
      ]);
      expect(botComments(repo, issue.number)).toEqual([
        [
          "The configuration is invalid, so nothing was changed:",
          "",
          '> .github/uv-pin-bot.yml: schedule: Invalid option: expected one of "weekly"|"daily"|"off"',
          "> .github/uv-pin-bot.yml: minimumReleaseAge: Invalid input: expected number, received string",
          "> .github/uv-pin-bot.yml: (top level): unknown key `labelz`",
        ].join("\n"),
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "confused"]);
    });

    it("a file that is not YAML: the reply gives the line and the parser's message", async () => {
      const repo = repository("not-yaml", {
        files: {
          Dockerfile: dockerfile("0.9.17"),
          ".github/uv-pin-bot.yml": "schedule: weekly\nlabels: [deps\ndraft: true\n",
        },
      });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      // 👀, permission, the file, the reply, 😕: nothing else.
      expect(calls(h)).toHaveLength(5);
      expect(botComments(repo, issue.number)).toEqual([
        "The configuration is invalid, so nothing was changed:\n\n> .github/uv-pin-bot.yml: line 3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1",
      ]);
      expect(repo.pulls).toEqual([]);
    });

    it("org defaults from the `.github` repository apply, directly and through `_extends`", async () => {
      const plain = h.github.addRepo("initech/plain", {
        files: { Dockerfile: dockerfile("0.9.17") },
        permissions: { alice: "write" },
      });
      const extending = h.github.addRepo("initech/extends", {
        files: {
          Dockerfile: dockerfile("0.9.17"),
          ".github/uv-pin-bot.yml": "_extends: .github\ndraft: true\nlabels: [uv]\n",
        },
        permissions: { alice: "write" },
      });
      for (const repo of [plain, extending]) {
        const issue = repo.openIssue();
        await h.comment(repo, issue.number, "/uv-update", { user: "alice", installationId: 77 });
      }
      const config = calls(h, (r) => r.path.includes("/contents/"));
      expect(config).toEqual([
        "GET /repos/initech/plain/contents/.github/uv-pin-bot.yml",
        "GET /repos/initech/.github/contents/.github/uv-pin-bot.yml",
        "GET /repos/initech/extends/contents/.github/uv-pin-bot.yml",
        "GET /repos/initech/.github/contents/.github/uv-pin-bot.yml",
      ]);
      const [p] = plain.openPulls();
      const [e] = extending.openPulls();
      expect(p).toMatchObject({
        title: "build(uv): update uv to 0.9.18",
        labels: ["org-deps"],
        reviewers: ["octo-lead"],
        draft: false,
      });
      // The repository's own keys win over the defaults it extends.
      expect(e).toMatchObject({
        title: "build(uv): update uv to 0.9.18",
        labels: ["uv"],
        reviewers: ["octo-lead"],
        draft: true,
      });
    });

    it("broken org defaults are reported with the file they are in", async () => {
      const repo = h.github.addRepo("umbrella/app", {
        files: { Dockerfile: dockerfile("0.9.17") },
        permissions: { alice: "write" },
      });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice", installationId: 78 });
      expect(botComments(repo, issue.number)).toEqual([
        "The configuration is invalid, so nothing was changed:\n\n> .github/uv-pin-bot.yml: line 2: not valid YAML (in umbrella/.github:.github/uv-pin-bot.yml; its contents are not shown here)",
      ]);
      expect(calls(h, (r) => r.repo === "umbrella/app" && !r.path.includes("/issues/"))).toEqual([
        "GET /repos/umbrella/app/collaborators/alice/permission",
        "GET /repos/umbrella/app/contents/.github/uv-pin-bot.yml",
      ]);
    });
  });

  describe("attestations", () => {
    const alpine = (name: string, config?: string) =>
      repository(name, {
        files: {
          Dockerfile: `FROM python:3.12-alpine\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17-alpine@${ALPINE17} /uv /bin/\n`,
          ...(config ? { ".github/uv-pin-bot.yml": config } : {}),
        },
      });

    it("`required` (the default): a new digest without attestation is blocked, the reply says why, no PR", async () => {
      const repo = alpine("attest-required");
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(botComments(repo, issue.number)).toEqual([
        `Nothing could be proposed safely:\n\n> Dockerfile:2: attestation: none found for ${ALPINE18} (owner astral-sh)`,
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "confused"]);
      expect(calls(h, (r) => r.method !== "GET" && !r.path.endsWith("/reactions"))).toEqual([
        `POST ${R("attest-required")}/issues/${issue.number}/comments`,
      ]);
      expect(repo.pulls).toEqual([]);
      expect(repo.checkRuns).toEqual([]);
    });

    it("`warn`: the PR is opened and its provenance check run fails with the reason", async () => {
      const repo = alpine("attest-warn", "attestations: warn\n");
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      const [pr] = repo.openPulls();
      expect(pr?.title).toBe("chore(deps): update uv to 0.9.18");
      expect(botComments(repo, issue.number)).toEqual([
        `Opened https://github.com/acme/attest-warn/pull/${pr?.number} to update uv.`,
      ]);
      expect(repo.checkRuns).toHaveLength(1);
      const [run] = repo.checkRuns;
      expect(run).toMatchObject({
        name: "uv-pin-bot / provenance",
        head_sha: repo.branches.get("uv-pin-bot/uv"),
        status: "completed",
        conclusion: "failure",
        output: { title: "1 of 1 new digest or checksum not verified" },
      });
      expect(run?.output.summary).toContain(
        "1 of 1 new digest or checksum has no verified attestation (`attestations: warn`: the update is proposed anyway).",
      );
      expect(run?.output.summary).toContain(
        `✗ \`attestation: none found for ${ALPINE18} (owner astral-sh)\``,
      );
      expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(
        `FROM python:3.12-alpine\nCOPY --from=ghcr.io/astral-sh/uv:0.9.18-alpine@${ALPINE18} /uv /bin/\n`,
      );
      // The PR's requests: N = 1 file written, 4 writes (tree with the file inline, commit, one
      // GraphQL document: ref, pull, check run; labels) besides the reply and the reactions.
      const W = R("attest-warn");
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([
        `POST ${W}/issues/comments/${id}/reactions`,
        `GET ${W}/collaborators/alice/permission`,
        `GET ${W}/contents/.github/uv-pin-bot.yml`,
        // No `GET /repos/{o}/{r}`: the comment's payload says the default branch.
        `GET ${W}/git/trees/main?recursive=1`,
        // (The configuration itself is not read as a blob: it names images, it pins none. The
        // Dockerfile's blob is one an earlier run read: from the blob cache, by SHA.)
        `GET ${W}/pulls?state=open`, // the app's open PR
        `GET ${W}/pulls?state=closed`, // declined versions
        `GET ${W}/branches/main`, // the base commit, and that main did not move
        `GET ${W}/git/ref/heads/uv-pin-bot/uv`, // no branch left over
        `POST ${W}/git/trees`,
        `POST ${W}/git/commits`,
        "POST /graphql",
        `PATCH ${W}/issues/${pr?.number}`,
        `POST ${W}/issues/${issue.number}/comments`,
        `POST ${W}/issues/comments/${id}/reactions`,
      ]);
      expect(reactionsOn(repo, id)).toEqual(["eyes", "rocket"]);
    });
  });

  describe("repositories", () => {
    it("archived (the comment's payload says so): skipped, nothing read", async () => {
      const repo = repository("archived", { archived: true });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([
        `POST ${R("archived")}/issues/comments/${id}/reactions`,
        `GET ${R("archived")}/collaborators/alice/permission`,
        ...noConfig("archived"),
        `POST ${R("archived")}/issues/${issue.number}/comments`,
        `POST ${R("archived")}/issues/comments/${id}/reactions`,
      ]);
      expect(botComments(repo, issue.number)).toEqual([
        "Nothing to do: the repository is archived.",
      ]);
    });

    it("empty (409 on the tree): skipped", async () => {
      const repo = repository("empty", { empty: true });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
      const id = lastCommentId(repo, issue.number);
      expect(calls(h)).toEqual([
        `POST ${R("empty")}/issues/comments/${id}/reactions`,
        `GET ${R("empty")}/collaborators/alice/permission`,
        ...noConfig("empty"),
        `GET ${R("empty")}/git/trees/main?recursive=1`,
        `POST ${R("empty")}/issues/${issue.number}/comments`,
        `POST ${R("empty")}/issues/comments/${id}/reactions`,
      ]);
      expect(h.github.requests.find((r) => r.path.includes("/git/trees/"))?.status).toBe(409);
      expect(botComments(repo, issue.number)).toEqual(["Nothing to do: the repository is empty."]);
    });

    it("a truncated tree is walked by subtrees and the pins in them are found", async () => {
      const repo = repository("truncated", {
        truncateTree: true,
        files: {
          "README.md": "# big\n",
          "ci/Dockerfile": dockerfile("0.9.17"),
          "docker/app/Dockerfile": dockerfile("0.9.17"),
          "node_modules/pkg/Dockerfile": dockerfile("0.9.17"),
        },
      });
      const issue = repo.openIssue();
      await h.comment(repo, issue.number, "/uv-update check", { user: "alice" });
      const T = R("truncated");
      const root = repo.head().tree;
      const sub = (dir: string) =>
        repo.listTree(root, false)?.tree.find((e) => e.path === dir)?.sha as string;
      // The recursive listing (truncated), the root flat, then each directory but node_modules.
      expect(calls(h, (r) => r.path.includes("/git/"))).toEqual([
        `GET ${T}/git/trees/main?recursive=1`,
        `GET ${T}/git/trees/${root}`,
        `GET ${T}/git/trees/${sub("ci")}?recursive=1`,
        `GET ${T}/git/trees/${sub("docker")}?recursive=1`,
        // Both Dockerfiles are a blob earlier runs read: from the blob cache, by SHA.
      ]);
      expect(blobSha(repo, "ci/Dockerfile")).toBe(blobSha(repo, "docker/app/Dockerfile"));
      const [reply] = botComments(repo, issue.number);
      expect(reply).toContain("**uv-pin-bot plan**: update uv to 0.9.18 (2 changes).");
      expect(reply).toContain("[`ci/Dockerfile:2`]");
      expect(reply).toContain("[`docker/app/Dockerfile:2`]");
      expect(reply).not.toContain("node_modules");
    });
  });

  describe("installations", () => {
    it("`installation.created` with two repositories runs each once", async () => {
      const a = repository("inst-a");
      const b = repository("inst-b");
      const other = repository("inst-other");
      expect(await h.send("installation", installationCreatedPayload(h.installation, [a, b]))).toBe(
        200,
      );
      for (const repo of [a, b]) {
        expect(calls(h, (r) => r.path === `/repos/${repo.fullName}`)).toHaveLength(1);
        expect(repo.openPulls()).toHaveLength(1);
      }
      expect(h.github.requestsFor(other.fullName)).toEqual([]);
      // No uv PR yet: the run's reads, then 4 writes (1 file).
      expect(calls(h, (r) => r.repo === "acme/inst-a")).toEqual([
        "GET /repos/acme/inst-a/contents/.github/uv-pin-bot.yml",
        "GET /repos/acme/inst-a",
        "GET /repos/acme/inst-a/git/trees/main?recursive=1",
        // (Its Dockerfile's blob: from the blob cache, read by an earlier run.)
        "GET /repos/acme/inst-a/pulls?state=open",
        "GET /repos/acme/inst-a/pulls?state=closed",
        "GET /repos/acme/inst-a/branches/main",
        "GET /repos/acme/inst-a/git/ref/heads/uv-pin-bot/uv",
        "POST /repos/acme/inst-a/git/trees",
        "POST /repos/acme/inst-a/git/commits",
        "POST /graphql",
        "PATCH /repos/acme/inst-a/issues/1",
      ]);
      expect(a.checkRuns.map((r) => r.conclusion)).toEqual(["success"]);
    });

    it("`installation_repositories.added` runs the added repositories only", async () => {
      const before = repository("added-before");
      const added = repository("added-now");
      expect(
        await h.send(
          "installation_repositories",
          installationRepositoriesAddedPayload(h.installation, [added]),
        ),
      ).toBe(200);
      expect(added.openPulls()).toHaveLength(1);
      expect(h.github.requestsFor(before.fullName)).toEqual([]);
      expect(
        calls(h).every(
          (line) =>
            line.includes("/acme/added-now") ||
            line.includes("/acme/.github/") ||
            line === "POST /graphql",
        ),
      ).toBe(true);
    });
  });
});

describe("GitHub failing mid-command", () => {
  let g: AppHarness;
  beforeAll(async () => {
    g = await startApp();
    g.upstreams.publish("0.9.17", { daysAgo: 30 });
    g.upstreams.publish("0.9.18", { daysAgo: 2 });
  });
  afterAll(async () => {
    await g?.stop();
  });

  it("a 500 on the config is an error to report, not an invalid config", async () => {
    const repo = g.github.addRepo("acme/config-down", {
      files: { Dockerfile: dockerfile("0.9.17") },
      permissions: { alice: "write" },
    });
    g.github.intercept({
      method: "GET",
      path: "/repos/acme/config-down/contents/.github/uv-pin-bot.yml",
      reply: () => [500, { message: "Server Error" }],
    });
    const issue = repo.openIssue();
    await g.comment(repo, issue.number, "/uv-update", { user: "alice" });
    const [reply] = botComments(repo, issue.number);
    expect(reply).toMatch(/^uv-pin-bot could not finish: Server Error/);
    expect(reactionsOn(repo, lastCommentId(repo, issue.number))).toEqual(["eyes", "confused"]);
    expect(repo.pulls).toEqual([]);
    g.github.assertDone();
  });
});
