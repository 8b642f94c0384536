/**
 * Small helpers for the command and sweep tests on top of harness.ts: fixtures (a Dockerfile that
 * pins uv by tag and digest), request listings without the app's own auth bookkeeping, and what
 * the app wrote (its comments, reactions); and the production upstream stack in front of nock, for
 * the sweep's "each tag and digest asked once".
 */
import { createHash } from "node:crypto";
import nock from "nock";
import { expect } from "vitest";
import { createUpstreams, type Upstreams } from "../../src/adapters/upstreams.js";
import { attestationsResponse, subject } from "../sigstore/variants.js";
import type { RecordedRequest } from "./fake-github.js";
import type { FakePull } from "./fake-repo.js";
import {
  type AppHarness,
  BOT_LOGIN,
  type FakeRepo,
  type FakeUpstreams,
  indexDigest,
  isAppAuth,
} from "./harness.js";

/** A Dockerfile pinning `ghcr.io/astral-sh/uv:{version}@{digest}` on line 2. */
export function dockerfile(version: string, digest = indexDigest(version)): string {
  return `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:${version}@${digest} /uv /uvx /bin/\n`;
}

/**
 * A repository `name` holding `files` (alice may write), `/uv-update` from alice on a new issue,
 * and the pull request that opened (an error when none did).
 */
export async function updateByComment(
  h: AppHarness,
  name: string,
  files: Record<string, string>,
): Promise<{ repo: FakeRepo; pr: FakePull }> {
  const repo = h.github.addRepo(name, { files, permissions: { alice: "write" } });
  const issue = repo.openIssue();
  expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
  const [pr] = repo.openPulls();
  if (!pr) throw new Error(`no pull request was opened in ${name}`);
  return { repo, pr };
}

/** `METHOD /path[?query]` of every recorded request but the installation token and `GET /app`. */
export function calls(h: AppHarness, filter: (r: RecordedRequest) => boolean = () => true) {
  return h.github.requests
    .filter((r) => !isAppAuth(r) && filter(r))
    .map((r) => `${r.method} ${r.path}${suffix(r)}`);
}

/** The query that tells two reads of one path apart: a recursive tree, open or closed pulls. */
function suffix(r: RecordedRequest): string {
  if (r.query.recursive) return "?recursive=1";
  if (r.method === "GET" && r.path.endsWith("/pulls") && r.query.state)
    return `?state=${r.query.state}`;
  return "";
}

/** The bodies of the comments the app posted on `issue`. */
export function botComments(repo: FakeRepo, issue: number): string[] {
  return repo.comments
    .filter((c) => c.issue === issue && c.user.login === BOT_LOGIN)
    .map((c) => c.body);
}

/** The reactions on a comment, in order. */
export function reactionsOn(repo: FakeRepo, commentId: number): string[] {
  return repo.reactions.filter((r) => r.commentId === commentId).map((r) => r.content);
}

/** The id of the last comment stored on `issue` (the command the test just sent). */
export function lastCommentId(repo: FakeRepo, issue: number): number {
  const mine = repo.comments.filter((c) => c.issue === issue && c.user.login !== BOT_LOGIN);
  const last = mine[mine.length - 1];
  if (!last) throw new Error(`no comment on #${issue}`);
  return last.id;
}

// --- the production upstream stack over nock ------------------------------------------------

/** Where the real upstreams read uv's releases and attestations in these tests. */
export const UV_API = "https://uv-api.test";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const REGISTRY_TOKEN = "registry-token";

const digestOf = (bytes: string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** An index as the registry serves it by digest (its bytes hash to the digest). */
function indexBody(version: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    annotations: { "org.opencontainers.image.version": version },
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: digestOf(`manifest ${version} amd64`),
        size: 100,
        platform: { os: "linux", architecture: "amd64" },
      },
    ],
  });
}

export interface RealUpstreams {
  /** What the app gets: `createUpstreams` (real HTTP layer, registry, releases, attestations). */
  upstreams: Upstreams;
  /** The digest of uv 0.9.17's index (pin it) and of 0.9.18's (the new one). */
  old: string;
  next: string;
  /** Every upstream request, `METHOD url`, in order. */
  sent: string[];
  /** nock scopes: each interceptor answers ONCE, so a second identical lookup fails the run. */
  scopes: nock.Scope[];
}

/**
 * The production upstreams (`createUpstreams`) in front of nock: `ghcr.io` with its 401 challenge
 * and token, uv's releases and attestations at `UV_API` (as `GITHUB_API_URL`), attestations signed
 * by the harness's Sigstore test instance. Each answer is given once: a repeated lookup has no
 * mock and fails.
 */
export function realUpstreams(fake: FakeUpstreams): RealUpstreams {
  const oldBody = indexBody("0.9.17");
  const old = digestOf(oldBody);
  const next = digestOf(indexBody("0.9.18"));
  const upstreams = createUpstreams({
    env: { GITHUB_API_URL: UV_API },
    http: { maxTries: 1 },
  });
  const sent: string[] = [];
  const record = (req: { method: string; path: string }, origin: string) =>
    sent.push(`${req.method} ${origin}${req.path}`);
  const tags = "/v2/astral-sh/uv/tags/list?n=1000";
  const challenge = nock("https://ghcr.io", { badheaders: ["authorization"] })
    .get(tags)
    .reply(401, "", {
      "www-authenticate":
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:astral-sh/uv:pull"',
    })
    .get("/token")
    .query({ service: "ghcr.io", scope: "repository:astral-sh/uv:pull" })
    .reply(200, { token: REGISTRY_TOKEN, expires_in: 300 });
  const registry = nock("https://ghcr.io", {
    reqheaders: { authorization: `Bearer ${REGISTRY_TOKEN}` },
  })
    .get(tags)
    .reply(200, { name: "astral-sh/uv", tags: ["0.9.16", "0.9.17", "0.9.18", "latest"] })
    .head("/v2/astral-sh/uv/manifests/0.9.18")
    .reply(200, "", { "docker-content-digest": next, "content-type": OCI_INDEX })
    .get(`/v2/astral-sh/uv/manifests/${old}`)
    .reply(200, oldBody, { "docker-content-digest": old, "content-type": OCI_INDEX });
  const release = (version: string, days: number) => ({
    tag_name: version,
    draft: false,
    prerelease: false,
    published_at: new Date(Date.parse("2026-11-28T00:00:00Z") - days * 86_400_000).toISOString(),
    html_url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
    body: `## ${version}\n\n- Changes in ${version}`,
    assets: [],
  });
  // uv 0.9.18's release tag points at this commit; its attestation names it.
  const commit = createHash("sha1").update("uv 0.9.18").digest("hex");
  const bundle = fake.sigstore.signAttestation({
    subjects: [subject(next)],
    identity: { sourceCommit: commit },
  });
  const api = nock(UV_API)
    .get("/repos/astral-sh/uv/git/ref/tags/0.9.18")
    .reply(200, { ref: "refs/tags/0.9.18", object: { type: "commit", sha: commit } })
    .get("/repos/astral-sh/uv/releases")
    .query({ per_page: "100" })
    .reply(200, [release("0.9.18", 2), release("0.9.17", 30), release("0.9.16", 60)])
    .get(`/orgs/astral-sh/attestations/${next}`)
    .query(true)
    .reply(200, attestationsResponse([bundle]));
  const origins: [nock.Scope, string][] = [
    [challenge, "https://ghcr.io"],
    [registry, "https://ghcr.io"],
    [api, UV_API],
  ];
  for (const [scope, origin] of origins)
    scope.on("request", (req: { method: string; path: string }) => record(req, origin));
  const scopes = origins.map(([scope]) => scope);
  return { upstreams, old, next, sent, scopes };
}
