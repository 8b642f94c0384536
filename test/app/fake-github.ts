/**
 * A small, stateful GitHub behind nock for the app's tests: one `api.github.com` interceptor per
 * HTTP method routes every request to an in-memory model (installations, repositories with real
 * git objects, branches, pull requests, comments, reactions, check runs, permissions) and RECORDS
 * it (method, path, query, body, status, who asked). Tests assert on `requests` and on the state.
 *
 * What it models, as GitHub does:
 * - App auth: `GET /app` (slug `uv-pin-bot`, so the bot is `uv-pin-bot[bot]`),
 *   `GET /app/installations`, `POST /app/installations/{id}/access_tokens` (token
 *   `ghs_test_{id}`), `GET /installation/repositories`.
 * - Git data: blobs (git's own sha1), trees (flat per commit, `base_tree` honoured, recursive and
 *   flat listings, a truncated recursive root listing on request), commits (author and committer
 *   are the caller: the bot for installation tokens), refs (create: 422 "Reference already
 *   exists"; PATCH without `force` must fast-forward; DELETE of a missing ref: 422; GET of one).
 * - `GET /repos/{o}/{r}/branches/{b}`; `GET /repos/{o}/{r}/contents/{path}` (raw, from the default
 *   branch; 404 when the file or the repository is missing: that is how Probot's config plugin
 *   sees "no config", then it asks `{owner}/.github`).
 * - Pull requests: list (`head`, `state`), create (422 "A pull request already exists"), update,
 *   commits (the PR's commits: head back to the base branch), reviewers; issue numbers are shared
 *   with issues. A PR's head sha follows its branch while it is open.
 * - Comments (list, paginated by 100; create), reactions, labels, assignees, check runs,
 *   collaborator permission (unknown users: 404).
 *
 * - Conditional requests: every 200 GET answer has an ETag; `If-None-Match` with it → 304.
 *
 * An unknown route answers 501 and is recorded in `unhandled`; `assertDone()` fails on it, on
 * unconsumed `intercept()` overrides, on `hold()`s no request reached and on other pending nock
 * mocks. `UV_PIN_BOT_TEST_TRACE=1` prints every request to stderr.
 */
import { createHash } from "node:crypto";
import nock from "nock";
import {
  API,
  type CheckRun,
  type FakeComment,
  type FakePull,
  FakeRepo,
  type GitCommit,
  type RepoOptions,
  repoJson,
  type Tree,
} from "./fake-repo.js";

export * from "./fake-repo.js";

export const APP_SLUG = "uv-pin-bot";
export const BOT_LOGIN = `${APP_SLUG}[bot]`;
export const APP_ID = 123456;

export interface RecordedRequest {
  method: string;
  /** Decoded path without the query, e.g. `/repos/acme/app/git/trees/main`. */
  path: string;
  /** The path as sent (`%2F` kept), with the query. */
  url: string;
  query: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are JSON of any shape
  body: any;
  status: number;
  /** `app` (JWT), `installation:{id}`, or `none`. */
  auth: string;
  /** The repository a `/repos/{o}/{r}/…` request is about, `owner/repo` (lower case), else null. */
  repo: string | null;
  /** When it arrived (epoch ms, the real clock): for budgets over time windows. */
  at: number;
}

export interface FakeInstallation {
  id: number;
  account: string;
  repos: string[];
  /** What the installation granted (GitHub's names); `workflows` missing: workflow files refused. */
  permissions: Record<string, string>;
}

/** What an installation grants by default: everything app.yml asks for. */
export const DEFAULT_PERMISSIONS: Record<string, string> = {
  metadata: "read",
  contents: "write",
  pull_requests: "write",
  issues: "write",
  checks: "write",
  workflows: "write",
};

/** GitHub's committer for the commits it signs (the app's API commits among them). */
export const SIGNING_COMMITTER = "web-flow";

const NO_COMMIT = "0".repeat(40);

/** Requests GitHub counts as content-creating (secondary limits apply to them). */
export const isContentCreating = (r: { method: string; path: string }) =>
  r.method !== "GET" &&
  (/\/git\/(blobs|trees|commits|refs)/.test(r.path) ||
    /\/(pulls|comments|labels|assignees|requested_reviewers|reactions|check-runs)$/.test(r.path) ||
    /\/(pulls|issues)\/\d+$/.test(r.path) ||
    r.path === "/graphql");

export type Reply = [number, unknown] | [number, unknown, Record<string, string>];

export interface Hold {
  /** Resolves when the held request has arrived (its answer is computed, not yet sent). */
  reached: Promise<RecordedRequest>;
  /** Sends the answer. */
  release(): void;
}

interface HoldState extends Hold {
  released: Promise<void>;
  arrive(r: RecordedRequest): void;
  match(method: string, path: string): boolean;
  used: boolean;
}

export interface Override {
  method: string;
  /** Matched against the decoded path (no query). */
  path: string | RegExp;
  /** How many requests it answers (default 1). */
  times?: number;
  /** The answer; one that throws fails the request on the network (e.g. `ECONNREFUSED`). */
  reply: (request: RecordedRequest) => Reply;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly unhandled: RecordedRequest[] = [];
  readonly installations = new Map<number, FakeInstallation>();
  readonly repos = new Map<string, FakeRepo>();
  private readonly overrides: (Override & { left: number })[] = [];
  private readonly holds: HoldState[] = [];
  private counter = 1000;
  private readonly scope: nock.Scope | undefined;
  private readonly ownMocks: Set<string>;

  /**
   * `intercept: false`: no nock interceptors; requests come through `serve()` (over loopback
   * HTTP, see github-http.ts), for processes nock cannot reach and for the sweep benchmark.
   */
  constructor(
    private readonly now: () => Date,
    options: { intercept?: boolean } = {},
  ) {
    if (options.intercept === false) {
      this.scope = undefined;
      this.ownMocks = new Set();
      return;
    }
    const self = this;
    const scope = nock(API).persist();
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      // The callback form: an answer that throws fails the request as a socket error would.
      scope.intercept(/.*/, method).reply(function (uri, body, callback) {
        const headers = this.req.headers as Record<string, string | string[] | undefined>;
        Promise.resolve()
          .then(() => self.handle(method, uri, body, headers))
          .then(
            (reply) => callback(null, reply as nock.ReplyFnResult),
            (error: Error) => callback(error, [0, ""]),
          );
      });
    }
    this.scope = scope;
    this.ownMocks = new Set(scope.pendingMocks());
  }

  /**
   * One request as GitHub would answer it (recorded like the intercepted ones): `uri` is the
   * path with its query, `body` the raw text. `[status, json, headers?]`.
   */
  serve(
    method: string,
    uri: string,
    body: string,
    headers: Record<string, string | string[] | undefined>,
  ): Reply | Promise<Reply> {
    return this.handle(method, uri, body, headers);
  }

  nextId(): number {
    return ++this.counter;
  }

  timestamp(): string {
    return this.now().toISOString();
  }

  /** An installation of the app on `account`, with access to `repos` (names). */
  addInstallation(
    id: number,
    account: string,
    repos: string[] = [],
    permissions: Record<string, string> = DEFAULT_PERMISSIONS,
  ): FakeInstallation {
    const installation = { id, account, repos: [...repos], permissions: { ...permissions } };
    this.installations.set(id, installation);
    return installation;
  }

  /** A repository (files on its default branch); added to the owner's installations. */
  addRepo(fullName: string, options: RepoOptions = {}): FakeRepo {
    const [owner, name] = fullName.split("/") as [string, string];
    const repo = new FakeRepo(this, this.nextId(), owner, name, options);
    this.repos.set(fullName.toLowerCase(), repo);
    for (const inst of this.installations.values())
      if (inst.account.toLowerCase() === owner.toLowerCase() && !inst.repos.includes(name))
        inst.repos.push(name);
    return repo;
  }

  repo(fullName: string): FakeRepo {
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  /** Answers the next matching request(s) instead of the model; must be used up (`assertDone`). */
  intercept(override: Override): void {
    this.overrides.push({ ...override, left: override.times ?? 1 });
  }

  /**
   * Holds the ANSWER to the next matching request until `release()`: the model's state is read
   * (and changed) when the request arrives, the caller sees the answer later, as over a slow
   * network. `reached` resolves when the request has arrived. For deterministic races.
   */
  hold(method: string, path: string | RegExp): Hold {
    let arrived!: (r: RecordedRequest) => void;
    let release!: () => void;
    const hold: HoldState = {
      reached: new Promise<RecordedRequest>((resolve) => {
        arrived = resolve;
      }),
      released: new Promise<void>((resolve) => {
        release = resolve;
      }),
      release: () => release(),
      match: (m, p) => m === method && (typeof path === "string" ? p === path : path.test(p)),
      used: false,
      arrive: (r) => arrived(r),
    };
    this.holds.push(hold);
    return hold;
  }

  /**
   * GitHub's secondary rate limit: the next `times` content-creating requests (blobs, trees,
   * commits, refs, pull requests, comments, GraphQL mutations) answer 403 "You have exceeded a
   * secondary rate limit" with `retry-after: {retryAfter}` (seconds), and change nothing.
   */
  secondaryLimit(times: number, retryAfter = 1): void {
    this.limited += times;
    this.retryAfter = retryAfter;
  }
  private limited = 0;
  private retryAfter = 1;

  /**
   * Holds the answer to every request that changes something (anything but GET, installation
   * tokens aside) for `ms` milliseconds, as a slow GitHub would, and records how many of one
   * installation's were in flight at once (`maxWritesInFlight`).
   */
  slowWrites(ms: number): void {
    this.writeDelay = ms;
  }
  /** The most writes of one token (`installation:{id}`) that were in flight at once. */
  readonly maxWritesInFlight = new Map<string, number>();
  private writeDelay = 0;
  private readonly writesInFlight = new Map<string, number>();

  /** Requests about one repository (`owner/repo`). */
  requestsFor(fullName: string): RecordedRequest[] {
    return this.requests.filter((r) => r.repo === fullName.toLowerCase());
  }

  /** Forgets the recorded requests (state stays), e.g. between the steps of a scenario. */
  reset(): void {
    this.requests.length = 0;
    this.unhandled.length = 0;
  }

  /** Fails on unknown routes, unconsumed overrides and other pending nock mocks. */
  assertDone(): void {
    const problems: string[] = [];
    for (const r of this.unhandled) problems.push(`unhandled request: ${r.method} ${r.url}`);
    for (const o of this.overrides)
      if (o.left > 0) problems.push(`unused override: ${o.method} ${String(o.path)}`);
    for (const x of this.holds) if (!x.used) problems.push("a hold() that no request reached");
    for (const f of this.mutationFailures)
      if (f.left > 0) problems.push(`unused failMutation: ${f.name}`);
    if (this.scope)
      for (const m of nock.pendingMocks())
        if (!this.ownMocks.has(m)) problems.push(`pending nock mock: ${m}`);
    if (problems.length) throw new Error(problems.join("\n"));
  }

  /** Removes the interceptors. */
  close(): void {
    if (!this.scope) return;
    this.scope.persist(false);
    nock.removeInterceptor({ hostname: "api.github.com", proto: "https", port: "443" } as never);
  }

  // --- routing ---------------------------------------------------------------------------------

  private handle(
    method: string,
    uri: string,
    rawBody: unknown,
    headers: Record<string, string | string[] | undefined>,
  ): Reply | Promise<Reply> {
    const url = new URL(uri, API);
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    let body: unknown = rawBody;
    if (typeof rawBody === "string" && rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const auth = authOf(String(headers.authorization ?? ""));
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)/.exec(path);
    const record: RecordedRequest = {
      method,
      path,
      url: url.pathname + url.search,
      query,
      body: body === "" ? undefined : body,
      status: 0,
      auth,
      repo: repoMatch ? `${repoMatch[1]}/${repoMatch[2]}`.toLowerCase() : null,
      at: Date.now(),
    };
    this.requests.push(record);
    if (process.env.UV_PIN_BOT_TEST_TRACE)
      process.stderr.write(`fake GitHub: ${method} ${url.pathname}${url.search}\n`);
    let reply: Reply;
    const override = this.overrides.find(
      (o) =>
        o.left > 0 &&
        o.method === method &&
        (typeof o.path === "string" ? o.path === path : o.path.test(path)),
    );
    if (override) {
      override.left--;
      reply = override.reply(record);
    } else if (this.limited > 0 && isContentCreating(record)) {
      this.limited--;
      reply = [
        403,
        {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        },
        { "retry-after": String(this.retryAfter) },
      ];
    } else {
      try {
        reply = this.route(record, url.pathname) ?? this.notHandled(record);
      } catch (error) {
        reply = [500, { message: error instanceof Error ? error.message : String(error) }];
      }
    }
    reply = this.conditional(method, headers, reply);
    record.status = reply[0];
    if (this.writeDelay > 0 && method !== "GET" && !/\/access_tokens$/.test(path)) {
      const now = (this.writesInFlight.get(auth) ?? 0) + 1;
      this.writesInFlight.set(auth, now);
      this.maxWritesInFlight.set(auth, Math.max(now, this.maxWritesInFlight.get(auth) ?? 0));
      return new Promise<Reply>((resolve) =>
        setTimeout(() => {
          this.writesInFlight.set(auth, (this.writesInFlight.get(auth) ?? 1) - 1);
          resolve(reply);
        }, this.writeDelay),
      );
    }
    const hold = this.holds.find((x) => !x.used && x.match(method, path));
    if (hold) {
      hold.used = true;
      hold.arrive(record);
      return hold.released.then(() => reply);
    }
    return reply;
  }

  /**
   * As GitHub: every 200 answer to a GET carries an ETag (a hash of what it returns), and a GET
   * whose `If-None-Match` names the current one is answered 304 with no body. (GitHub does not
   * count 304s against the rate limit: `notModified` counts them.)
   */
  private conditional(
    method: string,
    headers: Record<string, string | string[] | undefined>,
    reply: Reply,
  ): Reply {
    if (method !== "GET" || reply[0] !== 200) return reply;
    const body = typeof reply[1] === "string" ? reply[1] : JSON.stringify(reply[1]);
    const etag = `W/"${createHash("sha1").update(body).digest("hex")}"`;
    const asked = headers["if-none-match"];
    const tags = (Array.isArray(asked) ? asked.join(",") : (asked ?? "")).split(/\s*,\s*/);
    if (tags.includes(etag)) {
      this.notModified++;
      return [304, "", { etag }];
    }
    return [reply[0], reply[1], { ...(reply[2] ?? {}), etag }];
  }

  /** 304 answers given (GitHub does not count them against the rate limit). */
  notModified = 0;

  private notHandled(record: RecordedRequest): Reply {
    this.unhandled.push(record);
    return [501, { message: `fake GitHub: no route for ${record.method} ${record.url}` }];
  }

  private caller(record: RecordedRequest): string {
    return record.auth.startsWith("installation:") ? BOT_LOGIN : "octocat";
  }

  private installationOf(record: RecordedRequest): FakeInstallation | undefined {
    if (!record.auth.startsWith("installation:")) return undefined;
    return this.installations.get(Number(record.auth.split(":")[1]));
  }

  /**
   * As GitHub: an installation token reaches only its installation's repositories (another
   * repository is "Not Found", as if it did not exist); an unknown token is 401.
   */
  private denied(record: RecordedRequest, repo: FakeRepo): Reply | null {
    if (!record.auth.startsWith("installation:")) return null;
    const inst = this.installationOf(record);
    if (!inst) return [401, { message: "Bad credentials" }];
    const reachable =
      inst.account.toLowerCase() === repo.owner.toLowerCase() &&
      inst.repos.some((n) => n.toLowerCase() === repo.name.toLowerCase());
    return reachable ? null : [404, { message: "Not Found" }];
  }

  /**
   * As GitHub: without `workflows: write` an app may not push a commit that changes a file under
   * `.github/workflows/` (the commits between the branch's old head and the new one are checked).
   */
  private workflowRefusal(
    record: RecordedRequest,
    repo: FakeRepo,
    before: string | null,
    after: string,
  ): string | null {
    const inst = this.installationOf(record);
    if (!inst || inst.permissions.workflows === "write") return null;
    const known = [...repo.branches.values()];
    for (const c of repo.commitsBetween(before ?? known[0] ?? "", after)) {
      const tree = repo.trees.get(c.tree) ?? new Map();
      const parent = c.parents[0] ? repo.treeAt(c.parents[0]) : new Map();
      const paths = new Set([...tree.keys(), ...(parent?.keys() ?? [])]);
      for (const path of paths) {
        if (!path.startsWith(".github/workflows/")) continue;
        if (tree.get(path)?.sha !== parent?.get(path)?.sha)
          return `refusing to allow a GitHub App to create or update workflow \`${path}\` without \`workflows\` permission`;
      }
    }
    return null;
  }

  /**
   * GraphQL mutations as the app sends them: `updateRefs` (compare-and-swap ref updates, all or
   * nothing), `createPullRequest`, `updatePullRequest`, `createCheckRun`, several in one
   * document (each with an alias), run in order. A failing mutation does not stop the ones after
   * it (the worst case GitHub may show): each answers or fails on its own (`errors[].path`).
   */
  private graphql(r: RecordedRequest): Reply {
    const b = (r.body ?? {}) as { query?: string; variables?: Record<string, unknown> };
    const query = String(b.query ?? "");
    const vars = b.variables ?? {};
    const fields = [
      ...query.matchAll(
        /(?:(\w+)\s*:\s*)?\b(updateRefs|createPullRequest|updatePullRequest|createCheckRun)\s*\(\s*input:\s*(\$\w+|\{[^}]*\})/g,
      ),
    ];
    if (fields.length === 0) return this.notHandled(r);
    const repo = [...this.repos.values()].find((x) => `R_${x.id}` === vars.repositoryId);
    if (!repo)
      return [
        200,
        {
          data: null,
          errors: [
            {
              type: "NOT_FOUND",
              message: `Could not resolve to a node with the global id of '${String(vars.repositoryId)}'`,
            },
          ],
        },
      ];
    r.repo = repo.fullName.toLowerCase();
    const denied = this.denied(r, repo);
    if (denied?.[0] === 401) return denied;
    const data: Record<string, unknown> = {};
    const errors: { type: string; message: string; path: string[] }[] = [];
    for (const f of fields) {
      const name = f[2] as string;
      const alias = f[1] ?? name;
      const arg = f[3] as string;
      const input = (arg.startsWith("$") ? vars[arg.slice(1)] : vars) as Record<string, unknown>;
      const answer = denied
        ? { error: "Resource not accessible by integration", type: "FORBIDDEN" }
        : this.mutation(r, repo, name, input ?? {});
      if ("error" in answer) {
        data[alias] = null;
        errors.push({ type: answer.type, message: answer.error, path: [alias] });
      } else data[alias] = answer.data;
    }
    return [200, errors.length ? { data, errors } : { data }];
  }

  /**
   * Rules GitHub enforces on top of the model: `signedCommitsRequired` (a ruleset: a ref update to
   * an unsigned commit is refused); `signsAppCommits` (false: GitHub leaves the app's API commits
   * unsigned, `verification.verified: false`, the app as committer).
   */
  readonly rules = { signedCommitsRequired: false, signsAppCommits: true };

  /**
   * The next `times` GraphQL mutations `name` (e.g. `createPullRequest`) fail with `message`,
   * changing nothing; the document's other mutations still run. Must be used up (`assertDone`).
   */
  failMutation(name: string, message: string, times = 1): void {
    this.mutationFailures.push({ name, message, left: times });
  }
  private readonly mutationFailures: { name: string; message: string; left: number }[] = [];

  private mutation(
    r: RecordedRequest,
    repo: FakeRepo,
    name: string,
    input: Record<string, unknown>,
  ): { data: unknown } | { error: string; type: string } {
    const fail = (error: string, type = "UNPROCESSABLE") => ({ error, type });
    const failure = this.mutationFailures.find((f) => f.left > 0 && f.name === name);
    if (failure) {
      failure.left--;
      return fail(failure.message, "INTERNAL");
    }
    if (name === "updateRefs") {
      const updates = (input.refUpdates ?? []) as {
        name: string;
        beforeOid?: string;
        afterOid: string;
        force?: boolean;
      }[];
      // Checked first, applied after: all or nothing.
      for (const u of updates) {
        const ref = u.name.replace(/^refs\/heads\//, "");
        const current = repo.branches.get(ref) ?? null;
        if (u.beforeOid !== undefined && u.beforeOid !== (current ?? NO_COMMIT))
          return fail(`${u.name} is at ${current ?? NO_COMMIT} but expected ${u.beforeOid}`);
        if (u.afterOid === NO_COMMIT) continue;
        const commit = repo.commits.get(u.afterOid);
        if (!commit) return fail(`Object ${u.afterOid} does not exist`);
        if (!u.force && current && repo.commitsBetween(u.afterOid, current).length > 0)
          return fail(`${u.name}: update is not a fast forward`);
        const refused = this.workflowRefusal(r, repo, current, u.afterOid);
        if (refused) return fail(refused, "FORBIDDEN");
        if (this.rules.signedCommitsRequired && commit.committer !== SIGNING_COMMITTER)
          return fail(
            `Repository rule violations found\n\nCommits must have verified signatures.\n\n`,
          );
      }
      for (const u of updates) {
        const ref = u.name.replace(/^refs\/heads\//, "");
        if (u.afterOid === NO_COMMIT) repo.branches.delete(ref);
        else repo.branches.set(ref, u.afterOid);
      }
      return { data: { clientMutationId: null } };
    }
    if (name === "createPullRequest") {
      const reply = this.route(
        {
          ...r,
          method: "POST",
          path: `/repos/${repo.fullName}/pulls`,
          body: {
            head: input.headRefName,
            base: input.baseRefName,
            title: input.title,
            body: input.body,
            draft: input.draft,
          },
        },
        `/repos/${repo.fullName}/pulls`,
      );
      if (reply === null || reply[0] !== 201) return fail(messageOf(reply));
      const pr = reply[1] as { number: number; html_url: string; node_id: string };
      return { data: { pullRequest: { id: pr.node_id, number: pr.number, url: pr.html_url } } };
    }
    if (name === "updatePullRequest") {
      const pr = repo.pulls.find((p) => pullNodeId(p.number) === input.pullRequestId);
      if (!pr)
        return fail(
          `Could not resolve to a PullRequest with the id of '${String(input.pullRequestId)}'`,
          "NOT_FOUND",
        );
      if (typeof input.title === "string") pr.title = input.title;
      if (typeof input.body === "string") pr.body = input.body;
      if (typeof input.baseRefName === "string") pr.baseRef = input.baseRefName;
      pr.updatedAt = this.timestamp();
      return { data: { pullRequest: { id: input.pullRequestId } } };
    }
    // createCheckRun
    const output = (input.output ?? {}) as CheckRun["output"];
    const run: CheckRun = {
      id: this.nextId(),
      name: String(input.name),
      head_sha: String(input.headSha),
      status: String(input.status ?? "QUEUED").toLowerCase(),
      conclusion: typeof input.conclusion === "string" ? input.conclusion.toLowerCase() : null,
      output,
    };
    repo.checkRuns.push(run);
    return { data: { checkRun: { id: `CR_${run.id}` } } };
  }

  private route(r: RecordedRequest, rawPath: string): Reply | null {
    const { method, path } = r;
    const b = (r.body ?? {}) as Record<string, unknown>;
    // --- app-level
    if (method === "GET" && path === "/app")
      return [200, { id: APP_ID, slug: APP_SLUG, name: "uv-pin-bot", owner: { login: "acme" } }];
    if (method === "GET" && path === "/app/installations")
      return [
        200,
        [...this.installations.values()].map((i) => ({
          id: i.id,
          account: { login: i.account, type: "Organization" },
          app_id: APP_ID,
        })),
      ];
    let m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === "POST" && m) {
      const id = Number(m[1]);
      if (!this.installations.has(id)) return [404, { message: "Not Found" }];
      return [
        201,
        {
          token: `ghs_test_${id}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: this.installations.get(id)?.permissions,
          repository_selection: "selected",
        },
      ];
    }
    if (method === "GET" && path === "/installation/repositories") {
      const inst = this.installations.get(Number(r.auth.split(":")[1]));
      if (!inst) return [401, { message: "Bad credentials" }];
      const repos = inst.repos.map((n) => this.repos.get(`${inst.account}/${n}`.toLowerCase()));
      const all = repos.filter((x): x is FakeRepo => x !== undefined);
      // Paginated as GitHub does (30 by default, at most 100, `link: rel="next"`).
      const perPage = Math.min(100, Number(r.query.per_page ?? 30));
      const page = Number(r.query.page ?? 1);
      const list = all.slice((page - 1) * perPage, page * perPage).map(repoJson);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length)
        headers.link = `<${API}/installation/repositories?per_page=${perPage}&page=${page + 1}>; rel="next"`;
      return [200, { total_count: all.length, repositories: list }, headers];
    }

    if (method === "POST" && path === "/graphql") return this.graphql(r);

    // --- repository-level
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return null;
    const repo = this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
    const rest = m[3] ?? "";
    if (!repo)
      return r.auth === "none"
        ? [401, { message: "Requires authentication" }]
        : [404, { message: "Not Found" }];
    const denied = this.denied(r, repo);
    if (denied) return denied;
    if (method === "GET" && rest === "") return [200, repoJson(repo)];

    // contents (Probot's config plugin): raw text from the default branch
    m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(rawPath);
    if (method === "GET" && m) {
      const text = repo.branches.has(repo.defaultBranch)
        ? repo.file(decodeURIComponent(m[1] as string), r.query.ref ?? repo.defaultBranch)
        : null;
      if (text === null) return [404, { message: "Not Found" }];
      return [200, text, { "content-type": "text/plain; charset=utf-8" }];
    }

    m = /^\/git\/trees\/(.+)$/.exec(rest);
    if (method === "GET" && m) {
      if (repo.branches.size === 0) return [409, { message: "Git Repository is empty." }];
      const listing = repo.listTree(m[1] as string, r.query.recursive !== undefined);
      return listing ? [200, listing] : [404, { message: "Not Found" }];
    }
    m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest);
    if (method === "GET" && m) {
      const bytes = repo.blobs.get(m[1] as string);
      if (!bytes) return [404, { message: "Not Found" }];
      return [
        200,
        { sha: m[1], size: bytes.length, encoding: "base64", content: base64Lines(bytes) },
      ];
    }
    m = /^\/branches\/(.+)$/.exec(rest);
    if (method === "GET" && m) {
      const sha = repo.branches.get(m[1] as string);
      const commit = sha ? repo.commits.get(sha) : undefined;
      if (!commit) return [404, { message: "Branch not found" }];
      return [
        200,
        {
          name: m[1],
          commit: {
            sha: commit.sha,
            commit: { tree: { sha: commit.tree }, message: commit.message },
          },
          protected: false,
        },
      ];
    }
    m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest);
    if (method === "GET" && m) {
      const commit = repo.commits.get(m[1] as string);
      return commit ? [200, gitCommitJson(commit)] : [404, { message: "Not Found" }];
    }
    if (method === "POST" && rest === "/git/blobs") {
      if (b.encoding !== "base64" && b.encoding !== "utf-8")
        return [422, { message: "bad encoding" }];
      const bytes = Buffer.from(String(b.content), b.encoding === "base64" ? "base64" : "utf8");
      return [201, { sha: repo.putBlob(bytes), url: "" }];
    }
    if (method === "POST" && rest === "/git/trees") {
      const base = b.base_tree ? repo.treeAt(String(b.base_tree)) : new Map();
      if (!base) return [422, { message: "Invalid tree info" }];
      const tree: Tree = new Map(base);
      for (const e of (b.tree ?? []) as {
        path: string;
        mode: string;
        sha?: string | null;
        content?: string;
      }[]) {
        if (e.sha === null) tree.delete(e.path);
        else if (e.content !== undefined)
          tree.set(e.path, { mode: e.mode, sha: repo.putBlob(Buffer.from(e.content, "utf8")) });
        else if (e.sha && repo.blobs.has(e.sha)) tree.set(e.path, { mode: e.mode, sha: e.sha });
        else return [422, { message: "Invalid tree info" }];
      }
      const sha = repo.putTree(tree);
      return [201, { sha, tree: [], truncated: false }];
    }
    if (method === "POST" && rest === "/git/commits") {
      const tree = String(b.tree);
      const parents = (b.parents ?? []) as string[];
      if (!repo.trees.has(tree) || parents.some((p) => !repo.commits.has(p)))
        return [422, { message: "Tree SHA does not exist / Parent SHA does not exist" }];
      // GitHub signs the app's API commits (no author/committer given): itself as the committer.
      const signed =
        this.rules.signsAppCommits &&
        r.auth.startsWith("installation:") &&
        !b.author &&
        !b.committer;
      const commit = repo.putCommit({
        tree,
        parents,
        message: String(b.message),
        author: this.caller(r),
        committer: signed ? SIGNING_COMMITTER : this.caller(r),
      });
      return [201, gitCommitJson(commit)];
    }
    if (method === "POST" && rest === "/git/refs") {
      const ref = String(b.ref).replace(/^refs\/heads\//, "");
      if (repo.branches.has(ref)) return [422, { message: "Reference already exists" }];
      if (!repo.commits.has(String(b.sha))) return [422, { message: "Object does not exist" }];
      const refused = this.workflowRefusal(r, repo, null, String(b.sha));
      if (refused) return [422, { message: refused }];
      repo.branches.set(ref, String(b.sha));
      return [201, refJson(repo, ref)];
    }
    m = /^\/git\/refs?\/heads\/(.+)$/.exec(rest);
    if (m && method === "GET") {
      return repo.branches.has(m[1] as string)
        ? [200, refJson(repo, m[1] as string)]
        : [404, { message: "Not Found" }];
    }
    m = /^\/git\/refs\/heads\/(.+)$/.exec(rest);
    if (m && (method === "PATCH" || method === "DELETE")) {
      const ref = m[1] as string;
      if (!repo.branches.has(ref)) return [422, { message: "Reference does not exist" }];
      if (method === "DELETE") {
        repo.branches.delete(ref);
        return [204, ""];
      }
      const sha = String(b.sha);
      if (!repo.commits.has(sha)) return [422, { message: "Object does not exist" }];
      const old = repo.branches.get(ref) as string;
      // Without `force` only a fast-forward: the old head must be an ancestor of the new one.
      if (!b.force && repo.commitsBetween(sha, old).length > 0)
        return [422, { message: "Update is not a fast forward" }];
      const refused = this.workflowRefusal(r, repo, old, sha);
      if (refused) return [422, { message: refused }];
      repo.branches.set(ref, sha);
      return [200, refJson(repo, ref)];
    }

    // --- pull requests
    if (method === "GET" && rest === "/pulls") {
      const state = r.query.state ?? "open";
      const head = r.query.head;
      const list = repo.pulls
        .filter((p) => state === "all" || p.state === state)
        .filter((p) => !head || head === `${repo.owner}:${p.headRef}`)
        .sort((x, y) => (x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : 0));
      return [200, list.map((p) => this.pullJson(repo, p))];
    }
    if (method === "POST" && rest === "/pulls") {
      const head = String(b.head);
      if (!repo.branches.has(head))
        return [
          422,
          { message: "Validation Failed", errors: [{ field: "head", code: "invalid" }] },
        ];
      if (repo.pulls.some((p) => p.state === "open" && p.headRef === head))
        return [
          422,
          {
            message: `Validation Failed: A pull request already exists for ${repo.owner}:${head}.`,
          },
        ];
      const now = this.timestamp();
      const pr: FakePull = {
        number: repo.nextNumber++,
        title: String(b.title),
        body: String(b.body ?? ""),
        state: "open",
        merged: false,
        mergedAt: null,
        closedAt: null,
        draft: b.draft === true,
        headRef: head,
        frozenHead: null,
        baseRef: String(b.base),
        user: this.caller(r),
        labels: [],
        assignees: [],
        reviewers: [],
        createdAt: now,
        updatedAt: now,
      };
      repo.pulls.push(pr);
      return [201, this.pullJson(repo, pr)];
    }
    m = /^\/pulls\/(\d+)(\/.*)?$/.exec(rest);
    if (m) {
      const pr = repo.pulls.find((p) => p.number === Number(m?.[1]));
      if (!pr) return [404, { message: "Not Found" }];
      const sub = m[2] ?? "";
      if (method === "GET" && sub === "") return [200, this.pullJson(repo, pr)];
      if (method === "PATCH" && sub === "") {
        if (typeof b.title === "string") pr.title = b.title;
        if (typeof b.body === "string") pr.body = b.body;
        if (typeof b.base === "string") pr.baseRef = b.base;
        if (b.state === "closed" && pr.state === "open") repo.closePull(pr.number);
        pr.updatedAt = this.timestamp();
        return [200, this.pullJson(repo, pr)];
      }
      if (method === "GET" && sub === "/commits") {
        const base = repo.branches.get(pr.baseRef) ?? "";
        const perPage = Number(r.query.per_page ?? 30);
        const commits = repo.commitsBetween(base, repo.pullHead(pr)).slice(0, perPage);
        return [200, commits.map((c) => commitJson(repo, c))];
      }
      if (method === "POST" && sub === "/requested_reviewers") {
        pr.reviewers.push(...((b.reviewers ?? []) as string[]));
        return [201, this.pullJson(repo, pr)];
      }
    }

    // --- issues: comments, labels, assignees, reactions
    m = /^\/issues\/(\d+)\/(comments|labels|assignees)$/.exec(rest);
    if (m) {
      const number = Number(m[1]);
      const exists =
        repo.issues.some((i) => i.number === number) || repo.pulls.some((p) => p.number === number);
      if (!exists) return [404, { message: "Not Found" }];
      const what = m[2];
      if (what === "comments" && method === "GET") {
        const all = repo.comments.filter((c) => c.issue === number);
        const perPage = Number(r.query.per_page ?? 30);
        const page = Number(r.query.page ?? 1);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length)
          headers.link = `<${API}/repos/${repo.fullName}/issues/${number}/comments?per_page=${perPage}&page=${page + 1}>; rel="next"`;
        return [200, slice.map((c) => commentJson(repo, c)), headers];
      }
      if (what === "comments" && method === "POST") {
        const comment: FakeComment = {
          id: this.nextId(),
          issue: number,
          body: String(b.body),
          user: r.auth.startsWith("installation:")
            ? { login: BOT_LOGIN, type: "Bot" }
            : { login: "octocat", type: "User" },
          createdAt: this.timestamp(),
        };
        repo.comments.push(comment);
        return [201, commentJson(repo, comment)];
      }
      const pr = repo.pulls.find((p) => p.number === number);
      if (what === "labels" && method === "POST") {
        pr?.labels.push(...((b.labels ?? []) as string[]));
        return [200, (pr?.labels ?? []).map((name) => ({ name }))];
      }
      if (what === "assignees" && method === "POST") {
        pr?.assignees.push(...((b.assignees ?? []) as string[]));
        return [201, { number }];
      }
    }
    m = /^\/issues\/(\d+)$/.exec(rest);
    if (method === "PATCH" && m) {
      const number = Number(m[1]);
      const pr = repo.pulls.find((p) => p.number === number);
      const issue = repo.issues.find((i) => i.number === number);
      if (!pr && !issue) return [404, { message: "Not Found" }];
      if (pr && Array.isArray(b.labels)) pr.labels = [...(b.labels as string[])];
      if (pr && Array.isArray(b.assignees)) pr.assignees = [...(b.assignees as string[])];
      if (pr && typeof b.body === "string") pr.body = b.body;
      return [200, { number, labels: (pr?.labels ?? []).map((name) => ({ name })) }];
    }
    m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest);
    if (method === "POST" && m) {
      const reaction = { commentId: Number(m[1]), content: String(b.content) };
      repo.reactions.push(reaction);
      return [201, { id: this.nextId(), content: reaction.content }];
    }
    m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest);
    if (method === "GET" && m) {
      const role = repo.permissions.get(m[1] as string);
      if (!role) return [404, { message: "Not Found" }];
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return [200, { permission, role_name: role, user: { login: m[1] } }];
    }
    if (method === "POST" && rest === "/check-runs") {
      const run: CheckRun = {
        id: this.nextId(),
        name: String(b.name),
        head_sha: String(b.head_sha),
        status: String(b.status ?? "queued"),
        conclusion: (b.conclusion as string | undefined) ?? null,
        output: b.output as CheckRun["output"],
      };
      repo.checkRuns.push(run);
      return [201, { ...run, html_url: `${repo.htmlUrl}/runs/${run.id}` }];
    }
    return null;
  }

  private pullJson(repo: FakeRepo, p: FakePull) {
    return {
      number: p.number,
      node_id: pullNodeId(p.number),
      id: p.number + 5_000_000,
      html_url: `${repo.htmlUrl}/pull/${p.number}`,
      url: `${API}/repos/${repo.fullName}/pulls/${p.number}`,
      title: p.title,
      body: p.body,
      state: p.state,
      draft: p.draft,
      merged: p.merged,
      merged_at: p.mergedAt,
      closed_at: p.closedAt,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      user: { login: p.user, type: p.user.endsWith("[bot]") ? "Bot" : "User" },
      labels: p.labels.map((name) => ({ name })),
      head: {
        ref: p.headRef,
        sha: repo.pullHead(p),
        label: `${repo.owner}:${p.headRef}`,
        repo: repoJson(repo),
      },
      base: {
        ref: p.baseRef,
        sha: repo.branches.get(p.baseRef) ?? "",
        label: `${repo.owner}:${p.baseRef}`,
        repo: repoJson(repo),
      },
    };
  }
}

/** A pull request's GraphQL node id in the fake (per repository numbers; the tests use one). */
const pullNodeId = (number: number) => `PR_${number}`;

function messageOf(reply: Reply | null): string {
  const body = reply?.[1] as { message?: string } | undefined;
  return body?.message ?? "fake GitHub: refused";
}

function authOf(header: string): string {
  const token = /^token ghs_test_(\d+)$/i.exec(header);
  if (token) return `installation:${token[1]}`;
  if (/^bearer /i.test(header)) return "app";
  return "none";
}

function base64Lines(bytes: Buffer): string {
  const all = bytes.toString("base64");
  return `${all.match(/.{1,60}/g)?.join("\n") ?? ""}\n`;
}

function gitCommitJson(c: GitCommit) {
  return {
    sha: c.sha,
    tree: { sha: c.tree },
    parents: c.parents.map((sha) => ({ sha })),
    message: c.message,
    author: { name: c.author ?? "someone", email: "someone@example.com", date: "" },
    committer: { name: c.committer ?? "someone", email: "someone@example.com", date: "" },
    verification: {
      verified: c.committer === SIGNING_COMMITTER,
      reason: c.committer === SIGNING_COMMITTER ? "valid" : "unsigned",
    },
  };
}

function commitJson(repo: FakeRepo, c: GitCommit) {
  const user = (login: string | null) =>
    login === null ? null : { login, type: login.endsWith("[bot]") ? "Bot" : "User" };
  return {
    sha: c.sha,
    html_url: `${repo.htmlUrl}/commit/${c.sha}`,
    commit: gitCommitJson(c),
    parents: c.parents.map((sha) => ({ sha })),
    author: user(c.author),
    committer: user(c.committer),
  };
}

function commentJson(repo: FakeRepo, c: FakeComment) {
  return {
    id: c.id,
    html_url: `${repo.htmlUrl}/issues/${c.issue}#issuecomment-${c.id}`,
    body: c.body,
    user: c.user,
    created_at: c.createdAt,
  };
}

function refJson(repo: FakeRepo, ref: string) {
  return {
    ref: `refs/heads/${ref}`,
    object: { sha: repo.branches.get(ref), type: "commit" },
    url: `${API}/repos/${repo.fullName}/git/refs/heads/${ref}`,
  };
}
