import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PR_BODY_MARK_ROOM } from "../core/render-pr.js";
import {
  BRANCH,
  closedUnmerged,
  commentOnce,
  commitFiles,
  createCheckRun,
  DECORATING,
  deleteBranch,
  type EnsureInput,
  ensurePullRequest,
  findPullRequest,
  hiddenMarker,
  permissionOf,
  react,
  reply,
} from "./github-prs.js";

const API = "https://api.github.com";
const REPO = { owner: "acme", repo: "app" };
const R = "/repos/acme/app";
const BASE = "b".repeat(40);
const NEW_BASE = "c".repeat(40);
const BASE_TREE = "d".repeat(40);
const OLD_HEAD = "e".repeat(40);
const NEW_COMMIT = "f".repeat(40);
const NEW_TREE = "9".repeat(40);
const PR_URL = "https://github.com/acme/app/pull/7";

// A BOM, CRLF line ends and no final newline: the bytes must reach GitHub as they are.
const DOCKERFILE = Uint8Array.from([
  ...[0xef, 0xbb, 0xbf],
  ...Buffer.from("FROM python:3.12\r\nCOPY --from=ghcr.io/astral-sh/uv:0.9.18 /uv /bin/\r\n# é"),
]);
const SCRIPT = "#!/bin/sh\r\ncurl -LsSf https://astral.sh/uv/0.9.18/install.sh | sh";

let octokit: InstanceType<typeof ProbotOctokit>;
/** Every request the Octokit sent, as `METHOD path?query`, in order. */
let sent: string[];
/** Body assertions that failed inside an interceptor (also surfaced as a request error). */
let failures: unknown[];

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
  sent = [];
  failures = [];
  octokit = new ProbotOctokit({
    auth: { token: "t" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  octokit.hook.before("request", (options) => {
    const { method, url } = octokit.request.endpoint.parse(options as never);
    const parsed = new URL(url);
    sent.push(`${method} ${decodeURIComponent(parsed.pathname)}${parsed.search}`);
  });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(failures).toEqual([]);
  expect(pending).toEqual([]);
});

type Json = Record<string, unknown>;

/** A reply that first checks the request body (inside the interceptor), then answers. */
function answer(status: number, json: unknown, check?: (body: Json) => void) {
  return (
    _uri: string,
    body: unknown,
    done: (error: Error | null, reply: nock.ReplyFnResult) => void,
  ) => {
    try {
      check?.(body as Json);
      done(null, [status, json as nock.ReplyBody]);
    } catch (error) {
      failures.push(error);
      done(error as Error, [500, ""]);
    }
  };
}

const gh = () => nock(API, { reqheaders: { authorization: "token t" } });

const openPull = (body: string, extra: Json = {}) => ({
  number: 7,
  node_id: "PR_7",
  html_url: PR_URL,
  title: "chore(deps): update uv to 0.9.17",
  body,
  head: { sha: OLD_HEAD, ref: BRANCH },
  base: { ref: "main" },
  merged_at: null,
  closed_at: null,
  ...extra,
});

const fingerprintOf = (body: string) => /<!-- fp: (\S+) -->/.exec(body)?.[1] ?? null;

const input = (extra: Partial<EnsureInput> = {}): EnsureInput => ({
  baseBranch: "main",
  baseSha: BASE,
  baseTreeSha: BASE_TREE,
  files: [
    { path: "Dockerfile", content: DOCKERFILE, mode: "100644" },
    { path: "scripts/install-uv.sh", content: SCRIPT, mode: "100755" },
  ],
  commitMessage: "chore(deps): update uv to 0.9.18",
  title: "chore(deps): update uv to 0.9.18",
  body: (head) => `Updates uv.\n<!-- fp: plan-0.9.18 head: ${head.sha} -->`,
  repositoryId: "R_42",
  fingerprint: "plan-0.9.18",
  currentFingerprint: fingerprintOf,
  labels: [],
  reviewers: [],
  assignees: [],
  draft: false,
  isOurs: (sha) => sha === OLD_HEAD || sha === NEW_COMMIT,
  rebase: false,
  ...extra,
});

const findOpen = (pulls: unknown[]) =>
  gh()
    .get(`${R}/pulls`)
    .query({ head: `acme:${BRANCH}`, state: "open", per_page: "100" })
    .reply(200, pulls);

const FIND = `GET ${R}/pulls?head=acme%3Auv-pin-bot%2Fuv&state=open&per_page=100`;
const NEW_BODY = `Updates uv.\n<!-- fp: plan-0.9.18 head: ${NEW_COMMIT} -->`;

/** Interceptors for the tree on `BASE_TREE` (both files inline) and the commit on `parent`. */
function expectCommit(
  parent: string,
  message = "chore(deps): update uv to 0.9.18",
  verification: Json | null = { verified: true, reason: "valid" },
) {
  gh()
    .post(`${R}/git/trees`)
    .reply(
      answer(201, { sha: NEW_TREE }, (body) =>
        expect(body).toEqual({
          base_tree: BASE_TREE,
          tree: [
            // The text inline, byte for byte (BOM, CRLF, no final newline), the mode kept.
            { path: "Dockerfile", mode: "100644", type: "blob", content: DOCKERFILE_TEXT },
            { path: "scripts/install-uv.sh", mode: "100755", type: "blob", content: SCRIPT },
          ],
        }),
      ),
    )
    .post(`${R}/git/commits`)
    .reply(
      answer(201, { sha: NEW_COMMIT, ...(verification ? { verification } : {}) }, (body) =>
        expect(body).toEqual({ message, tree: NEW_TREE, parents: [parent] }),
      ),
    );
}
const DOCKERFILE_TEXT = Buffer.from(DOCKERFILE).toString("utf8");
const COMMIT_REQUESTS = [`POST ${R}/git/trees`, `POST ${R}/git/commits`];
const MADE = { sha: NEW_COMMIT, verified: true, reason: "valid" };

const NONE = "0".repeat(40);
const DOC = "POST /graphql";
const READ_BRANCH = `GET ${R}/git/ref/heads/${BRANCH}`;
const branchAt = (sha: string | null) =>
  sha === null
    ? gh().get(`/repos/acme/app/git/ref/heads/${BRANCH}`).reply(404, { message: "Not Found" })
    : gh()
        .get(`/repos/acme/app/git/ref/heads/${BRANCH}`)
        .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha, type: "commit" } });

type Mutation = { name: string; input: Json };
/** The mutations of a GraphQL document: alias, field and input, in order. */
function mutationsOf(body: Json): (Mutation & { alias: string })[] {
  const vars = (body.variables ?? {}) as Json;
  return [
    ...String(body.query).matchAll(
      /(\w+): (updateRefs|createPullRequest|updatePullRequest|createCheckRun)\(input: (\$\w+|\{[^}]*\})/g,
    ),
  ].map((m) => ({
    alias: m[1] as string,
    name: m[2] as string,
    input: (String(m[3]).startsWith("$") ? vars[String(m[3]).slice(1)] : vars) as Json,
  }));
}

/**
 * One GraphQL document: its mutations (names and inputs, checked in the interceptor) and the
 * answer: `data` per alias, `errors` per alias.
 */
function expectDoc(
  expected: { name: string; input: unknown }[],
  answer_: { data?: Json; errors?: { alias: string; message: string }[] } = {},
) {
  gh()
    .post("/graphql")
    .reply(
      answer(
        200,
        {
          data: answer_.data ?? null,
          ...(answer_.errors
            ? {
                errors: answer_.errors.map((e) => ({
                  type: "UNPROCESSABLE",
                  message: e.message,
                  path: [e.alias],
                })),
              }
            : {}),
        },
        (body) =>
          expect(mutationsOf(body).map(({ name, input }) => ({ name, input }))).toEqual(expected),
      ),
    );
}

const swapInput = (before: string) => ({
  name: "updateRefs",
  input: expect.objectContaining({
    repositoryId: "R_42",
    refUpdates: [
      { name: `refs/heads/${BRANCH}`, beforeOid: before, afterOid: NEW_COMMIT, force: true },
    ],
  }),
});
const openInput = (extra: Json = {}) => ({
  name: "createPullRequest",
  input: {
    repositoryId: "R_42",
    baseRefName: "main",
    headRefName: BRANCH,
    title: "chore(deps): update uv to 0.9.18",
    body: NEW_BODY,
    draft: false,
    ...extra,
  },
});
const editInput = (extra: Json = {}) => ({
  name: "updatePullRequest",
  input: {
    pullRequestId: "PR_7",
    title: "chore(deps): update uv to 0.9.18",
    body: NEW_BODY,
    ...extra,
  },
});
const CHECK = { conclusion: "success" as const, title: "Attested", summary: "All verified" };
const checkInput = {
  name: "createCheckRun",
  input: {
    repositoryId: "R_42",
    headSha: NEW_COMMIT,
    name: "uv-pin-bot / provenance",
    status: "COMPLETED",
    conclusion: "SUCCESS",
    completedAt: expect.any(String),
    output: { title: "Attested", summary: "All verified" },
  },
};
const swapped = { clientMutationId: null };
const opened = (number = 7) => ({ pullRequest: { id: `PR_${number}`, number, url: PR_URL } });

describe("ensurePullRequest", () => {
  it("opens the first pull request: tree, commit, ONE document (branch, PR, check run), labels and assignees, reviewers: 5 writes", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc(
      [swapInput(NONE), openInput({ draft: true, body: `${NEW_BODY}\n${DECORATING}` }), checkInput],
      { data: { swap: swapped, open: opened(), check: { checkRun: { id: "CR_1" } } } },
    );
    gh()
      .post(`${R}/pulls/7/requested_reviewers`)
      .reply(
        answer(201, {}, (body) =>
          expect(body).toEqual({ reviewers: ["octocat"], team_reviewers: ["platform"] }),
        ),
      )
      .patch(`${R}/issues/7`)
      .reply(
        answer(200, {}, (body) =>
          expect(body).toEqual({
            labels: ["dependencies", "uv"],
            assignees: ["hubot"],
            body: NEW_BODY,
          }),
        ),
      );
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({
        draft: true,
        labels: ["dependencies", "uv"],
        reviewers: ["octocat", "acme/platform"],
        assignees: ["hubot"],
        checkRun: () => CHECK,
      }),
    );
    expect(result).toEqual({
      action: "created",
      number: 7,
      url: PR_URL,
      headSha: NEW_COMMIT,
      verified: true,
      warnings: [],
    });
    // Reads: find, branch. Writes: tree, commit, document, labels+assignees, reviewers = 5
    // (there were 10 with N = 2: 2 blobs, tree, commit, ref, pull, labels, reviewers, assignees,
    // and the check run made by the caller).
    expect(sent).toEqual([
      FIND,
      READ_BRANCH,
      ...COMMIT_REQUESTS,
      DOC,
      `POST ${R}/pulls/7/requested_reviewers`,
      `PATCH ${R}/issues/7`,
    ]);
    expect(sent.filter((line) => !line.startsWith("GET"))).toHaveLength(5);
  });

  it("no labels, assignees or reviewers: 3 writes", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput()], { data: { swap: swapped, open: opened() } });
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result.action).toBe("created");
    expect(sent).toEqual([FIND, READ_BRANCH, ...COMMIT_REQUESTS, DOC]);
  });

  it("moves a branch left over from a closed PR when its head is the app's commit (compare-and-swap from it)", async () => {
    findOpen([]);
    branchAt(OLD_HEAD);
    expectCommit(BASE);
    expectDoc([swapInput(OLD_HEAD), openInput()], { data: { swap: swapped, open: opened(8) } });
    const pushed: string[] = [];
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ pushed: (sha) => void pushed.push(sha) }),
    );
    expect(result).toMatchObject({ action: "created", number: 8, headSha: NEW_COMMIT });
    expect(pushed).toEqual([NEW_COMMIT]);
    expect(sent).toEqual([FIND, READ_BRANCH, ...COMMIT_REQUESTS, DOC]);
  });

  it("never moves a branch, PR or no PR, whose head the app did not make: nothing written", async () => {
    findOpen([]);
    branchAt("a".repeat(40));
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result).toEqual({ action: "branch-taken", headSha: "a".repeat(40), warnings: [] });
    expect(sent).toEqual([FIND, READ_BRANCH]);
  });

  it("a branch created between the look and the write: the swap fails; a PR GitHub opened anyway is closed", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput()], {
      data: { swap: null, open: opened(9) },
      errors: [{ alias: "swap", message: "refs/heads/uv-pin-bot/uv already exists" }],
    });
    gh()
      .patch(`${R}/pulls/9`)
      .reply(answer(200, {}, (body) => expect(body).toEqual({ state: "closed" })));
    branchAt("a".repeat(40));
    findOpen([]);
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result).toEqual({ action: "branch-taken", headSha: "a".repeat(40), warnings: [] });
    expect(sent).toEqual([
      FIND,
      READ_BRANCH,
      ...COMMIT_REQUESTS,
      DOC,
      `PATCH ${R}/pulls/9`,
      READ_BRANCH,
      FIND,
    ]);
  });

  it("leaves an open PR with the same fingerprint untouched: one read, zero writes", async () => {
    findOpen([openPull("Updates uv.\n<!-- fp: plan-0.9.18 -->")]);
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toEqual({
      action: "unchanged",
      number: 7,
      url: PR_URL,
      headSha: OLD_HEAD,
      verified: null,
      warnings: [],
    });
    expect(sent).toEqual([FIND]);
  });

  it("rebuilds a newer plan as one commit on the new base: tree, commit, ONE document (swap from the app's head, PR update, check run): 3 writes", async () => {
    findOpen([openPull("Updates uv.\n<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectDoc([swapInput(OLD_HEAD), editInput(), checkInput], {
      data: { swap: swapped, edit: { pullRequest: { id: "PR_7" } }, check: { checkRun: {} } },
    });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, checkRun: () => CHECK }),
    );
    expect(result).toEqual({
      action: "updated",
      number: 7,
      url: PR_URL,
      headSha: NEW_COMMIT,
      verified: true,
      warnings: [],
    });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, DOC]);
  });

  it("leaves a branch whose head the app did not make alone: zero writes", async () => {
    findOpen([
      openPull("<!-- fp: plan-0.9.17 -->", { head: { sha: "1".repeat(40), ref: BRANCH } }),
    ]);
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toEqual({
      action: "left-alone",
      number: 7,
      url: PR_URL,
      headSha: "1".repeat(40),
      verified: null,
      warnings: [],
    });
    expect(sent).toEqual([FIND]);
  });

  it("a push between the look and the write: the swap is refused, the push stays, the PR's text is put back, left alone", async () => {
    const old = "Updates uv.\n<!-- fp: plan-0.9.17 -->";
    findOpen([openPull(old)]);
    expectCommit(NEW_BASE);
    expectDoc([swapInput(OLD_HEAD), editInput()], {
      data: { swap: null, edit: { pullRequest: { id: "PR_7" } } },
      errors: [{ alias: "swap", message: "refs/heads/uv-pin-bot/uv is at 1111 but expected eeee" }],
    });
    gh()
      .patch(`${R}/pulls/7`)
      .reply(
        answer(200, {}, (body) =>
          expect(body).toEqual({ title: "chore(deps): update uv to 0.9.17", body: old }),
        ),
      );
    branchAt("1".repeat(40));
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toMatchObject({ action: "left-alone", number: 7, headSha: OLD_HEAD });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, DOC, `PATCH ${R}/pulls/7`, READ_BRANCH]);
  });

  it("…and when GitHub stopped at the failed swap, nothing to put back", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectDoc([swapInput(OLD_HEAD), editInput()], {
      data: { swap: null },
      errors: [{ alias: "swap", message: "refs/heads/uv-pin-bot/uv is at 1111 but expected eeee" }],
    });
    branchAt("1".repeat(40));
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toMatchObject({ action: "left-alone", headSha: OLD_HEAD });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, DOC, READ_BRANCH]);
  });

  it("a refusal over a workflow file is told apart (WorkflowPermissionError, with the file)", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectDoc([swapInput(OLD_HEAD), editInput()], {
      data: { swap: null },
      errors: [
        {
          alias: "swap",
          message:
            "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission",
        },
      ],
    });
    await expect(
      ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE })),
    ).rejects.toMatchObject({ code: "workflow-permission", files: [".github/workflows/ci.yml"] });
  });

  it("a repository rule's refusal (signed commits required) is told apart (RuleViolationError): no retry", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE, undefined, { verified: false, reason: "unsigned" });
    expectDoc([swapInput(NONE), openInput({ body: NEW_BODY })], {
      data: { swap: null, open: null },
      errors: [
        {
          alias: "swap",
          message: "Repository rule violations found\n\nCommits must have verified signatures.\n\n",
        },
        {
          alias: "open",
          message: "Head sha can't be blank, No commits between main and uv-pin-bot/uv",
        },
      ],
    });
    await expect(ensurePullRequest(octokit, REPO, input())).rejects.toMatchObject({
      code: "rule-violation",
      message:
        "GitHub refused the commit: Repository rule violations found Commits must have verified signatures.",
    });
    expect(sent).toEqual([FIND, READ_BRANCH, ...COMMIT_REQUESTS, DOC]);
  });

  it("rebuilds over foreign commits when asked to rebase (still compare-and-swap)", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->", { head: { sha: NEW_TREE, ref: BRANCH } })]);
    expectCommit(NEW_BASE);
    expectDoc([swapInput(NEW_TREE), editInput()], {
      data: { swap: swapped, edit: { pullRequest: { id: "PR_7" } } },
    });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, rebase: true }),
    );
    expect(result).toMatchObject({ action: "updated", headSha: NEW_COMMIT });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, DOC]);
  });

  it("a repeated rebase with the same plan is a no-op once the branch is our commit on base", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.18 -->")]);
    gh()
      .get(`${R}/git/commits/${OLD_HEAD}`)
      .reply(200, { sha: OLD_HEAD, parents: [{ sha: NEW_BASE }] });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, rebase: true }),
    );
    expect(result.action).toBe("unchanged");
    expect(sent).toEqual([FIND, `GET ${R}/git/commits/${OLD_HEAD}`]);
  });

  it("a rebase with the same plan on a moved base rebuilds", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.18 -->")]);
    gh()
      .get(`${R}/git/commits/${OLD_HEAD}`)
      .reply(200, { sha: OLD_HEAD, parents: [{ sha: BASE }] });
    expectCommit(NEW_BASE);
    expectDoc([swapInput(OLD_HEAD), editInput()], {
      data: { swap: swapped, edit: { pullRequest: { id: "PR_7" } } },
    });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, rebase: true }),
    );
    expect(result.action).toBe("updated");
    expect(sent).toEqual([FIND, `GET ${R}/git/commits/${OLD_HEAD}`, ...COMMIT_REQUESTS, DOC]);
  });

  it("retargets a PR whose base branch is no longer the default branch", async () => {
    const pr = { ...openPull("<!-- fp: plan-0.9.18 -->"), base: { ref: "master" } };
    findOpen([pr]);
    expectCommit(BASE);
    expectDoc([swapInput(OLD_HEAD), editInput({ baseRefName: "main" })], {
      data: { swap: swapped, edit: { pullRequest: { id: "PR_7" } } },
    });
    expect((await ensurePullRequest(octokit, REPO, input())).action).toBe("updated");
  });

  it("uses a PR the caller already found, and reads the base tree when not given", async () => {
    branchAt(null);
    gh()
      .get(`${R}/git/commits/${BASE}`)
      .reply(200, { sha: BASE, tree: { sha: BASE_TREE } });
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput()], { data: { swap: swapped, open: opened() } });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ pr: null, baseTreeSha: undefined }),
    );
    expect(result.action).toBe("created");
    expect(sent).toEqual([READ_BRANCH, `GET ${R}/git/commits/${BASE}`, ...COMMIT_REQUESTS, DOC]);
  });

  it("opens a ready PR where drafts are not available, and says so (+1 document)", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput({ draft: true })], {
      data: { swap: swapped, open: null },
      errors: [
        { alias: "open", message: "Draft pull requests are not supported in this repository." },
      ],
    });
    expectDoc([openInput()], { data: { open: opened() } });
    const result = await ensurePullRequest(octokit, REPO, input({ draft: true }));
    expect(result.action).toBe("created");
    expect(result.warnings).toEqual([
      "draft pull requests are not available in this repository; opened a ready one",
    ]);
    expect(sent).toEqual([FIND, READ_BRANCH, ...COMMIT_REQUESTS, DOC, DOC]);
  });

  it("keeps the PR when a reviewer cannot be requested, or an assignee assigned", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput({ body: `${NEW_BODY}\n${DECORATING}` })], {
      data: { swap: swapped, open: opened() },
    });
    gh()
      .post(`${R}/pulls/7/requested_reviewers`)
      .reply(
        answer(422, { message: "Reviews may only be requested from collaborators." }, (body) =>
          expect(body).toEqual({ reviewers: ["stranger"] }),
        ),
      )
      .patch(`${R}/issues/7`)
      .reply(answer(422, { message: "Validation Failed" }))
      .patch(`${R}/issues/7`)
      .reply(answer(200, {}, (body) => expect(body).toEqual({ labels: ["uv"], body: NEW_BODY })));
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ labels: ["uv"], assignees: ["nobody"], reviewers: ["stranger"] }),
    );
    expect(result.action).toBe("created");
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toMatch(/^could not request reviews from stranger: /);
    expect(result.warnings[1]).toMatch(/^could not assign nobody: /);
  });

  it("a run that died after opening the PR, before its labels: the next run sets them (2 writes) and takes the mark away", async () => {
    const body = "Updates uv.\n<!-- fp: plan-0.9.18 -->";
    findOpen([openPull(`${body}\n${DECORATING}`, { head: { sha: NEW_COMMIT, ref: BRANCH } })]);
    gh()
      .post(`${R}/pulls/7/requested_reviewers`)
      .reply(answer(201, {}, (body) => expect(body).toEqual({ reviewers: ["octocat"] })))
      .patch(`${R}/issues/7`)
      .reply(
        answer(200, {}, (sentBody) =>
          expect(sentBody).toEqual({ labels: ["uv"], assignees: ["hubot"], body }),
        ),
      );
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ labels: ["uv"], assignees: ["hubot"], reviewers: ["octocat"] }),
    );
    expect(result).toMatchObject({ action: "unchanged", number: 7, warnings: [] });
    expect(sent).toEqual([FIND, `POST ${R}/pulls/7/requested_reviewers`, `PATCH ${R}/issues/7`]);
  });

  it("the mark fits the room rendered bodies leave (so a body at GitHub's limit still opens)", () => {
    expect(DECORATING.length + 1).toBeLessThanOrEqual(PR_BODY_MARK_ROOM);
  });

  it("a PR whose decorations are done (no mark): nothing is set again, even when a maintainer removed the labels", async () => {
    findOpen([
      openPull("Updates uv.\n<!-- fp: plan-0.9.18 -->", {
        head: { sha: NEW_COMMIT, ref: BRANCH },
        labels: [],
      }),
    ]);
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ labels: ["uv"], assignees: ["hubot"], reviewers: ["octocat"] }),
    );
    expect(result.action).toBe("unchanged");
    expect(sent).toEqual([FIND]);
  });

  it("a check run GitHub refuses is a warning, not a failure: the PR stands", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput(), checkInput], {
      data: { swap: swapped, open: opened(), check: null },
      errors: [{ alias: "check", message: "Resource not accessible by integration" }],
    });
    const result = await ensurePullRequest(octokit, REPO, input({ checkRun: () => CHECK }));
    expect(result).toMatchObject({
      action: "created",
      warnings: ["could not create the check run: Resource not accessible by integration"],
    });
  });

  it("a racing delivery that opened the PR first: ours becomes unchanged", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    expectDoc([swapInput(NONE), openInput()], {
      data: { swap: swapped, open: null },
      errors: [{ alias: "open", message: "A pull request already exists for acme:uv-pin-bot/uv." }],
    });
    findOpen([openPull("<!-- fp: plan-0.9.18 -->")]);
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result).toMatchObject({ action: "unchanged", number: 7, headSha: NEW_COMMIT });
    expect(sent).toEqual([FIND, READ_BRANCH, ...COMMIT_REQUESTS, DOC, FIND]);
  });

  it("reports other failures as they are", async () => {
    findOpen([]);
    branchAt(null);
    expectCommit(BASE);
    gh().post("/graphql").reply(502, { message: "Bad Gateway" });
    await expect(ensurePullRequest(octokit, REPO, input())).rejects.toMatchObject({
      status: 502,
    });
  });
});

describe("commitFiles", () => {
  it("writes one tree (the files inline) and one commit, and nothing else; reads verification", async () => {
    expectCommit(BASE, "msg");
    const made = await commitFiles(octokit, REPO, {
      baseSha: BASE,
      baseTreeSha: BASE_TREE,
      files: input().files,
      message: "msg",
    });
    expect(made).toEqual(MADE);
    expect(sent).toEqual(COMMIT_REQUESTS);
  });

  it("an answer without verification: unknown (null)", async () => {
    expectCommit(BASE, "msg", null);
    const made = await commitFiles(octokit, REPO, {
      baseSha: BASE,
      baseTreeSha: BASE_TREE,
      files: input().files,
      message: "msg",
    });
    expect(made).toEqual({ sha: NEW_COMMIT, verified: null, reason: null });
  });

  it("a file that is not UTF-8 goes as a base64 blob (byte-exact); the rest stays inline", async () => {
    const latin1 = Uint8Array.from([...Buffer.from("# caf"), 0xe9, 0x0a]);
    gh()
      .post(`${R}/git/blobs`)
      .reply(
        answer(201, { sha: "1".repeat(40) }, (body) =>
          expect(body).toEqual({
            content: Buffer.from(latin1).toString("base64"),
            encoding: "base64",
          }),
        ),
      )
      .post(`${R}/git/trees`)
      .reply(
        answer(201, { sha: NEW_TREE }, (body) =>
          expect(body.tree).toEqual([
            { path: "a.txt", mode: "100644", type: "blob", sha: "1".repeat(40) },
            { path: "b.sh", mode: "100755", type: "blob", content: SCRIPT },
          ]),
        ),
      )
      .post(`${R}/git/commits`)
      .reply(201, { sha: NEW_COMMIT });
    await commitFiles(octokit, REPO, {
      baseSha: BASE,
      baseTreeSha: BASE_TREE,
      files: [
        { path: "a.txt", content: latin1, mode: "100644" },
        { path: "b.sh", content: SCRIPT, mode: "100755" },
      ],
      message: "m",
    });
    expect(sent).toEqual([`POST ${R}/git/blobs`, ...COMMIT_REQUESTS]);
  });

  it("refuses an empty or ambiguous change before any request", async () => {
    const base = { baseSha: BASE, baseTreeSha: BASE_TREE, message: "m" };
    await expect(commitFiles(octokit, REPO, { ...base, files: [] })).rejects.toThrow(
      "commitFiles: no files to commit",
    );
    const file = { path: "a", content: "x", mode: "100644" } as const;
    await expect(commitFiles(octokit, REPO, { ...base, files: [file, file] })).rejects.toThrow(
      "commitFiles: a path is listed twice",
    );
    expect(sent).toEqual([]);
  });
});

describe("reading the pull requests", () => {
  it("findPullRequest returns the open PR from the branch, or null", async () => {
    findOpen([openPull("hello")]);
    expect(await findPullRequest(octokit, REPO)).toEqual({
      number: 7,
      nodeId: "PR_7",
      url: PR_URL,
      title: "chore(deps): update uv to 0.9.17",
      body: "hello",
      headSha: OLD_HEAD,
      baseRef: "main",
    });
    findOpen([]);
    expect(await findPullRequest(octokit, REPO)).toBeNull();
    expect(sent).toEqual([FIND, FIND]);
  });

  it("closedUnmerged keeps the PRs closed without a merge, with their bodies", async () => {
    gh()
      .get(`${R}/pulls`)
      .query({
        head: `acme:${BRANCH}`,
        state: "closed",
        sort: "updated",
        direction: "desc",
        per_page: "100",
      })
      .reply(200, [
        openPull("<!-- fp: a -->", { number: 5, closed_at: "2026-11-02T00:00:00Z" }),
        openPull("merged", { number: 4, merged_at: "2026-10-01T00:00:00Z" }),
        openPull(null as never, { number: 3, closed_at: "2026-09-01T00:00:00Z" }),
      ]);
    expect(await closedUnmerged(octokit, REPO)).toEqual([
      {
        number: 5,
        url: PR_URL,
        body: "<!-- fp: a -->",
        closedAt: "2026-11-02T00:00:00Z",
        merged: false,
      },
      { number: 3, url: PR_URL, body: "", closedAt: "2026-09-01T00:00:00Z", merged: false },
    ]);
    expect(sent).toHaveLength(1);
  });
});

describe("comments", () => {
  const marker = hiddenMarker("foreign-commits");

  it("commentOnce posts once, with the hidden marker", async () => {
    gh()
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [{ id: 1, body: "lgtm", html_url: "u1" }])
      .post(`${R}/issues/7/comments`)
      .reply(
        answer(201, { id: 2, html_url: "u2" }, (body) =>
          expect(body).toEqual({
            body: "<!-- uv-pin-bot:foreign-commits -->\nSomeone pushed here; I will not.",
          }),
        ),
      );
    const result = await commentOnce(
      octokit,
      REPO,
      7,
      "foreign-commits",
      "Someone pushed here; I will not.",
    );
    expect(result).toEqual({ posted: true, id: 2, url: "u2" });
    expect(sent).toEqual([
      `GET ${R}/issues/7/comments?per_page=100`,
      `POST ${R}/issues/7/comments`,
    ]);
  });

  it("commentOnce finds its marker (on a later page too) and posts nothing", async () => {
    gh()
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [{ id: 1, body: null, html_url: "u1" }], {
        Link: `<${API}/repositories/1/issues/7/comments?per_page=100&page=2>; rel="next"`,
      })
      .get("/repositories/1/issues/7/comments")
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ id: 9, body: `${marker}\nearlier`, html_url: "u9" }]);
    const result = await commentOnce(octokit, REPO, 7, "foreign-commits", "again");
    expect(result).toEqual({ posted: false, id: 9, url: "u9" });
    expect(sent).toHaveLength(2);
  });

  it("hiddenMarker refuses keys that would end the HTML comment", () => {
    expect(() => hiddenMarker("a-->b")).toThrow("cannot sit inside an HTML comment");
    expect(() => hiddenMarker("")).toThrow();
  });

  it("reply and react", async () => {
    gh()
      .post(`${R}/issues/7/comments`)
      .reply(
        answer(201, { id: 3, html_url: "u3" }, (body) => expect(body).toEqual({ body: "done" })),
      )
      .post(`${R}/issues/comments/42/reactions`)
      .reply(answer(201, {}, (body) => expect(body).toEqual({ content: "eyes" })));
    expect(await reply(octokit, REPO, 7, "done")).toEqual({ id: 3, url: "u3" });
    await react(octokit, REPO, 42, "eyes");
    expect(sent).toHaveLength(2);
  });
});

describe("createCheckRun", () => {
  it("posts a completed run on the head sha, cutting output GitHub would refuse", async () => {
    gh()
      .post(`${R}/check-runs`)
      .reply(
        answer(201, { id: 5, html_url: "c5" }, (body) => {
          expect(body).toMatchObject({
            name: "uv-pin-bot / provenance",
            head_sha: NEW_COMMIT,
            status: "completed",
            conclusion: "success",
            output: { title: "Attested", summary: "All 2 digests verified", text: "details" },
          });
        }),
      );
    gh()
      .post(`${R}/check-runs`)
      .reply(
        answer(201, { id: 6, html_url: "c6" }, (body) => {
          const output = body.output as Json;
          expect(String(output.summary)).toHaveLength(65_535);
          expect(String(output.summary)).toMatch(/\(cut: longer than GitHub allows\)$/);
          expect(output).not.toHaveProperty("text");
        }),
      );
    const run = await createCheckRun(octokit, REPO, NEW_COMMIT, {
      conclusion: "success",
      title: "Attested",
      summary: "All 2 digests verified",
      text: "details",
    });
    expect(run).toEqual({ id: 5, url: "c5" });
    await createCheckRun(octokit, REPO, NEW_COMMIT, {
      conclusion: "failure",
      title: "Not attested",
      summary: "x".repeat(70_000),
    });
  });
});

describe("deleteBranch", () => {
  it.each([
    [204, true],
    [404, false],
    [422, false],
  ])("DELETE answered %i → %s", async (status, deleted) => {
    gh()
      .delete(`${R}/git/refs/heads/${BRANCH}`)
      .reply(status, status === 204 ? "" : { message: "Reference does not exist" });
    expect(await deleteBranch(octokit, REPO)).toBe(deleted);
    expect(sent).toEqual([`DELETE ${R}/git/refs/heads/${BRANCH}`]);
  });

  it("other failures are errors", async () => {
    gh().delete(`${R}/git/refs/heads/${BRANCH}`).reply(403, { message: "Resource not accessible" });
    await expect(deleteBranch(octokit, REPO)).rejects.toMatchObject({ status: 403 });
  });

  it("onlyAt: deletes the branch while it points at the closed PR's head (2 requests)", async () => {
    gh()
      .get(`${R}/git/ref/heads/${BRANCH}`)
      .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: OLD_HEAD, type: "commit" } });
    gh().delete(`${R}/git/refs/heads/${BRANCH}`).reply(204, "");
    expect(await deleteBranch(octokit, REPO, OLD_HEAD)).toBe(true);
    expect(sent).toEqual([
      `GET ${R}/git/ref/heads/${BRANCH}`,
      `DELETE ${R}/git/refs/heads/${BRANCH}`,
    ]);
  });

  it("onlyAt: keeps a branch that has moved (a newer PR, later pushes), or is gone", async () => {
    gh()
      .get(`${R}/git/ref/heads/${BRANCH}`)
      .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: NEW_COMMIT, type: "commit" } });
    expect(await deleteBranch(octokit, REPO, OLD_HEAD)).toBe(false);
    gh().get(`${R}/git/ref/heads/${BRANCH}`).reply(404, { message: "Not Found" });
    expect(await deleteBranch(octokit, REPO, OLD_HEAD)).toBe(false);
    expect(sent).toEqual([`GET ${R}/git/ref/heads/${BRANCH}`, `GET ${R}/git/ref/heads/${BRANCH}`]);
  });
});

describe("permissionOf", () => {
  it.each([
    [{ permission: "admin", role_name: "admin" }, "admin"],
    [{ permission: "write", role_name: "maintain" }, "maintain"],
    [{ permission: "write", role_name: "write" }, "write"],
    [{ permission: "read", role_name: "triage" }, "triage"],
    [{ permission: "read", role_name: "read" }, "read"],
    [{ permission: "none", role_name: "" }, "none"],
    [{ permission: "write", role_name: "security-reviewer" }, "write"],
    [{ permission: "read" }, "read"],
  ])("%j → %s", async (data, expected) => {
    gh().get(`${R}/collaborators/alice/permission`).reply(200, data);
    expect(await permissionOf(octokit, REPO, "alice")).toBe(expected);
    expect(sent).toEqual([`GET ${R}/collaborators/alice/permission`]);
  });

  it("an unknown user has none", async () => {
    gh().get(`${R}/collaborators/ghost/permission`).reply(404, { message: "Not Found" });
    expect(await permissionOf(octokit, REPO, "ghost")).toBe("none");
  });
});
