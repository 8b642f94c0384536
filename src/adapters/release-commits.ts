/**
 * The commit a release tag points to, from the GitHub API: `GET /repos/{owner}/{repo}/git/ref/tags/{tag}`,
 * then, for an annotated tag, `GET /repos/{owner}/{repo}/git/tags/{sha}` until a commit is reached.
 * An attestation of uv's release is signed with that commit as its Source Repository Digest
 * (Fulcio 1.13), so comparing the two ties a digest to the release it claims to be. Read once per
 * release and cached (a plain string: a shared cache can hold it). The token, when given, is sent
 * to the API origin only. A tag GitHub does not have is an UpstreamError `not-found`.
 */
import { UpstreamError } from "../errors.js";
import type { LookupCache } from "./cache.js";
import type { HttpClient } from "./http.js";

export interface ReleaseCommitsOptions {
  /** `GITHUB_API_URL`, default `https://api.github.com`. */
  apiUrl?: string;
  /** `GITHUB_TOKEN`, optional. */
  token?: string;
}

/** A release tag is moved rarely if ever; a day keeps a sweep to one request per release. */
const TTL_MS = 24 * 60 * 60_000;
/** Annotated tags of annotated tags are legal; a chain longer than this is refused. */
const MAX_DEPTH = 4;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const SHA = /^[0-9a-f]{40}$/;

export class ReleaseCommits {
  private readonly api: string;
  private readonly apiOrigin: string;

  constructor(
    private readonly http: HttpClient,
    private readonly cache: LookupCache,
    private readonly options: ReleaseCommitsOptions = {},
  ) {
    this.api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.apiOrigin = new URL(this.api).origin;
  }

  /** The commit (40 lower-case hex) that `tag` of `owner/repo` points to. */
  commitOf(repository: string, tag: string): Promise<string> {
    const [owner, repo, extra] = repository.split("/");
    if (!owner || !repo || extra !== undefined || !NAME.test(owner) || !NAME.test(repo))
      throw new TypeError(`not an owner/repo: ${JSON.stringify(repository)}`);
    if (!TAG.test(tag) || tag.includes(".."))
      throw new TypeError(`not a release tag: ${JSON.stringify(tag)}`);
    const base = `${this.api}/repos/${owner}/${repo}/git`;
    const key = ["release-commit", this.api, repository.toLowerCase(), tag].join("|");
    return this.cache.memo(key, TTL_MS, () => this.resolve(base, tag));
  }

  private async resolve(base: string, tag: string): Promise<string> {
    let url = `${base}/ref/tags/${tag}`;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const { type, sha } = await this.objectAt(url);
      if (type === "commit") return sha;
      if (type !== "tag")
        throw new UpstreamError("bad-response", `${url}: the tag points to a ${type}`, url, 200);
      url = `${base}/tags/${sha}`;
    }
    throw new UpstreamError("bad-response", `${url}: too many nested tag objects`, url, 200);
  }

  /** `object: {type, sha}` of a ref or an annotated tag object. */
  private async objectAt(url: string): Promise<{ type: string; sha: string }> {
    const res = await this.http.request({ url, headers: this.headersFor(url) });
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(res.body));
    } catch {
      throw new UpstreamError("bad-response", `${url}: the answer is not JSON`, url, res.status);
    }
    // A ref lookup of a prefix answers a list of refs: never guess which one was meant.
    const object = (json as { object?: { type?: unknown; sha?: unknown } } | null)?.object;
    const type = object?.type;
    const sha = typeof object?.sha === "string" ? object.sha.toLowerCase() : null;
    if (Array.isArray(json) || typeof type !== "string" || sha === null || !SHA.test(sha)) {
      throw new UpstreamError(
        "bad-response",
        `${url}: expected {"object": {"type", "sha"}} in the answer`,
        url,
        res.status,
      );
    }
    return { type, sha };
  }

  private headersFor(url: string): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    };
    if (this.options.token && new URL(url).origin === this.apiOrigin)
      headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }
}
