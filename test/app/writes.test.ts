/**
 * The app's writes against people, races, permissions and GitHub's limits, end to end (the real
 * Probot server, signed deliveries, the fake GitHub that enforces what GitHub enforces: tokens
 * scoped to their installation, GitHub as the committer of the app's signed commits, the
 * workflow-permission refusal, secondary limits with `retry-after`, compare-and-swap ref updates).
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/core/render-pr.js";
import {
  type AppHarness,
  BOT_LOGIN,
  DEFAULT_PERMISSIONS,
  type FakeRepo,
  finish,
  type HarnessOptions,
  isContentCreating,
  isGitWrite,
  isWrite,
  lines,
  newPermissionsAcceptedPayload,
  startApp,
} from "./harness.js";
import { botComments, dockerfile } from "./support.js";

const BRANCH = "uv-pin-bot/uv";
const WORKFLOW = (v: string) =>
  `name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: "${v}"\n`;

let h: AppHarness;
let repo: FakeRepo;
let issue: number;

async function setUp(options: HarnessOptions = {}, files: Record<string, string> = {}) {
  h = await startApp(options);
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  repo = h.github.addRepo("acme/app", {
    files: { Dockerfile: dockerfile("0.9.17"), ...files },
    permissions: { alice: "write" },
  });
  issue = repo.openIssue("uv please").number;
}

afterEach(() => finish(h));

const command = async (body = "/uv-update", on = issue) =>
  expect(await h.comment(repo, on, body, { user: "alice" })).toBe(200);
const lastReply = () => botComments(repo, issue).at(-1) ?? "";

describe("the app's own commits", () => {
  it("GitHub as the committer of the app's signed commit: still the app's (known by its id), so a newer release updates the PR", async () => {
    await setUp();
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    const first = repo.head(BRANCH);
    expect(first).toMatchObject({ author: BOT_LOGIN, committer: "web-flow" });
    expect(parseMetadata(pr.body)?.head).toBe(first.sha);

    h.upstreams.publish("0.9.19", { daysAgo: 1 });
    await command();
    expect(lastReply()).toMatch(/^Updated https:\/\/github\.com\/acme\/app\/pull\/\d+/);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.19"));
    expect(parseMetadata(repo.pull(pr.number).body)?.head).toBe(repo.head(BRANCH).sha);
  });

  it("no pull request and a branch someone pushed to: the branch is not moved, the reply says why", async () => {
    await setUp();
    const theirs = repo.commit({
      branch: BRANCH,
      parents: [repo.head().sha],
      files: { "notes.txt": "mine\n" },
      author: "bob",
    });
    await command();
    expect(repo.head(BRANCH).sha).toBe(theirs.sha);
    expect(repo.pulls).toEqual([]);
    expect(lastReply()).toMatch(/uv-pin-bot did not make/);
    expect(lastReply()).toContain(theirs.sha.slice(0, 12));
  });

  it("a branch carrying the app's own bot name as author and committer is still not the app's", async () => {
    await setUp();
    const forged = repo.commit({
      branch: BRANCH,
      parents: [repo.head().sha],
      files: { "x.txt": "x\n" },
      author: BOT_LOGIN,
      committer: BOT_LOGIN,
    });
    await command();
    expect(repo.head(BRANCH).sha).toBe(forged.sha);
    expect(repo.pulls).toEqual([]);
  });

  it("a push that lands between the app's look and its write is kept (compare-and-swap), the PR left alone", async () => {
    await setUp();
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    const ours = repo.head(BRANCH).sha;
    h.upstreams.publish("0.9.19", { daysAgo: 1 });
    const hold = h.github.hold("POST", "/repos/acme/app/git/commits");
    const run = command();
    await hold.reached;
    // bob pushes while the app builds its commit.
    const bob = repo.commit({ branch: BRANCH, files: { "src/fix.py": "x = 1\n" }, author: "bob" });
    hold.release();
    await run;
    expect(repo.head(BRANCH).sha).toBe(bob.sha);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(lastReply()).toMatch(/alone/);
    // The document's updatePullRequest ran although the swap failed (GitHub may run the
    // mutations after a failed one): the app put the title and body back (one PATCH).
    expect(repo.pull(pr.number).title).toBe("chore(deps): update uv to 0.9.18");
    expect(parseMetadata(repo.pull(pr.number).body)?.head).toBe(ours);
    expect(
      lines(h.github.requests.filter((r) => r.method === "PATCH" && /\/pulls\//.test(r.path))),
    ).toEqual([`PATCH /repos/acme/app/pulls/${pr.number}`]);
  });

  it("a branch created between the app's look and its write: not moved, and a PR GitHub opened on it anyway is closed", async () => {
    await setUp();
    const hold = h.github.hold("POST", "/repos/acme/app/git/commits");
    const run = command();
    await hold.reached;
    const bob = repo.commit({
      branch: BRANCH,
      parents: [repo.head().sha],
      files: { "notes.txt": "bob\n" },
      author: "bob",
    });
    hold.release();
    await run;
    expect(repo.head(BRANCH).sha).toBe(bob.sha);
    expect(repo.openPulls()).toEqual([]);
    // The fake ran createPullRequest after the refused swap: that PR was closed at once.
    expect(repo.pulls.map((p) => p.state)).toEqual(["closed"]);
    expect(lastReply()).toMatch(/uv-pin-bot did not make/);
  });
});

describe("a restart between pushing the branch and opening the PR", () => {
  /** Run 1 pushes the branch and fails to open its PR; returns the commit it pushed. */
  async function pushWithoutPull() {
    await setUp();
    // The document moves the branch; its createPullRequest fails (GitHub's 5xx inside it).
    h.github.failMutation("createPullRequest", "Something went wrong while executing your query.");
    await command();
    expect(repo.pulls).toEqual([]);
    expect(lastReply()).toMatch(/could not finish/);
    return repo.head(BRANCH);
  }

  /** The process restarts: a new app (nothing in memory), the same GitHub (and Redis, if any). */
  async function restarted(run: (again: AppHarness) => Promise<void>) {
    // The old process takes no more work (clustered: its worker stops taking jobs).
    await h.appFn.coordinator.stop();
    const again = await startApp({ replicaOf: h });
    try {
      await run(again);
      again.github.assertDone();
    } finally {
      await again.stop();
    }
  }

  it("the new process knows the pushed commit by its proof and resumes: one commit, one PR", async () => {
    const pushed = await pushWithoutPull();
    expect(pushed.message).toMatch(/\n\nUv-Pin-Bot-Proof: sha256=[0-9a-f]{64}\n$/);
    const base = repo.head().sha;
    await restarted(async (again) => {
      expect(await again.comment(repo, issue, "/uv-update", { user: "alice" })).toBe(200);
    });
    expect(lastReply()).toMatch(/^Opened /);
    const pulls = repo.openPulls();
    expect(pulls).toHaveLength(1);
    const head = repo.head(BRANCH);
    expect(repo.commitsBetween(base, head.sha).map((c) => c.sha)).toEqual([head.sha]);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(parseMetadata(pulls[0]?.body ?? "")?.head).toBe(head.sha);
  });

  it("a branch whose head a person pushed with the app's message (its proof line copied) is never moved", async () => {
    const pushed = await pushWithoutPull();
    // bob replaces the app's commit with his own: same parent, same message, his files.
    const bobs = repo.commit({
      branch: BRANCH,
      parents: pushed.parents,
      files: { "src/bob.py": "print('mine')\n" },
      message: pushed.message,
      author: BOT_LOGIN,
      committer: "web-flow",
    });
    repo.branches.set(BRANCH, bobs.sha);
    await restarted(async (again) => {
      expect(await again.comment(repo, issue, "/uv-update", { user: "alice" })).toBe(200);
    });
    expect(repo.head(BRANCH).sha).toBe(bobs.sha);
    expect(repo.pulls).toEqual([]);
    expect(lastReply()).toMatch(/uv-pin-bot did not make/);
  });

  it("…nor one where a person added a commit on top of the app's, with its message", async () => {
    const pushed = await pushWithoutPull();
    const bobs = repo.commit({
      branch: BRANCH,
      files: { "src/bob.py": "print('mine')\n" },
      message: pushed.message,
      author: "bob",
    });
    await restarted(async (again) => {
      expect(await again.comment(repo, issue, "/uv-update", { user: "alice" })).toBe(200);
    });
    expect(repo.head(BRANCH).sha).toBe(bobs.sha);
    expect(repo.pulls).toEqual([]);
  });
});

describe("signed commits", () => {
  it("GitHub does not sign the app's commit: the PR says it is not Verified", async () => {
    await setUp();
    h.github.rules.signsAppCommits = false;
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    expect(pr.body).toContain("The commit is **not Verified**");
    expect(pr.body).not.toContain("The commit is **Verified**");
  });

  it("a rule requires signed commits and GitHub did not sign: the run ends with GitHub's reason, nothing moved, no PR", async () => {
    await setUp();
    h.github.rules.signsAppCommits = false;
    h.github.rules.signedCommitsRequired = true;
    await command();
    expect(repo.branches.has(BRANCH)).toBe(false);
    expect(repo.pulls).toEqual([]);
    const reason =
      "GitHub refused the commit: Repository rule violations found Commits must have verified signatures.";
    expect(lastReply()).toContain(`Nothing could be proposed safely:\n\n> ${reason}`);
    expect(lastReply()).not.toMatch(/could not finish/);
    expect(h.logs.filter((l) => l.level === 40).map((l) => l.msg)).toContainEqual(
      expect.stringContaining(reason),
    );
    // One document (swap refused; its createPullRequest finds no branch), one branch read, no retry.
    expect(h.github.requests.filter((r) => r.path === "/graphql")).toHaveLength(1);
    expect(h.github.requests.filter((r) => r.path === "/repos/acme/app/git/commits")).toHaveLength(
      1,
    );
  });
});

describe("the workflows permission", () => {
  it("an installation without it: the workflow file is left out and listed as needing it; the rest is updated", async () => {
    await setUp({}, { ".github/workflows/ci.yml": WORKFLOW("0.9.17") });
    delete h.installation.permissions.workflows;
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    // Known up front from the installation's token: one commit, nothing refused.
    expect(lines(h.github.requests.filter((r) => r.path.endsWith("/git/commits")))).toEqual([
      "POST /repos/acme/app/git/commits",
    ]);
    expect(h.github.requests.filter((r) => r.status === 422)).toEqual([]);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(repo.file(".github/workflows/ci.yml", BRANCH)).toBe(WORKFLOW("0.9.17"));
    expect(pr.body).toContain("needs the workflows permission");
    expect(pr.body).toContain(".github/workflows/ci.yml");
    // Once an owner grants it (GitHub then sends new_permissions_accepted), the next run adds it.
    h.installation.permissions.workflows = "write";
    expect(await h.send("installation", newPermissionsAcceptedPayload(h.installation))).toBe(200);
    await command();
    expect(repo.file(".github/workflows/ci.yml", BRANCH)).toBe(WORKFLOW("0.9.18"));
    expect(repo.pull(pr.number).body).not.toContain("needs the workflows permission");
  });

  it("only workflow files to update, without the permission: nothing pushed, the reply says why", async () => {
    h = await startApp();
    h.upstreams.publish("0.9.17", { daysAgo: 40 });
    h.upstreams.publish("0.9.18", { daysAgo: 10 });
    repo = h.github.addRepo("acme/app", {
      files: { ".github/workflows/ci.yml": WORKFLOW("0.9.17") },
      permissions: { alice: "write" },
    });
    issue = repo.openIssue().number;
    delete h.installation.permissions.workflows;
    await command();
    expect(repo.branches.has(BRANCH)).toBe(false);
    expect(lastReply()).toContain("needs the workflows permission");
    // Nothing was even written (no blob, tree or commit left unused).
    expect(h.github.requests.filter(isGitWrite)).toEqual([]);
  });

  it("a token that claims the permission but GitHub refuses the workflow file: the refusal still holds it back", async () => {
    await setUp({}, { ".github/workflows/ci.yml": WORKFLOW("0.9.17") });
    delete h.installation.permissions.workflows;
    // The installation's token says `workflows: write` (stale, say): GitHub still refuses.
    h.github.intercept({
      method: "POST",
      path: `/app/installations/${h.installation.id}/access_tokens`,
      reply: () => [
        201,
        {
          token: `ghs_test_${h.installation.id}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: { ...DEFAULT_PERMISSIONS },
          repository_selection: "selected",
        },
      ],
    });
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    // The first commit (with the workflow file) was refused, the second (without) went ahead.
    const commits = h.github.requests.filter((r) => r.path === "/repos/acme/app/git/commits");
    expect(commits).toHaveLength(2);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(repo.file(".github/workflows/ci.yml", BRANCH)).toBe(WORKFLOW("0.9.17"));
    expect(pr.body).toContain("needs the workflows permission");
  });
});

describe("GitHub's secondary rate limits", () => {
  it("a 403 secondary limit on the document that opens the PR is retried after retry-after, and the PR opens", async () => {
    await setUp({ throttle: { retryAfterBaseValue: 1 } });
    h.github.intercept({
      method: "POST",
      path: "/graphql",
      reply: () => [
        403,
        { message: "You have exceeded a secondary rate limit. Please wait a few minutes." },
        { "retry-after": "3" },
      ],
    });
    await command();
    expect(repo.openPulls()).toHaveLength(1);
    const documents = h.github.requests.filter((r) => r.path === "/graphql");
    expect(documents.map((r) => r.status)).toEqual([403, 200]);
    expect(h.logs.some((l) => /secondary rate limit/.test(l.msg))).toBe(true);
  });

  it("secondary limits on every kind of content-creating request: each retried, one PR in the end", async () => {
    await setUp({ throttle: { retryAfterBaseValue: 1 } });
    h.github.secondaryLimit(3, 2);
    await command();
    expect(repo.openPulls()).toHaveLength(1);
    const limited = h.github.requests.filter((r) => r.status === 403);
    expect(limited).toHaveLength(3);
    expect(limited.every(isContentCreating)).toBe(true);
  });

  it("content-creating requests of one installation never overlap, with several repositories running at once", async () => {
    await setUp({ throttle: { retryAfterBaseValue: 1 }, app: { concurrency: 4 } });
    for (const name of ["api", "web", "cli"])
      h.github.addRepo(`acme/${name}`, { files: { Dockerfile: dockerfile("0.9.17") } });
    // Every write takes a moment to answer (as over a slow network): runs overlap in time.
    h.github.slowWrites(15);
    const summary = await h.sweep();
    expect(summary).toMatchObject({ repositories: 4, opened: 4, failed: 0 });
    const writes = h.github.requests.filter(
      (r) => isWrite(r) && r.auth === `installation:${h.installation.id}`,
    );
    // Each PR: tree, commit, one GraphQL document (ref swap, pull, check run), labels.
    expect(writes).toHaveLength(4 * 4);
    expect(h.github.maxWritesInFlight.get(`installation:${h.installation.id}`)).toBe(1);
  });

  it("a primary rate limit whose reset is further than the retries wait: the run waits for the reset, not given up", async () => {
    await setUp({ throttle: { retryAfterBaseValue: 1, maxWaitSeconds: 0 } });
    const reset = Math.ceil(Date.now() / 1000) + 2;
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/app/git/trees/main",
      reply: () => [
        403,
        { message: "API rate limit exceeded for installation ID 4242." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      ],
    });
    await command();
    const trees = h.github.requests.filter((r) => r.path === "/repos/acme/app/git/trees/main");
    expect(trees.map((r) => r.status)).toEqual([403, 200]);
    // Not before the reset GitHub announced.
    expect(trees[1]?.at).toBeGreaterThanOrEqual(reset * 1000);
    expect(repo.openPulls()).toHaveLength(1);
    expect(botComments(repo, issue)).toEqual([
      expect.stringMatching(/^Opened https:\/\/github\.com\/acme\/app\/pull\/\d+ /),
    ]);
    expect(h.logs.some((l) => /acme\/app waits for GitHub's budget/.test(l.msg))).toBe(true);
  });

  it("a run that pushed its branch and then failed to open the PR is resumed by the next run", async () => {
    await setUp();
    h.github.failMutation("createPullRequest", "Something went wrong while executing your query.");
    await command();
    expect(repo.pulls).toEqual([]);
    expect(repo.branches.has(BRANCH)).toBe(true);
    await command();
    expect(repo.openPulls()).toHaveLength(1);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(lastReply()).toMatch(/^Opened /);
  });
});
