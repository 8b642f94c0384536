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
  type FakeRepo,
  type HarnessOptions,
  isContentCreating,
  isWrite,
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

afterEach(async () => {
  try {
    h.github.assertDone();
  } finally {
    await h.stop();
  }
});

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
  });
});

describe("the workflows permission", () => {
  it("an installation without it: the workflow file is left out and listed as needing it; the rest is updated", async () => {
    await setUp({}, { ".github/workflows/ci.yml": WORKFLOW("0.9.17") });
    delete h.installation.permissions.workflows;
    await command();
    const [pr] = repo.openPulls();
    if (!pr) throw new Error(lastReply());
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(repo.file(".github/workflows/ci.yml", BRANCH)).toBe(WORKFLOW("0.9.17"));
    expect(pr.body).toContain("needs the workflows permission");
    expect(pr.body).toContain(".github/workflows/ci.yml");
    // Once granted, the next run adds the workflow file.
    h.installation.permissions.workflows = "write";
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
  });
});

describe("GitHub's secondary rate limits", () => {
  it("a 403 secondary limit on opening the PR is retried after retry-after, and the PR opens", async () => {
    await setUp({ throttle: { retryAfterBaseValue: 1 } });
    h.github.intercept({
      method: "POST",
      path: "/repos/acme/app/pulls",
      reply: () => [
        403,
        { message: "You have exceeded a secondary rate limit. Please wait a few minutes." },
        { "retry-after": "3" },
      ],
    });
    await command();
    expect(repo.openPulls()).toHaveLength(1);
    const pulls = h.github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"));
    expect(pulls.map((r) => r.status)).toEqual([403, 201]);
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
    // Each PR: blob, tree, commit, ref swap, pull, labels, check run (and more): many writes.
    expect(writes.length).toBeGreaterThanOrEqual(4 * 6);
    expect(h.github.maxWritesInFlight.get(`installation:${h.installation.id}`)).toBe(1);
  });

  it("a run that pushed its branch and then failed to open the PR is resumed by the next run", async () => {
    await setUp();
    h.github.intercept({
      method: "POST",
      path: "/repos/acme/app/pulls",
      reply: () => [403, { message: "You have exceeded a secondary rate limit." }],
    });
    await command();
    expect(repo.pulls).toEqual([]);
    expect(repo.branches.has(BRANCH)).toBe(true);
    await command();
    expect(repo.openPulls()).toHaveLength(1);
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.18"));
    expect(lastReply()).toMatch(/^Opened /);
  });
});
