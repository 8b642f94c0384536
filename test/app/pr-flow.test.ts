/**
 * The app's pull request over its life, end to end: the real Probot server over HTTP, signed
 * deliveries from @octokit/webhooks-examples payloads, GitHub as a recording fake under nock
 * (harness.ts), uv's upstreams in memory with real Sigstore bundles. Request bodies are asserted
 * (tree entries and their content, commit parents, PR body sections), and each scenario counts
 * its GitHub requests against a documented bound.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DECORATING } from "../../src/adapters/github-prs.js";
import { parseMetadata } from "../../src/core/render-pr.js";
import {
  type AppHarness,
  BOT_LOGIN,
  distManifestText,
  type FakeRepo,
  finish,
  installationRepositoriesAddedPayload,
  isAppAuth,
  isContentWrite,
  isGitWrite,
  issueCommentPayload,
  lines,
  mutations,
  pullRequestClosedPayload,
  type RecordedRequest,
  sha256,
  startApp,
} from "./harness.js";

// A Monday just after the default weekly cron (04:00 UTC) fired: weekly repositories are due.
const NOW = new Date("2026-11-30T04:00:30Z");
const BRANCH = "uv-pin-bot/uv";
const R = "/repos/acme/app";

const WORKFLOW = (v: string) =>
  `name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: "${v}"\n`;

let h: AppHarness;
let repo: FakeRepo;
let issue: number;

const dockerfile = (v: string) =>
  `# syntax=docker/dockerfile:1.7\r\nFROM python:3.12-slim\r\nCOPY --from=ghcr.io/astral-sh/uv:${v}@${h.upstreams.digestOf(v)} /uv /uvx /bin/\r\nRUN uv sync --locked\r\n`;

beforeEach(async () => {
  h = await startApp({ now: () => NOW });
  h.upstreams.publish("0.9.16", { daysAgo: 50 });
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", {
    daysAgo: 10,
    notes:
      "## Bug fixes\n\n- Fix a crash (#1234), thanks @someone and @astral-sh/maintainers\n- <script>alert(1)</script> see https://github.com/astral-sh/uv/pull/1",
  });
  repo = h.github.addRepo("acme/app", {
    files: {
      Dockerfile: dockerfile("0.9.17"),
      ".github/workflows/ci.yml": WORKFLOW("0.9.17"),
      "README.md": "# app\n",
      "src/app.py": "print('hi')\n",
    },
    permissions: { alice: "write", bob: "write" },
  });
  issue = repo.openIssue("Update uv please").number;
});

afterEach(() => finish(h, () => expect(h.logs.filter((l) => l.level >= 50)).toEqual([])));

const of =
  (method: string, suffix: string, prefix = R) =>
  (r: RecordedRequest) =>
    r.method === method && r.path === `${prefix}${suffix}`;
const only = (requests: RecordedRequest[], method: string, suffix: string, prefix = R) => {
  const found = requests.filter(of(method, suffix, prefix));
  expect(found, `${method} ${suffix}`).toHaveLength(1);
  return found[0] as RecordedRequest;
};
/** The comments the app wrote on an issue or pull request. */
const botComments = (n: number) =>
  repo.comments.filter((c) => c.issue === n && c.user.login === BOT_LOGIN).map((c) => c.body);
const reactionsOn = (commentId: number) =>
  repo.reactions.filter((r) => r.commentId === commentId).map((r) => r.content);
const lastComment = () => repo.comments.filter((c) => c.user.login !== BOT_LOGIN).at(-1);

/** `/uv-update` on the issue, by alice (write access). */
async function command(body = "/uv-update", on = issue, user = "alice") {
  expect(await h.comment(repo, on, body, { user })).toBe(200);
}

async function firstPr() {
  await command();
  const pr = repo.openPulls()[0];
  if (!pr) throw new Error(`no pull request; replies: ${botComments(issue).join(" | ")}`);
  return pr;
}

describe("the app's pull request", () => {
  it("first PR from a writer's /uv-update: one commit on the default branch head, full body, check run", async () => {
    const base = repo.head();
    await command();
    const comment = lastComment();
    const requests = h.github.requests;

    // Bound (17 + 1 app-auth): 👀, permission, config ×2 (repository, then the org's .github),
    // tree, 2 blobs; open PR, closed PRs, default branch head, the app's branch (absent); tree
    // (the files' text inline: no blobs), commit, ONE GraphQL document (updateRefs,
    // compare-and-swap from "no branch"; createPullRequest; createCheckRun), labels; reply, 🚀.
    // Plus the installation token, once per app. The PR costs 4 content-creating requests (it
    // cost 8 with a blob per file, a REST pull, labels and check run).
    expect(withState(requests.filter((r) => !isAppAuth(r)))).toEqual([
      `POST ${R}/issues/comments/${comment?.id}/reactions`,
      `GET ${R}/collaborators/alice/permission`,
      `GET ${R}/contents/.github/uv-pin-bot.yml`,
      "GET /repos/acme/.github/contents/.github/uv-pin-bot.yml",
      // No `GET /repos/{o}/{r}`: the comment's payload says the default branch.
      `GET ${R}/git/trees/main`,
      `GET ${R}/git/blobs/${treeEntry(base.tree, ".github/workflows/ci.yml")}`,
      `GET ${R}/git/blobs/${treeEntry(base.tree, "Dockerfile")}`,
      `GET ${R}/pulls?state=open`,
      `GET ${R}/pulls?state=closed`,
      `GET ${R}/branches/main`,
      `GET ${R}/git/ref/heads/${BRANCH}`,
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      "POST /graphql",
      `PATCH ${R}/issues/2`,
      `POST ${R}/issues/${issue}/comments`,
      `POST ${R}/issues/comments/${comment?.id}/reactions`,
    ]);
    expect(requests.filter(isAppAuth)).toHaveLength(1);
    expect(requests.filter(isGitWrite)).toHaveLength(3);
    const prWrites = requests.filter(
      (r) => isContentWrite(r) && !/\/(reactions|comments)$/.test(r.path),
    );
    expect(prWrites).toHaveLength(4);
    const swap = only(requests, "POST", "/graphql", "").body;
    expect(mutations(requests).map((m) => m.name)).toEqual([
      "updateRefs",
      "createPullRequest",
      "createCheckRun",
    ]);
    expect(swap.variables.repositoryId).toBe(`R_${repo.id}`);
    expect(swap.variables.refUpdates).toEqual([
      {
        name: `refs/heads/${BRANCH}`,
        beforeOid: "0".repeat(40),
        afterOid: repo.head(BRANCH).sha,
        force: true,
      },
    ]);
    expect(requests.find((r) => r.path === `${R}/git/trees/main`)?.query).toEqual({
      recursive: "1",
    });

    // One tree on the base tree, with exactly the two changed files, their text inline, byte
    // for byte (CRLF kept), modes kept: no blob requests.
    expect(requests.filter(of("POST", "/git/blobs"))).toEqual([]);
    const tree = only(requests, "POST", "/git/trees").body;
    expect(tree.base_tree).toBe(base.tree);
    expect(tree.tree).toEqual([
      {
        path: ".github/workflows/ci.yml",
        mode: "100644",
        type: "blob",
        content: WORKFLOW("0.9.18"),
      },
      { path: "Dockerfile", mode: "100644", type: "blob", content: dockerfile("0.9.18") },
    ]);

    // One commit whose only parent is the default branch head; the branch points at it.
    const commit = only(requests, "POST", "/git/commits");
    expect(commit.body.parents).toEqual([base.sha]);
    expect(commit.body.author).toBeUndefined();
    // Its message ends with the app's proof (src/adapters/commit-proof.ts): how the app knows
    // this commit after a restart.
    const proof = /\n\nUv-Pin-Bot-Proof: sha256=[0-9a-f]{64}\n$/;
    expect(commit.body.message).toMatch(proof);
    expect(String(commit.body.message).replace(proof, "")).toBe(
      [
        "chore(deps): update uv to 0.9.18",
        "",
        ".github/workflows/ci.yml:9 uv 0.9.17 -> 0.9.18",
        `Dockerfile:3 ghcr.io/astral-sh/uv 0.9.17 -> 0.9.18`,
      ].join("\n"),
    );
    const head = repo.head(BRANCH);
    expect(only(requests, "POST", "/git/commits").body).not.toHaveProperty("committer");
    // GitHub signs the app's commit and is its committer: known by its id, not by a name.
    expect(head).toMatchObject({ author: BOT_LOGIN, committer: "web-flow" });
    expect(head.parents).toEqual([base.sha]);
    expect(repo.files(BRANCH)).toEqual({
      ...repo.files("main"),
      Dockerfile: dockerfile("0.9.18"),
      ".github/workflows/ci.yml": WORKFLOW("0.9.18"),
    });

    // The pull request: title, labels, and every body section.
    const [create] = mutations(requests, "createPullRequest").map((m) => m.input);
    expect(create).toMatchObject({
      repositoryId: `R_${repo.id}`,
      headRefName: BRANCH,
      baseRefName: "main",
      title: "chore(deps): update uv to 0.9.18",
      draft: false,
    });
    // Opened with the mark that its labels are still to come; the labels' write takes it away.
    const opened: string = create.body;
    expect(opened.endsWith(`\n${DECORATING}`)).toBe(true);
    const body = opened.slice(0, -`\n${DECORATING}`.length);
    expect(only(requests, "PATCH", "/issues/2").body).toEqual({
      labels: ["dependencies", "uv"],
      body,
    });
    expect(repo.openPulls()[0]?.body).not.toContain(DECORATING);
    expect(body).toMatch(/^This pull request updates uv from 0\.9\.17 to 0\.9\.18 in 2 files\./);
    expect(body).toContain("### Changes\n\n| file | what | from | to | type |");
    expect(body).toContain(
      `| [\`Dockerfile:3\`](https://github.com/acme/app/blob/${base.sha}/Dockerfile#L3) | \`ghcr.io/astral-sh/uv\` | \`0.9.17\` \`${h.upstreams.digestOf("0.9.17").slice(0, 19)}\` | \`0.9.18\` \`${h.upstreams.digestOf("0.9.18").slice(0, 19)}\` | patch |`,
    );
    expect(body).toContain(
      `| [\`.github/workflows/ci.yml:9\`](https://github.com/acme/app/blob/${base.sha}/.github/workflows/ci.yml#L9) | version | \`0.9.17\` | \`0.9.18\` | patch |`,
    );
    // Release notes: only the skipped-over release (0.9.18, not 0.9.17 or 0.9.16), collapsed,
    // quoted, mentions / references / HTML neutralised, github.com links redirected.
    expect(body).toContain("### Release notes\n\n<details><summary>uv 0.9.18</summary>");
    expect(body).not.toContain("<summary>uv 0.9.17");
    expect(body).not.toContain("<summary>uv 0.9.16");
    expect(body).toContain(
      "> - Fix a crash (#\u200d1234), thanks @\u200dsomeone and @\u200dastral-sh",
    );
    expect(body).not.toContain("<script>");
    expect(body).toContain("https://redirect.github.com/astral-sh/uv/pull/1");
    // Attestation of the new index digest.
    expect(body).toContain(
      `\n\n#### Digest \`${h.upstreams.digestOf("0.9.18")}\`\n\nPinned by [\`Dockerfile:3\`]`,
    );
    // The setup-uv version is vouched for by the release's attested dist-manifest.json.
    expect(body).toContain(
      `### Attestations\n\n#### Release manifest \`${sha256(distManifestText("0.9.18"))}\`\n\nVouches for the version at [\`.github/workflows/ci.yml:9\`]`,
    );
    expect(body).toContain("**Attestation verified ✓**");
    expect(body).toContain("| source repository owner | `https://github.com/astral-sh` |");
    // Footer with the commands; hidden metadata last.
    // GitHub's answer said it signed the commit: the body says so.
    expect(body).toContain("The commit is **Verified**: GitHub signed it for uv-pin-bot.");
    expect(body).toContain("Comment on this pull request (write access needed):");
    expect(body).toContain("- `/uv-update rebase`:");
    expect(body.trimEnd()).toMatch(/<!-- uv-pin-bot:metadata \{.*\} -->$/);
    expect(parseMetadata(body)).toEqual({
      schema: 1,
      target: "0.9.18",
      versions: ["0.9.18"],
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      baseSha: base.sha,
      head: head.sha,
    });

    // The check run on the new head commit, in the same GraphQL document.
    expect(mutations(requests, "createCheckRun").map((m) => m.input)).toEqual([
      expect.objectContaining({
        repositoryId: `R_${repo.id}`,
        name: "uv-pin-bot / provenance",
        headSha: head.sha,
        status: "COMPLETED",
        conclusion: "SUCCESS",
      }),
    ]);
    expect(repo.checkRuns.map((c) => [c.head_sha, c.conclusion])).toEqual([[head.sha, "success"]]);

    // The conversation: 👀 then 🚀, and a reply with the link.
    expect(reactionsOn(comment?.id as number)).toEqual(["eyes", "rocket"]);
    expect(botComments(issue)).toEqual(["Opened https://github.com/acme/app/pull/2 to update uv."]);
    expect(repo.openPulls().map((p) => [p.number, p.user, p.labels])).toEqual([
      [2, BOT_LOGIN, ["dependencies", "uv"]],
    ]);
  });

  it("the same plan again: no git writes, reply 'already proposed'", async () => {
    const pr = await firstPr();
    const head = repo.head(BRANCH).sha;
    h.github.reset();
    await command();

    // Bound (10): 👀, permission, config ×2, tree, open PR, closed PRs, branch head, reply, 🚀.
    // (The repository from the payload; both blobs from the blob cache: the first run read
    // these SHAs.) No writes beyond the reply and reactions; no check run.
    const requests = h.github.requests;
    expect(requests).toHaveLength(10);
    expect(requests.filter(isGitWrite)).toEqual([]);
    expect(requests.filter((r) => r.method !== "GET").map((r) => r.path)).toEqual([
      expect.stringMatching(/\/reactions$/),
      `${R}/issues/${issue}/comments`,
      expect.stringMatching(/\/reactions$/),
    ]);
    expect(repo.head(BRANCH).sha).toBe(head);
    expect(botComments(issue).at(-1)).toBe(
      `Already proposed in https://github.com/acme/app/pull/${pr.number}; nothing new.`,
    );
    expect(reactionsOn(lastComment()?.id as number)).toEqual(["eyes", "rocket"]);
  });

  it("a newer release: the branch is rebuilt on the CURRENT default branch head, the PR body updated (one commit)", async () => {
    const pr = await firstPr();
    const before = repo.pullHead(pr);
    // Someone merges unrelated work to main; uv 0.9.19 and 0.9.20 come out.
    const moved = repo.commit({ branch: "main", files: { "README.md": "# app v2\n" } });
    h.upstreams.publish("0.9.19", { daysAgo: 3 });
    h.upstreams.publish("0.9.20", { daysAgo: 1 });
    h.github.reset();
    await command();

    // 👀, permission, config ×2, tree (both blobs from the blob cache), open PR, closed PRs,
    // branch head, tree, commit, one GraphQL document (ref move by compare-and-swap from the
    // head the app pushed, which the PR's metadata records: no commit list; updatePullRequest;
    // the check run), reply, 🚀. The update costs 3 content-creating requests (it cost 7).
    const requests = h.github.requests;
    expect(withState(requests)).toEqual([
      expect.stringMatching(/^POST .*\/reactions$/),
      `GET ${R}/collaborators/alice/permission`,
      `GET ${R}/contents/.github/uv-pin-bot.yml`,
      "GET /repos/acme/.github/contents/.github/uv-pin-bot.yml",
      `GET ${R}/git/trees/main`,
      `GET ${R}/pulls?state=open`,
      `GET ${R}/pulls?state=closed`,
      `GET ${R}/branches/main`,
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      "POST /graphql",
      `POST ${R}/issues/${issue}/comments`,
      expect.stringMatching(/^POST .*\/reactions$/),
    ]);
    expect(requests.filter(isGitWrite)).toHaveLength(3);
    expect(
      requests.filter((r) => isContentWrite(r) && !/\/(reactions|comments)$/.test(r.path)),
    ).toHaveLength(3);
    expect(requests.filter(of("GET", `/pulls/${pr.number}/commits`))).toHaveLength(0);
    const commit = only(requests, "POST", "/git/commits").body;
    expect(commit.parents).toEqual([moved.sha]);
    expect(only(requests, "POST", "/git/trees").body.base_tree).toBe(moved.tree);
    const move = only(requests, "POST", "/graphql", "").body;
    expect(move.variables.refUpdates).toEqual([
      {
        name: `refs/heads/${BRANCH}`,
        beforeOid: before,
        afterOid: repo.head(BRANCH).sha,
        force: true,
      },
    ]);
    expect(repo.files(BRANCH)).toEqual({
      ...repo.files("main"),
      Dockerfile: dockerfile("0.9.20"),
      ".github/workflows/ci.yml": WORKFLOW("0.9.20"),
    });
    expect(repo.commitsBetween(moved.sha, repo.head(BRANCH).sha)).toHaveLength(1);

    const [update] = mutations(requests, "updatePullRequest").map((m) => m.input);
    expect(update.pullRequestId).toBe(`PR_${pr.number}`);
    expect(update.title).toBe("chore(deps): update uv to 0.9.20");
    expect(update.baseRefName).toBeUndefined();
    expect(update.body).toContain("updates uv from 0.9.17 to 0.9.20");
    // Notes of every release skipped over, newest first.
    const summaries = [...update.body.matchAll(/<summary>uv ([\d.]+)<\/summary>/g)].map(
      (m: RegExpMatchArray) => m[1],
    );
    expect(summaries).toEqual(["0.9.20", "0.9.19", "0.9.18"]);
    expect(parseMetadata(update.body)).toMatchObject({
      target: "0.9.20",
      baseSha: moved.sha,
      head: repo.head(BRANCH).sha,
    });
    expect(mutations(requests, "createCheckRun").map((m) => m.input)).toEqual([
      expect.objectContaining({ headSha: repo.head(BRANCH).sha, conclusion: "SUCCESS" }),
    ]);
    expect(repo.openPulls()).toHaveLength(1);
    expect(botComments(issue).at(-1)).toBe(
      `Updated https://github.com/acme/app/pull/${pr.number} with the newest plan.`,
    );
  });

  it("a human commit on the branch: left alone, exactly one comment, also on a second run", async () => {
    const pr = await firstPr();
    const human = repo.commit({
      branch: BRANCH,
      files: { "src/app.py": "print('fixed')\n" },
      author: "bob",
    });
    h.upstreams.publish("0.9.19", { daysAgo: 1 });
    h.github.reset();
    await command();

    // Bound (18): 👀, permission, config ×2, repository, tree, 2 blobs, open PR, closed PRs,
    // branch head, the PR's commits, the PR's comments, one comment, reply, 😕. No git writes.
    let requests = h.github.requests;
    expect(requests.length).toBeLessThanOrEqual(18);
    expect(requests.filter(isGitWrite)).toEqual([]);
    expect(requests.filter(of("PATCH", `/pulls/${pr.number}`))).toEqual([]);
    expect(repo.head(BRANCH).sha).toBe(human.sha);
    expect(botComments(pr.number)).toHaveLength(1);
    expect(botComments(pr.number)[0]).toContain("<!-- uv-pin-bot:left-alone -->");
    expect(botComments(pr.number)[0]).toContain("/uv-update rebase");
    expect(botComments(issue).at(-1)).toMatch(
      /has commits from someone else, so it was left alone/,
    );
    expect(reactionsOn(lastComment()?.id as number)).toEqual(["eyes", "confused"]);

    h.github.reset();
    await command();
    requests = h.github.requests;
    expect(requests.filter(isGitWrite)).toEqual([]);
    expect(requests.filter(of("POST", `/issues/${pr.number}/comments`))).toEqual([]);
    expect(botComments(pr.number)).toHaveLength(1);
    expect(repo.head(BRANCH).sha).toBe(human.sha);
  });

  it("/uv-update rebase on the app's PR rebuilds it over the human commit", async () => {
    const pr = await firstPr();
    const human = repo.commit({
      branch: BRANCH,
      files: { "src/app.py": "print('fixed')\n" },
      author: "bob",
    });
    h.upstreams.publish("0.9.19", { daysAgo: 1 });
    await command(); // left alone
    h.github.reset();
    await command("/uv-update rebase", pr.number, "bob");

    // Bound (15): 👀, permission, config ×2, tree, 2 blobs, open PR, closed PRs, branch head,
    // tree, commit, one GraphQL document (ref force-move by compare-and-swap, PR update, check
    // run), reply, 🚀 (no commit list: a rebase does not look at other commits).
    const requests = h.github.requests;
    expect(requests.length).toBeLessThanOrEqual(15);
    expect(requests.filter(isGitWrite)).toHaveLength(3);
    const main = repo.head();
    expect(only(requests, "POST", "/git/commits").body.parents).toEqual([main.sha]);
    expect(only(requests, "POST", "/graphql", "").body.variables.refUpdates[0]).toMatchObject({
      beforeOid: human.sha,
      force: true,
    });
    const head = repo.head(BRANCH);
    expect(head.parents).toEqual([main.sha]);
    expect(repo.commitsBetween(main.sha, head.sha).map((c) => c.sha)).not.toContain(human.sha);
    expect(repo.file("src/app.py", BRANCH)).toBe("print('hi')\n");
    expect(repo.file("Dockerfile", BRANCH)).toBe(dockerfile("0.9.19"));
    expect(repo.pull(pr.number).title).toBe("chore(deps): update uv to 0.9.19");
    expect(botComments(pr.number).at(-1)).toBe(
      `Updated https://github.com/acme/app/pull/${pr.number} with the newest plan.`,
    );
  });

  it("closed without merging: one comment, branch deleted; that version is declined later, a newer one gets a new PR", async () => {
    const pr = await firstPr();
    repo.closePull(pr.number);
    h.github.reset();
    const closed = pullRequestClosedPayload(repo, pr.number);
    expect(await h.send("pull_request", closed)).toBe(200);
    // Bound (4): the PR's comments, one comment, the branch (still at the PR's head?), DELETE it.
    expect(lines(h.github.requests)).toEqual([
      `GET ${R}/issues/${pr.number}/comments`,
      `POST ${R}/issues/${pr.number}/comments`,
      `GET ${R}/git/ref/heads/${BRANCH}`,
      `DELETE ${R}/git/refs/heads/${BRANCH}`,
    ]);
    expect(botComments(pr.number)).toEqual([
      "<!-- uv-pin-bot:declined -->\nClosed without merging: uv-pin-bot will not propose uv 0.9.18 again. A newer release gets a new pull request.",
    ]);
    expect(repo.branches.has(BRANCH)).toBe(false);

    // A redelivery with a new id (GitHub's "redeliver") comments no second time.
    expect(await h.send("pull_request", closed)).toBe(200);
    expect(botComments(pr.number)).toHaveLength(1);

    // The same version is not proposed again: no writes, the reply says it was declined.
    h.github.reset();
    await command();
    expect(h.github.requests.filter(isGitWrite)).toEqual([]);
    expect(mutations(h.github.requests, "createPullRequest")).toEqual([]);
    expect(botComments(issue).at(-1)).toBe(
      "Not proposed: uv 0.9.18 was declined in a closed pull request.",
    );

    // A newer release gets a new pull request, on a fresh branch.
    h.upstreams.publish("0.9.19", { daysAgo: 1 });
    h.github.reset();
    await command();
    expect(h.github.requests.filter(isGitWrite)).toHaveLength(3);
    const [next] = repo.openPulls();
    expect(next?.number).not.toBe(pr.number);
    expect(next?.title).toBe("chore(deps): update uv to 0.9.19");
    expect(repo.head(BRANCH).parents).toEqual([repo.head().sha]);
    expect(botComments(issue).at(-1)).toBe(
      `Opened https://github.com/acme/app/pull/${next?.number} to update uv.`,
    );

    // The old close delivered once more (GitHub's "redeliver", a new id) after the new PR opened
    // on the same branch: no second comment, and the new PR's branch is NOT deleted.
    h.github.reset();
    expect(await h.send("pull_request", closed)).toBe(200);
    expect(lines(h.github.requests)).toEqual([
      `GET ${R}/issues/${pr.number}/comments`,
      `GET ${R}/git/ref/heads/${BRANCH}`,
    ]);
    expect(repo.branches.has(BRANCH)).toBe(true);
    expect(repo.openPulls().map((p) => p.number)).toEqual([next?.number]);
  });

  it("a PR closed while a run is between its PR look-ups: the declined version is not proposed again", async () => {
    const pr = await firstPr();
    // The run's first PR look-up (the open one) is answered while #2 is open, then held; the PR
    // is closed before the answer arrives.
    const hold = h.github.hold("GET", `${R}/pulls`);
    const running = command();
    await hold.reached;
    repo.closePull(pr.number);
    const closing = h.send("pull_request", pullRequestClosedPayload(repo, pr.number));
    hold.release();
    await running;
    expect(await closing).toBe(200);

    expect(mutations(h.github.requests, "createPullRequest")).toHaveLength(1); // the first PR only
    expect(h.github.requests.filter(of("POST", "/git/commits"))).toHaveLength(1);
    expect(repo.openPulls()).toEqual([]);
    expect(repo.branches.has(BRANCH)).toBe(false);
    expect(botComments(issue).at(-1)).toBe(
      "Not proposed: uv 0.9.18 was declined in a closed pull request.",
    );
    expect(botComments(pr.number)).toHaveLength(1);
  });

  it("the default branch moving mid-run: read once more, the PR built on the new head", async () => {
    const hold = h.github.hold("GET", `${R}/pulls`);
    const running = command();
    await hold.reached;
    const moved = repo.commit({ branch: "main", files: { "README.md": "# moved\n" } });
    hold.release();
    await running;
    const requests = h.github.requests;
    // Bound (+7 for the second read): repository, tree, 2 blobs, open PR, closed PRs, branch head.
    expect(requests.filter(of("GET", "/git/trees/main"))).toHaveLength(2);
    expect(requests.filter(of("GET", "/branches/main"))).toHaveLength(2);
    expect(requests.filter(isGitWrite)).toHaveLength(3);
    expect(only(requests, "POST", "/git/commits").body.parents).toEqual([moved.sha]);
    expect(only(requests, "POST", "/git/trees").body.base_tree).toBe(moved.tree);
    expect(repo.file("README.md", BRANCH)).toBe("# moved\n");
    expect(botComments(issue).at(-1)).toMatch(/^Opened /);
  });

  it("the default branch moving during both reads: nothing written, said so", async () => {
    const first = h.github.hold("GET", `${R}/pulls`);
    const running = command();
    await first.reached;
    repo.commit({ branch: "main", files: { "README.md": "# one\n" } });
    const second = h.github.hold("GET", `${R}/git/trees/main`); // the second read
    first.release();
    await second.reached;
    repo.commit({ branch: "main", files: { "README.md": "# two\n" } });
    second.release();
    await running;
    expect(h.github.requests.filter(isGitWrite)).toEqual([]);
    expect(repo.openPulls()).toEqual([]);
    expect(botComments(issue).at(-1)).toBe(
      "Nothing could be proposed safely:\n\n> main changed twice while uv-pin-bot read it; nothing was written, the next run tries again",
    );
  });

  it("a merged PR: the branch is deleted, no comment", async () => {
    const pr = await firstPr();
    repo.mergePull(pr.number);
    h.github.reset();
    expect(await h.send("pull_request", pullRequestClosedPayload(repo, pr.number))).toBe(200);
    // Bound (2): the branch (still at the PR's head?), DELETE it.
    expect(lines(h.github.requests)).toEqual([
      `GET ${R}/git/ref/heads/${BRANCH}`,
      `DELETE ${R}/git/refs/heads/${BRANCH}`,
    ]);
    expect(repo.branches.has(BRANCH)).toBe(false);
    expect(botComments(pr.number)).toEqual([]);
    // Afterwards uv is current on main.
    await command();
    expect(botComments(issue).at(-1)).toBe("uv is already up to date here.");
  });

  it("a closed PR that is not the app's is ignored (zero requests)", async () => {
    repo.commit({ branch: "feature", files: { "x.txt": "x" }, parents: [repo.head().sha] });
    repo.pulls.push({
      ...structuredClone({
        number: repo.nextNumber++,
        title: "feature",
        body: "",
        state: "closed" as const,
        merged: false,
        mergedAt: null,
        closedAt: NOW.toISOString(),
        draft: false,
        headRef: "feature",
        frozenHead: repo.branches.get("feature") ?? null,
        baseRef: "main",
        user: "bob",
        labels: [],
        assignees: [],
        reviewers: [],
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      }),
    });
    const number = repo.nextNumber - 1;
    expect(await h.send("pull_request", pullRequestClosedPayload(repo, number))).toBe(200);
    expect(h.github.requests).toEqual([]);
  });

  it("a duplicate delivery (same X-GitHub-Delivery) is handled once", async () => {
    const payload = issueCommentPayload(repo, issue, "/uv-update");
    const statuses = await Promise.all([
      h.send("issue_comment", payload, { id: "dup-1" }),
      h.send("issue_comment", payload, { id: "dup-1" }),
    ]);
    expect(statuses).toEqual([200, 200]);
    expect(await h.send("issue_comment", payload, { id: "dup-1" })).toBe(200);
    const requests = h.github.requests;
    expect(requests.filter(of("POST", "/git/commits"))).toHaveLength(1);
    expect(mutations(requests, "createPullRequest")).toHaveLength(1);
    expect(requests.filter(of("GET", "/collaborators/alice/permission"))).toHaveLength(1);
    expect(botComments(issue)).toHaveLength(1);
    expect(repo.openPulls()).toHaveLength(1);
  });

  it("a comment racing a sweep: one PR, one commit", async () => {
    const [summary, status] = await Promise.all([
      h.sweep(),
      h.comment(repo, issue, "/uv-update", { user: "alice" }),
    ]);
    expect(status).toBe(200);
    expect(summary).toMatchObject({ repositories: 1, failed: 0 });
    expect(summary.opened + summary.updated + summary.skipped).toBe(1);
    const requests = h.github.requests;
    // Both ran the repository (two tree listings), one after the other.
    expect(requests.filter(of("GET", "/git/trees/main"))).toHaveLength(2);
    expect(requests.filter(of("POST", "/git/commits"))).toHaveLength(1);
    expect(mutations(requests, "createPullRequest")).toHaveLength(1);
    expect(requests.filter(of("PATCH", `/git/refs/heads/${BRANCH}`))).toEqual([]);
    expect(repo.openPulls()).toHaveLength(1);
    expect(botComments(issue)).toHaveLength(1);
    expect(botComments(issue)[0]).toMatch(
      /^(Opened|Already proposed in) https:\/\/github\.com\/acme\/app\/pull\/2/,
    );
  });

  it("a delivery signed with another secret is refused (400) and changes nothing", async () => {
    const payload = issueCommentPayload(repo, issue, "/uv-update");
    expect(await h.send("issue_comment", payload, { secret: "not-the-secret" })).toBe(400);
    expect(h.github.requests).toEqual([]);
    h.logs.length = 0; // Probot logs the refusal as an error; that is the point here.
  });

  it("a repository with no uv pin: repository, tree and config (plus token and app), no writes", async () => {
    const plain = h.github.addRepo("acme/plain", {
      files: { "README.md": "# plain\n", "src/main.py": "print(1)\n", LICENSE: "MIT\n" },
    });
    h.github.reset();
    const payload = installationRepositoriesAddedPayload(h.installation, [plain]);
    expect(await h.send("installation_repositories", payload)).toBe(200);
    // Bound (5): token, config ×2 (repository, org .github), repository, tree.
    expect(lines(h.github.requests)).toEqual([
      "POST /app/installations/4242/access_tokens",
      "GET /repos/acme/plain/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/.github/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/plain",
      "GET /repos/acme/plain/git/trees/main",
    ]);
    expect(h.github.requests.filter((r) => r.method !== "GET" && !isAppAuth(r))).toEqual([]);
    expect(plain.pulls).toEqual([]);
  });
});

/** `METHOD /path`, with `?state=` for pull request lists. */
const withState = (requests: RecordedRequest[]) =>
  requests.map((r) => `${r.method} ${r.path}${r.query.state ? `?state=${r.query.state}` : ""}`);

function treeEntry(treeSha: string, path: string): string {
  const entry = repo.trees.get(treeSha)?.get(path);
  if (!entry) throw new Error(`no ${path} in ${treeSha}`);
  return entry.sha;
}
