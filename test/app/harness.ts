/**
 * The app under test, end to end over HTTP: the REAL Probot `Server` listening on 127.0.0.1 (a
 * free port), `createApp()` loaded into it, webhook deliveries signed (`X-Hub-Signature-256`) by
 * `@octokit/webhooks`' own `sign` and POSTed to `/api/github/webhooks`, payloads built from
 * `@octokit/webhooks-examples`, GitHub's API answered by a stateful fake under nock
 * (fake-github.ts: every request recorded), and uv's upstreams as in-memory fakes with real
 * Sigstore bundles (fake-upstreams.ts).
 *
 * ```ts
 * const h = await startApp({ now: () => NOW });
 * const repo = h.github.addRepo("acme/app", { files: { Dockerfile: "…" }, permissions: { alice: "write" } });
 * h.upstreams.publish("0.9.18");
 * const issue = repo.openIssue();
 * expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
 * expect(h.github.requests.filter(isGitWrite)).toHaveLength(3); // tree, commit, one GraphQL document
 * await finish(h); // h.github.assertDone(), then h.stop() (a file's afterEach: `afterEach(() => finish(h))`)
 * ```
 *
 * - `h.send(event, payload, { id, secret })` → HTTP status, after Probot ran the handlers;
 *   `h.comment(repo, n, body, { user, userType, installationId })`; `h.sweep()`; `h.post(path)`.
 * - Payloads: `issueCommentPayload`, `installationCreatedPayload`,
 *   `installationRepositoriesAddedPayload`, `pullRequestClosedPayload`, or `example(name, action)`.
 * - GitHub: `h.github.requests` (method, path, query, body, status, auth, repo), `reset()`,
 *   `requestsFor("owner/repo")`, `intercept()` (a one-off answer, e.g. a 500), `hold()` (answer
 *   later, for races), `assertDone()`; state in `h.github.repo("owner/repo")` (fake-repo.ts).
 * - Upstreams: `h.upstreams.publish(version, { daysAgo, notes, tags })`, `unattested`,
 *   `releasesDown`, `digestOf(tag)`, `calls`.
 * - Predicates: `isGitWrite`, `isWrite`, `isAppAuth`; `lines(requests)` for `toEqual` lists.
 *
 * Each `startApp()` is a fresh app (its delivery log, queue, caches) and a fresh GitHub; the
 * installation token and `GET /app` are fetched once per app and then cached by Probot / the app.
 * Upstreams are in-memory fakes (not the real registry client, which test/registry and
 * test/check-update.test.ts cover against a real registry) so that these tests stay fast.
 */
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { Webhooks } from "@octokit/webhooks";
import Bottleneck from "bottleneck";
import nock from "nock";
import { pino } from "pino";
import { type Logger, Probot, ProbotOctokit, Server } from "probot";
import { appOctokit, type ThrottleTuning } from "../../src/app/github-client.js";
import { type AppOptions, createApp, type SweepSummary } from "../../src/app.js";
import { type RedisServer, startRedis } from "../redis/server.js";
import { BOT_LOGIN, FakeGitHub, type FakeInstallation, type FakeRepo } from "./fake-github.js";
import { FakeUpstreams } from "./fake-upstreams.js";

export * from "./fake-github.js";
export * from "./fake-upstreams.js";

export const WEBHOOK_SECRET = "uv-pin-bot-test-secret";
export const WEBHOOK_PATH = "/api/github/webhooks";
/** The installation every `startApp()` has (account `acme`); add more with `github.addInstallation`. */
export const INSTALLATION_ID = 4242;
export const OWNER = "acme";

export interface HarnessOptions {
  /** The clock the app sees (default 2026-11-28T12:00:00Z). */
  now?: () => Date;
  /** More `createApp` options (`concurrency`, `env`, …); `upstreams`, `now`, `schedule` are set. */
  app?: Partial<AppOptions>;
  /** Log level captured into `logs` (default "info"). */
  logLevel?: "debug" | "info" | "warn" | "error";
  /**
   * `embedded` (one process) or `redis` (clustered: a real redis-server started for this app,
   * jobs through BullMQ; `send` and `sweep` resolve once the queue is idle). Default from
   * `UV_PIN_BOT_TEST_MODE` (the `app-redis` vitest project runs these scenarios with `redis`).
   */
  mode?: AppMode;
  /** Use this Redis instead of starting one (clustered mode only). */
  redis?: RedisServer;
  /**
   * Another replica of `of`'s app: its own Probot server, app and Redis connections, the same
   * fake GitHub, upstreams and Redis (clustered mode). Stopping it leaves `of`'s parts running.
   */
  replicaOf?: AppHarness;
  /**
   * The app's own throttling (src/app/github-client.ts) instead of none: rate limits are retried
   * after `retry-after` (scaled by `retryAfterBaseValue` ms per second) and writes go one at a
   * time (without plugin-throttling's one-second and three-second spacings, to keep tests fast).
   */
  throttle?: ThrottleTuning;
  /**
   * The app's own upstream adapters (`createApp` without `upstreams`: the real registry client,
   * releases and attestations over HTTP, cached in the coordinator's cache, which is Redis when
   * clustered), pointed where `app.env` says (test/registry/uv-upstream.ts `upstreamEnv`),
   * instead of the in-memory fakes.
   */
  realUpstreams?: boolean;
}

export type AppMode = "embedded" | "redis";

export const testMode = (): AppMode =>
  process.env.UV_PIN_BOT_TEST_MODE === "redis" ? "redis" : "embedded";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface SendOptions {
  /** `X-GitHub-Delivery` (default: a new id per call). */
  id?: string;
  /** Resolve with the HTTP status at once, not when the work it caused has finished. */
  noWait?: boolean;
  /** Sign with another secret (a forged delivery). */
  secret?: string;
}

export interface AppHarness {
  /** `http://127.0.0.1:{port}`. */
  url: string;
  github: FakeGitHub;
  upstreams: FakeUpstreams;
  /** The default installation (`acme`). */
  installation: FakeInstallation;
  /** The app function loaded into the server (its `sweep()` is set once loaded). */
  appFn: ReturnType<typeof createApp>;
  /** Log lines the app and Probot wrote (JSON objects; level 30 info, 40 warn, 50 error). */
  logs: LogLine[];
  mode: AppMode;
  /** The Redis of a clustered app. */
  redis: RedisServer | undefined;
  /** A signed delivery; resolves with the HTTP status once the work it caused has finished. */
  send(eventName: string, payload: object, options?: SendOptions): Promise<number>;
  /** `issue_comment.created` from `user` (default `alice`) on an issue or pull request. */
  comment(
    repo: FakeRepo,
    issue: number,
    body: string,
    options?: CommentOptions & SendOptions,
  ): Promise<number>;
  /** `appFn.sweep()`. */
  sweep(): Promise<SweepSummary>;
  /** POST with any headers to a path of the server (e.g. `/uv-pin-bot/sweep`). */
  post(path: string, headers?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export const DEFAULT_NOW = new Date("2026-11-28T12:00:00Z");

/**
 * The end of an app test (its afterEach): every GitHub request the test expected was made, and
 * `check` holds, then the app stops, also when they fail. No harness: nothing to stop.
 */
export async function finish(h: AppHarness | undefined, check?: () => void): Promise<void> {
  try {
    h?.github.assertDone();
    check?.();
  } finally {
    await h?.stop();
  }
}

export async function startApp(options: HarnessOptions = {}): Promise<AppHarness> {
  const now = options.now ?? (() => DEFAULT_NOW);
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  const shared = options.replicaOf;
  const github = shared?.github ?? new FakeGitHub(now);
  const installation = shared?.installation ?? github.addInstallation(INSTALLATION_ID, OWNER);
  const upstreams = shared?.upstreams ?? (await FakeUpstreams.create(now));
  const logs: LogLine[] = [];
  const log: Logger = pino(
    { level: options.logLevel ?? "info" },
    {
      write(line: string) {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        if (process.env.UV_PIN_BOT_TEST_LOGS) process.stderr.write(line);
      },
    },
  );
  const mode = options.mode ?? shared?.mode ?? testMode();
  const given = options.redis ?? shared?.redis;
  const ownRedis = mode === "redis" && !given ? await startRedis() : undefined;
  const redis = mode === "redis" ? (given ?? ownRedis) : undefined;
  const appFn = createApp({
    ...options.app,
    env: {
      ...options.app?.env,
      ...(redis
        ? {
            REDIS_URL: redis.url,
            UV_PIN_BOT_JOB_ATTEMPTS: "1",
            UV_PIN_BOT_LOCK_MS: "2000",
            ...options.app?.env,
          }
        : {}),
    },
    now,
    upstreams: options.realUpstreams ? undefined : upstreams.asUpstreams(),
    // With `app.loadTrustRoot`, the app loads its root itself (at start-up, in the background).
    trustMaterial: options.app?.loadTrustRoot ? undefined : upstreams.trustMaterial,
    // No scheduler unless the test asks for one (`app.schedule`: a cron).
    schedule: options.app?.schedule ?? false,
  });

  if (appFn.coordinator.mode !== mode)
    throw new Error(`asked for ${mode}, got ${appFn.coordinator.mode}`);
  const server = await listen(log, appFn, options.throttle);
  const url = `http://127.0.0.1:${server.port}`;
  let deliveries = 0;

  const send: AppHarness["send"] = async (eventName, payload, o = {}) => {
    const body = JSON.stringify(payload);
    // Signed by @octokit/webhooks, the library Probot verifies deliveries with.
    const signature = await new Webhooks({ secret: o.secret ?? WEBHOOK_SECRET }).sign(body);
    const res = await fetch(`${url}${WEBHOOK_PATH}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": eventName,
        // Per server: a replica's deliveries are not its peer's (they share Redis's delivery ids).
        "x-github-delivery": o.id ?? `delivery-${server.port}-${++deliveries}`,
        "x-hub-signature-256": signature,
      },
      body,
    });
    await res.text();
    if (!o.noWait) await appFn.coordinator.idle();
    return res.status;
  };

  return {
    mode,
    redis,
    url,
    github,
    upstreams,
    installation,
    appFn,
    logs,
    send,
    comment: (repo, issue, body, o = {}) =>
      send("issue_comment", issueCommentPayload(repo, issue, body, o), o),
    sweep: () => {
      if (!appFn.sweep) throw new Error("the app is not loaded");
      return appFn.sweep();
    },
    post: async (path, headers = {}) => {
      const res = await fetch(`${url}${path}`, { method: "POST", headers });
      await res.text();
      return res.status;
    },
    stop: async () => {
      await server.stop();
      await appFn.coordinator.close();
      await ownRedis?.stop();
      if (shared) return;
      github.close();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

/** Probot's `Server` on 127.0.0.1. It takes `port || 3000`, so a free port is found first. */
async function listen(
  log: Logger,
  appFn: ReturnType<typeof createApp>,
  throttle: ThrottleTuning | undefined,
) {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  // A function, not an object: Probot passes its own `throttle` options to the constructor, which
  // would replace an object default and leave throttling on (one write per second).
  const Octokit = throttle
    ? appOctokit(throttle).defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: {
          ...(options.throttle as object),
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
        },
      }))
    : ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { ...(options.throttle as object), enabled: false },
      }));
  for (let attempt = 0; ; attempt++) {
    const server = new Server({
      host: "127.0.0.1",
      port: await freePort(),
      log,
      Probot: Probot.defaults({
        appId: 123456,
        privateKey,
        secret: WEBHOOK_SECRET,
        Octokit,
        log,
      }),
      enableStaticFiles: false,
    });
    await server.load(appFn);
    try {
      await server.start();
      return server;
    } catch (error) {
      if (attempt >= 4 || (error as { code?: string }).code !== "EADDRINUSE") throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// --- payloads, from @octokit/webhooks-examples -----------------------------------------------

let examples: { name: string; examples: Json[] }[] | undefined;
/** Loaded with `require` (a JSON package): plain Node (the latency bench) runs the harness too. */
function webhookExamples(): { name: string; examples: Json[] }[] {
  examples ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as {
    name: string;
    examples: Json[];
  }[];
  return examples;
}

type Json = Record<string, unknown>;

/** A deep copy of the first real example of `name` / `action` (optionally the one `pick` likes). */
export function example(name: string, action: string, pick: (e: Json) => boolean = () => true) {
  const definitions = webhookExamples();
  const found = definitions
    .find((d) => d.name === name)
    ?.examples.find((e) => e.action === action && pick(e));
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name}.${action}`);
  return structuredClone(found);
}

function repositoryOf(repo: FakeRepo, base: Json) {
  return {
    ...base,
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    archived: repo.archived,
    default_branch: repo.defaultBranch,
    html_url: repo.htmlUrl,
    url: `https://api.github.com/repos/${repo.fullName}`,
    owner: { ...(base.owner as Json), login: repo.owner, type: "Organization" },
  };
}

function userOf(login: string, type: "User" | "Bot", base: Json = {}) {
  return { ...base, login, type, id: hashId(login), html_url: `https://github.com/${login}` };
}

function hashId(text: string): number {
  let h = 7;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return h;
}

export interface CommentOptions {
  /** Default `alice`. */
  user?: string;
  userType?: "User" | "Bot";
  installationId?: number;
}

/**
 * `issue_comment.created`: `user` comments `body` on issue or pull request `issue` of `repo`. The
 * comment is stored in the fake GitHub (so it is listed, and reactions land on its id). On a pull
 * request the payload's `issue` carries `pull_request` and the PR's current body.
 */
export function issueCommentPayload(
  repo: FakeRepo,
  issue: number,
  body: string,
  o: CommentOptions = {},
) {
  const login = o.user ?? "alice";
  const type = o.userType ?? (login.endsWith("[bot]") ? "Bot" : "User");
  const stored = repo.addComment(issue, body, login, type);
  const payload = example("issue_comment", "created");
  const pr = repo.pulls.find((p) => p.number === issue);
  const plain = repo.issues.find((i) => i.number === issue);
  if (!pr && !plain) throw new Error(`${repo.fullName} has no issue or pull request #${issue}`);
  const baseIssue = payload.issue as Json;
  payload.issue = {
    ...baseIssue,
    number: issue,
    id: 700_000 + issue,
    title: pr?.title ?? plain?.title,
    body: pr?.body ?? plain?.body ?? "",
    state: pr?.state ?? "open",
    user: userOf(pr?.user ?? plain?.user ?? "octocat", pr ? "Bot" : "User"),
    html_url: `${repo.htmlUrl}/${pr ? "pull" : "issues"}/${issue}`,
    ...(pr
      ? {
          pull_request: {
            url: `https://api.github.com/repos/${repo.fullName}/pulls/${issue}`,
            html_url: `${repo.htmlUrl}/pull/${issue}`,
          },
        }
      : {}),
  };
  if (!pr) delete (payload.issue as Json).pull_request;
  payload.comment = {
    ...(payload.comment as Json),
    id: stored.id,
    body,
    user: userOf(login, type, (payload.comment as Json).user as Json),
    html_url: `${repo.htmlUrl}/issues/${issue}#issuecomment-${stored.id}`,
  };
  payload.repository = repositoryOf(repo, payload.repository as Json);
  payload.sender = userOf(login, type, payload.sender as Json);
  payload.installation = { id: o.installationId ?? INSTALLATION_ID, node_id: "MDIzOkluc3RhbGw=" };
  delete payload.organization;
  return payload;
}

function installationOf(inst: FakeInstallation, base: Json) {
  return {
    ...base,
    id: inst.id,
    app_id: 123456,
    app_slug: "uv-pin-bot",
    account: { ...(base.account as Json), login: inst.account, type: "Organization" },
  };
}

const shortRepo = (repo: FakeRepo) => ({
  id: repo.id,
  node_id: `R_${repo.id}`,
  name: repo.name,
  full_name: repo.fullName,
  private: repo.private,
});

/** `installation.created` for `inst`, listing `repos`. */
export function installationCreatedPayload(inst: FakeInstallation, repos: FakeRepo[]) {
  const payload = example("installation", "created");
  payload.installation = installationOf(inst, payload.installation as Json);
  payload.repositories = repos.map(shortRepo);
  payload.sender = userOf("octocat", "User", payload.sender as Json);
  return payload;
}

/** `installation.new_permissions_accepted` for `inst` (an owner approved the app's permissions). */
export function newPermissionsAcceptedPayload(inst: FakeInstallation) {
  const payload = example("installation", "new_permissions_accepted");
  payload.installation = {
    ...installationOf(inst, payload.installation as Json),
    permissions: { ...inst.permissions },
  };
  payload.sender = userOf("octocat", "User", payload.sender as Json);
  return payload;
}

/** `installation_repositories.added` for `inst`: `repos` were added. */
export function installationRepositoriesAddedPayload(inst: FakeInstallation, repos: FakeRepo[]) {
  const payload = example("installation_repositories", "added");
  payload.installation = installationOf(inst, payload.installation as Json);
  payload.repositories_added = repos.map(shortRepo);
  payload.repositories_removed = [];
  payload.sender = userOf("octocat", "User", payload.sender as Json);
  return payload;
}

/**
 * `pull_request.closed` for pull request `number` as the fake holds it now (close or merge it
 * first with `repo.closePull` / `repo.mergePull`).
 */
export function pullRequestClosedPayload(repo: FakeRepo, number: number, closedBy = "octocat") {
  const pr = repo.pull(number);
  const payload = example(
    "pull_request",
    "closed",
    (e) => (e.pull_request as Json).merged === false,
  );
  const base = payload.pull_request as Json;
  const repository = repositoryOf(repo, payload.repository as Json);
  payload.number = number;
  payload.pull_request = {
    ...base,
    number,
    id: number + 5_000_000,
    html_url: `${repo.htmlUrl}/pull/${number}`,
    title: pr.title,
    body: pr.body,
    state: pr.state,
    merged: pr.merged,
    merged_at: pr.mergedAt,
    closed_at: pr.closedAt,
    user: userOf(pr.user, pr.user === BOT_LOGIN ? "Bot" : "User", base.user as Json),
    head: {
      ...(base.head as Json),
      ref: pr.headRef,
      sha: repo.pullHead(pr),
      label: `${repo.owner}:${pr.headRef}`,
      repo: repository,
    },
    base: {
      ...(base.base as Json),
      ref: pr.baseRef,
      sha: repo.branches.get(pr.baseRef) ?? "",
      label: `${repo.owner}:${pr.baseRef}`,
      repo: repository,
    },
  };
  payload.repository = repository;
  payload.sender = userOf(closedBy, "User", payload.sender as Json);
  payload.installation = { id: INSTALLATION_ID, node_id: "MDIzOkluc3RhbGw=" };
  return payload;
}

// --- request predicates, for counting ----------------------------------------------------------

/** A write through the git data API (blob, tree, commit, ref create/move/delete; GraphQL ref swaps). */
export const isGitWrite = (r: { method: string; path: string }) =>
  (r.method === "POST" && /\/git\/(blobs|trees|commits|refs)$/.test(r.path)) ||
  (r.method === "POST" && r.path === "/graphql") ||
  ((r.method === "PATCH" || r.method === "DELETE") && /\/git\/refs\//.test(r.path));

/** Any request that changes something on GitHub (everything but GET). */
export const isWrite = (r: { method: string }) => r.method !== "GET";

/** The installation token and `GET /app`: app-level bookkeeping, not about a repository. */
export const isAppAuth = (r: { path: string }) =>
  r.path === "/app" || /^\/app\/installations\/\d+\/access_tokens$/.test(r.path);

/** The GraphQL mutations the app sent (`createPullRequest`, …) with their inputs, in order. */
export function mutations(
  requests: readonly { method: string; path: string; body?: unknown }[],
  name?: string,
  // biome-ignore lint/suspicious/noExplicitAny: mutation inputs are JSON of any shape
): { name: string; input: any }[] {
  const found: { name: string; input: unknown }[] = [];
  for (const r of requests) {
    if (r.method !== "POST" || r.path !== "/graphql") continue;
    const body = (r.body ?? {}) as { query?: string; variables?: Record<string, unknown> };
    const vars = body.variables ?? {};
    for (const m of String(body.query ?? "").matchAll(
      /\b(updateRefs|createPullRequest|updatePullRequest|createCheckRun)\s*\(\s*input:\s*(\$\w+|\{[^}]*\})/g,
    )) {
      const arg = m[2] as string;
      found.push({ name: m[1] as string, input: arg.startsWith("$") ? vars[arg.slice(1)] : vars });
    }
  }
  return name === undefined ? found : found.filter((m) => m.name === name);
}

/**
 * Content-creating requests as GitHub's secondary limits count them: everything but GET, the
 * installation token aside (GraphQL documents count once, however many mutations they hold).
 */
export const isContentWrite = (r: { method: string; path: string }) =>
  r.method !== "GET" && !isAppAuth(r);

/** `METHOD /path` lines, for readable `toEqual` assertions. */
export const lines = (requests: readonly { method: string; path: string }[]) =>
  requests.map((r) => `${r.method} ${r.path}`);
