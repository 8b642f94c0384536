import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BRANCH,
  closedUnmerged,
  commentOnce,
  commitFiles,
  createCheckRun,
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
  body: (head) => `Updates uv.\n<!-- fp: plan-0.9.18 head: ${head} -->`,
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

/** Interceptors for the two blobs, the tree on `BASE_TREE` and the commit on `parent`. */
function expectCommit(parent: string, message = "chore(deps): update uv to 0.9.18") {
  gh()
    .post(`${R}/git/blobs`)
    .reply(
      answer(201, { sha: "1".repeat(40) }, (body) => {
        expect(body.encoding).toBe("base64");
        expect(Buffer.from(String(body.content), "base64")).toEqual(Buffer.from(DOCKERFILE));
      }),
    )
    .post(`${R}/git/blobs`)
    .reply(
      answer(201, { sha: "2".repeat(40) }, (body) => {
        expect(body.encoding).toBe("base64");
        expect(Buffer.from(String(body.content), "base64").toString("latin1")).toBe(
          Buffer.from(SCRIPT, "utf8").toString("latin1"),
        );
      }),
    )
    .post(`${R}/git/trees`)
    .reply(
      answer(201, { sha: NEW_TREE }, (body) =>
        expect(body).toEqual({
          base_tree: BASE_TREE,
          tree: [
            { path: "Dockerfile", mode: "100644", type: "blob", sha: "1".repeat(40) },
            { path: "scripts/install-uv.sh", mode: "100755", type: "blob", sha: "2".repeat(40) },
          ],
        }),
      ),
    )
    .post(`${R}/git/commits`)
    .reply(
      answer(201, { sha: NEW_COMMIT }, (body) =>
        expect(body).toEqual({ message, tree: NEW_TREE, parents: [parent] }),
      ),
    );
}
const COMMIT_REQUESTS = [
  `POST ${R}/git/blobs`,
  `POST ${R}/git/blobs`,
  `POST ${R}/git/trees`,
  `POST ${R}/git/commits`,
];

const NONE = "0".repeat(40);
/** GraphQL `updateRefs` moving the branch from `before` (NONE: absent) to the new commit. */
const expectSwap = (before: string, errors?: { message: string }[]) =>
  gh()
    .post("/graphql")
    .reply(
      answer(
        200,
        errors ? { data: null, errors } : { data: { updateRefs: { clientMutationId: null } } },
        (body) => {
          expect(String(body.query)).toMatch(/updateRefs\(input: \{repositoryId: \$repositoryId/);
          expect(body.variables).toEqual({
            repositoryId: "R_42",
            refUpdates: [
              {
                name: `refs/heads/${BRANCH}`,
                beforeOid: before,
                afterOid: NEW_COMMIT,
                force: true,
              },
            ],
          });
        },
      ),
    );
const SWAP = "POST /graphql";
const READ_BRANCH = `GET ${R}/git/ref/heads/${BRANCH}`;
const branchAt = (sha: string | null) =>
  sha === null
    ? gh().get(`/repos/acme/app/git/ref/heads/${BRANCH}`).reply(404, { message: "Not Found" })
    : gh()
        .get(`/repos/acme/app/git/ref/heads/${BRANCH}`)
        .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha, type: "commit" } });

describe("ensurePullRequest", () => {
  it("opens the first pull request: commit, branch, draft PR, labels, reviewers, assignees", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE);
    gh()
      .post(`${R}/pulls`)
      .reply(
        answer(201, { number: 7, html_url: PR_URL }, (body) =>
          expect(body).toEqual({
            head: BRANCH,
            base: "main",
            title: "chore(deps): update uv to 0.9.18",
            body: NEW_BODY,
            draft: true,
          }),
        ),
      )
      .post(`${R}/issues/7/labels`)
      .reply(answer(200, [], (body) => expect(body).toEqual({ labels: ["dependencies", "uv"] })))
      .post(`${R}/pulls/7/requested_reviewers`)
      .reply(
        answer(201, {}, (body) =>
          expect(body).toEqual({ reviewers: ["octocat"], team_reviewers: ["platform"] }),
        ),
      )
      .post(`${R}/issues/7/assignees`)
      .reply(answer(201, {}, (body) => expect(body).toEqual({ assignees: ["hubot"] })));
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({
        draft: true,
        labels: ["dependencies", "uv"],
        reviewers: ["octocat", "acme/platform"],
        assignees: ["hubot"],
      }),
    );
    expect(result).toEqual({
      action: "created",
      number: 7,
      url: PR_URL,
      headSha: NEW_COMMIT,
      warnings: [],
    });
    // 1 + N blobs + tree + commit + ref + pull + labels + reviewers + assignees (N = 2).
    expect(sent).toEqual([
      FIND,
      ...COMMIT_REQUESTS,
      SWAP,
      `POST ${R}/pulls`,
      `POST ${R}/issues/7/labels`,
      `POST ${R}/pulls/7/requested_reviewers`,
      `POST ${R}/issues/7/assignees`,
    ]);
  });

  it("moves a branch left over from a closed PR when its head is the app's commit (compare-and-swap)", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE, [{ message: "refs/heads/uv-pin-bot/uv already exists" }]);
    branchAt(OLD_HEAD);
    findOpen([]);
    expectSwap(OLD_HEAD);
    gh()
      .post(`${R}/pulls`)
      .reply(
        answer(201, { number: 8, html_url: `${PR_URL}8` }, (body) =>
          expect(body.draft).toBe(false),
        ),
      );
    const pushed: string[] = [];
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ pushed: (sha) => void pushed.push(sha) }),
    );
    expect(result).toMatchObject({ action: "created", number: 8, headSha: NEW_COMMIT });
    expect(pushed).toEqual([NEW_COMMIT]);
    expect(sent).toEqual([
      FIND,
      ...COMMIT_REQUESTS,
      SWAP,
      READ_BRANCH,
      FIND,
      SWAP,
      `POST ${R}/pulls`,
    ]);
  });

  it("never moves a branch, PR or no PR, whose head the app did not make", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE, [{ message: "refs/heads/uv-pin-bot/uv already exists" }]);
    branchAt("a".repeat(40));
    findOpen([]);
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result).toEqual({ action: "branch-taken", headSha: "a".repeat(40), warnings: [] });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, SWAP, READ_BRANCH, FIND]);
  });

  it("leaves an open PR with the same fingerprint untouched: one read, zero writes", async () => {
    findOpen([openPull("Updates uv.\n<!-- fp: plan-0.9.18 -->")]);
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toEqual({
      action: "unchanged",
      number: 7,
      url: PR_URL,
      headSha: OLD_HEAD,
      warnings: [],
    });
    expect(sent).toEqual([FIND]);
  });

  it("rebuilds a newer plan as one commit on the new base, swaps the branch from the app's head, updates the PR", async () => {
    findOpen([openPull("Updates uv.\n<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectSwap(OLD_HEAD);
    gh()
      .patch(`${R}/pulls/7`)
      .reply(
        answer(200, {}, (body) =>
          expect(body).toEqual({ title: "chore(deps): update uv to 0.9.18", body: NEW_BODY }),
        ),
      );
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toEqual({
      action: "updated",
      number: 7,
      url: PR_URL,
      headSha: NEW_COMMIT,
      warnings: [],
    });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, SWAP, `PATCH ${R}/pulls/7`]);
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
      warnings: [],
    });
    expect(sent).toEqual([FIND]);
  });

  it("a push between the look and the write: the swap is refused, the push stays, left alone", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectSwap(OLD_HEAD, [{ message: "refs/heads/uv-pin-bot/uv is at 1111 but expected eeee" }]);
    branchAt("1".repeat(40));
    const result = await ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE }));
    expect(result).toMatchObject({ action: "left-alone", number: 7, headSha: OLD_HEAD });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, SWAP, READ_BRANCH]);
  });

  it("a refusal over a workflow file is told apart (WorkflowPermissionError, with the file)", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->")]);
    expectCommit(NEW_BASE);
    expectSwap(OLD_HEAD, [
      {
        message:
          "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission",
      },
    ]);
    await expect(
      ensurePullRequest(octokit, REPO, input({ baseSha: NEW_BASE })),
    ).rejects.toMatchObject({ code: "workflow-permission", files: [".github/workflows/ci.yml"] });
  });

  it("rebuilds over foreign commits when asked to rebase (still compare-and-swap)", async () => {
    findOpen([openPull("<!-- fp: plan-0.9.17 -->", { head: { sha: NEW_TREE, ref: BRANCH } })]);
    expectCommit(NEW_BASE);
    gh()
      .post("/graphql")
      .reply(
        answer(200, { data: {} }, (body) =>
          expect((body.variables as Json).refUpdates).toEqual([
            {
              name: `refs/heads/${BRANCH}`,
              beforeOid: NEW_TREE,
              afterOid: NEW_COMMIT,
              force: true,
            },
          ]),
        ),
      );
    gh().patch(`${R}/pulls/7`).reply(200, {});
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, rebase: true }),
    );
    expect(result).toMatchObject({ action: "updated", headSha: NEW_COMMIT });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, SWAP, `PATCH ${R}/pulls/7`]);
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
    expectSwap(OLD_HEAD);
    gh().patch(`${R}/pulls/7`).reply(200, {});
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ baseSha: NEW_BASE, rebase: true }),
    );
    expect(result.action).toBe("updated");
    expect(sent).toEqual([
      FIND,
      `GET ${R}/git/commits/${OLD_HEAD}`,
      ...COMMIT_REQUESTS,
      SWAP,
      `PATCH ${R}/pulls/7`,
    ]);
  });

  it("retargets a PR whose base branch is no longer the default branch", async () => {
    const pr = { ...openPull("<!-- fp: plan-0.9.18 -->"), base: { ref: "master" } };
    findOpen([pr]);
    expectCommit(BASE);
    expectSwap(OLD_HEAD);
    gh()
      .patch(`${R}/pulls/7`)
      .reply(answer(200, {}, (body) => expect(body.base).toBe("main")));
    expect((await ensurePullRequest(octokit, REPO, input())).action).toBe("updated");
  });

  it("uses a PR the caller already found, and reads the base tree when not given", async () => {
    gh()
      .get(`${R}/git/commits/${BASE}`)
      .reply(200, { sha: BASE, tree: { sha: BASE_TREE } });
    expectCommit(BASE);
    expectSwap(NONE);
    gh().post(`${R}/pulls`).reply(201, { number: 7, html_url: PR_URL });
    const result = await ensurePullRequest(
      octokit,
      REPO,
      input({ pr: null, baseTreeSha: undefined }),
    );
    expect(result.action).toBe("created");
    expect(sent).toEqual([
      `GET ${R}/git/commits/${BASE}`,
      ...COMMIT_REQUESTS,
      SWAP,
      `POST ${R}/pulls`,
    ]);
  });

  it("opens a ready PR where drafts are not available, and says so", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE);
    gh()
      .post(`${R}/pulls`)
      .reply(answer(422, { message: "Draft pull requests are not supported in this repository." }))
      .post(`${R}/pulls`)
      .reply(
        answer(201, { number: 7, html_url: PR_URL }, (body) => expect(body.draft).toBe(false)),
      );
    const result = await ensurePullRequest(octokit, REPO, input({ draft: true }));
    expect(result.action).toBe("created");
    expect(result.warnings).toEqual([
      "draft pull requests are not available in this repository; opened a ready one",
    ]);
  });

  it("keeps the PR when a reviewer cannot be requested", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE);
    gh()
      .post(`${R}/pulls`)
      .reply(201, { number: 7, html_url: PR_URL })
      .post(`${R}/pulls/7/requested_reviewers`)
      .reply(
        answer(422, { message: "Reviews may only be requested from collaborators." }, (body) =>
          expect(body).toEqual({ reviewers: ["stranger"] }),
        ),
      );
    const result = await ensurePullRequest(octokit, REPO, input({ reviewers: ["stranger"] }));
    expect(result.action).toBe("created");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^could not request reviews from stranger: /);
  });

  it("a racing delivery that opened the PR first: ours becomes unchanged", async () => {
    findOpen([]);
    expectCommit(BASE);
    expectSwap(NONE);
    gh()
      .post(`${R}/pulls`)
      .reply(422, { message: "A pull request already exists for acme:uv-pin-bot/uv." });
    findOpen([openPull("<!-- fp: plan-0.9.18 -->")]);
    const result = await ensurePullRequest(octokit, REPO, input());
    expect(result).toMatchObject({ action: "unchanged", number: 7, headSha: NEW_COMMIT });
    expect(sent).toEqual([FIND, ...COMMIT_REQUESTS, SWAP, `POST ${R}/pulls`, FIND]);
  });

  it("reports other failures as they are", async () => {
    findOpen([]);
    expectCommit(BASE);
    gh().post("/graphql").reply(502, { message: "Bad Gateway" });
    await expect(ensurePullRequest(octokit, REPO, input())).rejects.toMatchObject({
      status: 502,
    });
  });
});

describe("commitFiles", () => {
  it("writes blobs, one tree, one commit, and nothing else", async () => {
    expectCommit(BASE, "msg");
    const sha = await commitFiles(octokit, REPO, {
      baseSha: BASE,
      baseTreeSha: BASE_TREE,
      files: input().files,
      message: "msg",
    });
    expect(sha).toBe(NEW_COMMIT);
    expect(sent).toEqual(COMMIT_REQUESTS);
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
