/**
 * A compact OCI distribution client: the anonymous Bearer flow from a 401 challenge (the token
 * kept until it expires, in the lookup cache: shared by a cluster's processes, one challenge per
 * repository), tags listing with `n`/`last` pagination following `Link`, `HEAD` of manifests with
 * the four manifest media types (the digest is `Docker-Content-Digest`), and `GET` of indexes,
 * manifests and config blobs when platforms or labels are needed.
 */
import { createHash } from "node:crypto";
import { UpstreamError } from "../errors.js";
import type { LookupCache } from "./cache.js";
import { type HttpClient, type HttpResponse, nextLink } from "./http.js";

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

const MANIFEST_TYPES: ReadonlySet<string> = new Set(Object.values(MEDIA));

/** All four, so that an index is answered as an index (never a platform picked for us). */
export const MANIFEST_ACCEPT = [
  MEDIA.ociIndex,
  MEDIA.dockerList,
  MEDIA.ociManifest,
  MEDIA.dockerManifest,
].join(", ");

const TAGS_TTL = 10 * 60_000;
const DIGEST_TTL = 10 * 60_000;
const IMMUTABLE_TTL = 24 * 60 * 60_000;
const MAX_TAG_PAGES = 200;

export interface Repository {
  /** Registry origin as named, e.g. `https://ghcr.io`. */
  origin: string;
  /** Repository path, e.g. `astral-sh/uv`. */
  path: string;
}

/** Where an image repository lives: `ghcr.io/astral-sh/uv`, `docker.io/astral/uv`, `astral/uv`. */
export function repositoryOf(image: string): Repository {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  const isHost = first.includes(".") || first.includes(":") || first === "localhost";
  const host = isHost ? first.toLowerCase() : "docker.io";
  let path = isHost ? image.slice(slash + 1) : image;
  if (host === "docker.io" || host === "index.docker.io" || host === "registry-1.docker.io") {
    if (!path.includes("/")) path = `library/${path}`;
    return { origin: "https://registry-1.docker.io", path };
  }
  return { origin: `https://${host}`, path };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry {
  digest: string;
  mediaType: string;
  platform: Platform | null;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  /** The manifest's JSON. */
  json: Record<string, unknown>;
}

interface Token {
  token: string;
  expires: number;
}

/** What a shared-token load answers when it fetched none (never kept, never sent). */
const NO_TOKEN: Token = { token: "", expires: 0 };
/** How long a process asks anonymously after a registry answered without a challenge. */
const ANONYMOUS_MS = 60_000;

/** The Bearer challenge of a 401, or an auth error in one line. */
function challengeOf(res: HttpResponse, url: string): Challenge {
  const challenge = parseChallenge(res.headers.get("www-authenticate"));
  if (!challenge) {
    throw new UpstreamError(
      "auth",
      `${url}: access denied (401) without a Bearer challenge`,
      url,
      401,
    );
  }
  return challenge;
}

interface Challenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (any order, quoted or not). */
export function parseChallenge(header: string | null): Challenge | null {
  if (!header) return null;
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of (m[1] ?? "").matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(p[1] ?? "").toLowerCase()] =
      p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  if (!params.realm) return null;
  return { realm: params.realm, service: params.service, scope: params.scope };
}

export class OciRegistry {
  private readonly tokens = new Map<string, Token>();
  /** Token requests in flight, so that concurrent 401s of one repository share one. */
  private readonly pendingTokens = new Map<string, Promise<Token>>();

  constructor(
    private readonly http: HttpClient,
    private readonly cache: LookupCache,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every tag of an image repository, across all pages, in no particular order. */
  tags(image: string): Promise<string[]> {
    return this.cache.memo(`tags:${image}`, TAGS_TTL, async () => {
      const repo = repositoryOf(image);
      const seen = new Set<string>();
      const first = `${repo.origin}/v2/${repo.path}/tags/list?n=1000`;
      const read = new Set<string>();
      let url: string | null = first;
      while (url) {
        if (read.has(url)) {
          throw new UpstreamError(
            "bad-response",
            `${url}: the tags list's next link points back to a page already read`,
            url,
            null,
          );
        }
        if (read.size >= MAX_TAG_PAGES) {
          throw new UpstreamError(
            "bad-response",
            `${first}: more than ${MAX_TAG_PAGES} pages of tags; giving up`,
            url,
            null,
          );
        }
        read.add(url);
        const res = await this.get(repo, url, { accept: "application/json" });
        const json = parseJson(res, url) as { tags?: unknown };
        if (json.tags !== null && json.tags !== undefined && !Array.isArray(json.tags)) {
          throw new UpstreamError(
            "bad-response",
            `${url}: \`tags\` is not a list`,
            url,
            res.status,
          );
        }
        for (const t of (json.tags as unknown[] | undefined) ?? [])
          if (typeof t === "string") seen.add(t);
        // An absolute link names the physical origin when a rewrite is in place: name it as the
        // upstream again, so that it passes the allow-list and is rewritten like the first page.
        const next = nextLink(res.headers.get("link"), res.url);
        url = next === null ? null : this.http.logical(next);
        // The registry's token goes to its own origin only: a page elsewhere is not asked for
        // (and not named: the host may be internal).
        if (url !== null && new URL(url).origin !== repo.origin) {
          throw new UpstreamError(
            "bad-response",
            `${first}: the next page of tags is on another origin; not followed`,
            first,
            res.status,
          );
        }
      }
      return [...seen];
    });
  }

  /** The digest a tag (or digest) points to, from `HEAD` with all four manifest types accepted. */
  digest(image: string, reference: string): Promise<{ digest: string; mediaType: string }> {
    return this.cache.memo(`digest:${image}:${reference}`, DIGEST_TTL, async () => {
      const repo = repositoryOf(image);
      const url = `${repo.origin}/v2/${repo.path}/manifests/${reference}`;
      const res = await this.get(repo, url, { accept: MANIFEST_ACCEPT }, "HEAD");
      const digest = res.headers.get("docker-content-digest");
      if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
        throw new UpstreamError(
          "bad-response",
          `${url}: no valid Docker-Content-Digest in the answer`,
          url,
          res.status,
        );
      }
      const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
      // E.g. a schema1 conversion from a proxy that dropped Accept: its digest is nothing to pin.
      if (mediaType !== "" && !MANIFEST_TYPES.has(mediaType)) {
        throw new UpstreamError(
          "bad-response",
          `${url}: answered ${mediaType}, not one of the manifest types asked for`,
          url,
          res.status,
        );
      }
      return { digest, mediaType };
    });
  }

  /** A manifest or index by digest (verified against the digest) or tag. */
  manifest(image: string, reference: string): Promise<Manifest> {
    const ttl = reference.startsWith("sha256:") ? IMMUTABLE_TTL : DIGEST_TTL;
    return this.cache.memo(`manifest:${image}:${reference}`, ttl, async () => {
      const repo = repositoryOf(image);
      const url = `${repo.origin}/v2/${repo.path}/manifests/${reference}`;
      const res = await this.get(repo, url, { accept: MANIFEST_ACCEPT });
      const digest = `sha256:${createHash("sha256").update(res.body).digest("hex")}`;
      if (reference.startsWith("sha256:") && digest !== reference) {
        throw new UpstreamError(
          "bad-response",
          `${url}: the manifest's bytes do not match its digest`,
          url,
          res.status,
        );
      }
      const json = parseJson(res, url) as Record<string, unknown>;
      const mediaType =
        typeof json.mediaType === "string"
          ? json.mediaType
          : ((res.headers.get("content-type") ?? "").split(";")[0] ?? "");
      return { digest, mediaType, json };
    });
  }

  /** The platform manifests of an index, without attestation entries (`unknown/unknown`). */
  async platforms(image: string, reference: string): Promise<IndexEntry[]> {
    const m = await this.manifest(image, reference);
    if (!isIndex(m.mediaType)) return [];
    const entries = Array.isArray(m.json.manifests)
      ? (m.json.manifests as Record<string, unknown>[])
      : [];
    return entries
      .map((e) => ({
        digest: String(e.digest ?? ""),
        mediaType: String(e.mediaType ?? ""),
        platform: toPlatform(e.platform),
      }))
      .filter(
        (e) =>
          e.platform !== null &&
          e.platform.os !== "unknown" &&
          e.platform.architecture !== "unknown",
      );
  }

  /** A config blob (JSON), verified against its digest. */
  config(image: string, digest: string): Promise<Record<string, unknown>> {
    return this.cache.memo(`blob:${image}:${digest}`, IMMUTABLE_TTL, async () => {
      const repo = repositoryOf(image);
      const url = `${repo.origin}/v2/${repo.path}/blobs/${digest}`;
      const res = await this.get(repo, url, { accept: "application/json, */*" });
      if (`sha256:${createHash("sha256").update(res.body).digest("hex")}` !== digest) {
        throw new UpstreamError(
          "bad-response",
          `${url}: the blob's bytes do not match its digest`,
          url,
          res.status,
        );
      }
      return parseJson(res, url) as Record<string, unknown>;
    });
  }

  /** The platform of a single-platform manifest (from its config), or null for an index. */
  async platformOf(image: string, digest: string): Promise<Platform | null> {
    const m = await this.manifest(image, digest);
    if (isIndex(m.mediaType)) return null;
    const configDigest = (m.json.config as { digest?: unknown } | undefined)?.digest;
    if (typeof configDigest !== "string") return null;
    const config = await this.config(image, configDigest);
    return toPlatform(config);
  }

  /** `org.opencontainers.image.version` of an image: index annotations, else the first platform's label. */
  async versionLabel(image: string, reference: string): Promise<string | null> {
    const key = "org.opencontainers.image.version";
    const m = await this.manifest(image, reference);
    const annotations = m.json.annotations as Record<string, unknown> | undefined;
    if (typeof annotations?.[key] === "string") return annotations[key] as string;
    let manifest = m;
    if (isIndex(m.mediaType)) {
      const [first] = await this.platforms(image, reference);
      if (!first) return null;
      manifest = await this.manifest(image, first.digest);
    }
    const configDigest = (manifest.json.config as { digest?: unknown } | undefined)?.digest;
    if (typeof configDigest !== "string") return null;
    const config = await this.config(image, configDigest);
    const labels = (config.config as { Labels?: Record<string, unknown> } | undefined)?.Labels;
    return typeof labels?.[key] === "string" ? (labels[key] as string) : null;
  }

  /**
   * A request with the registry's Bearer token. A process without a token of its own for the
   * repository takes the cluster's (the shared cache); when there is none, this request is the
   * one that meets the 401 challenge, and the token it fetches is kept for every process (one
   * loader per key in the cluster: one challenge and one token request per token lifetime). A
   * token is only ever sent to the origin whose challenge it answered: the key names the origin.
   */
  private async get(
    repo: Repository,
    url: string,
    headers: Record<string, string>,
    method: "GET" | "HEAD" = "GET",
  ): Promise<HttpResponse> {
    const key = `${repo.origin} ${repo.path}`;
    let sent = this.usable(this.tokens.get(key));
    if (!sent) {
      const probe: { answered?: HttpResponse; failed?: { error: unknown } } = {};
      const shared = await this.cache.memo(
        this.sharedKey(repo),
        this.tokenTtl,
        async () => {
          try {
            const res = await this.http.request({ url, method, headers, accept: [401] });
            if (res.status !== 401) {
              probe.answered = res;
              // Anonymous access works: no token to share; ask without one for a while.
              this.tokens.set(key, { token: "", expires: this.now() + ANONYMOUS_MS });
              return NO_TOKEN;
            }
            return await this.token(challengeOf(res, url), repo);
          } catch (error) {
            // This request's own failure (kept out of the cache: nothing is stored for it).
            probe.failed = { error };
            return NO_TOKEN;
          }
        },
        // Nothing usable, unless a token (or word that none is needed) came here meanwhile.
        { replace: (kept) => !this.usable(kept) && !this.usable(this.tokens.get(key)) },
      );
      if (probe.answered) return probe.answered;
      if (probe.failed) throw probe.failed.error;
      sent = this.usable(shared) ?? this.usable(this.tokens.get(key));
      if (sent?.token) this.tokens.set(key, sent);
    }
    const auth: Record<string, string> = {};
    if (sent?.token) auth.authorization = `Bearer ${sent.token}`;
    const first = await this.http.request({
      url,
      method,
      headers: { ...headers, ...auth },
      accept: [401],
    });
    if (first.status !== 401) return first;
    const token = await this.tokenFor(key, challengeOf(first, url), repo, sent);
    return this.http.request({
      url,
      method,
      headers: { ...headers, authorization: `Bearer ${token.token}` },
    });
  }

  /**
   * The shared cache's key for a repository's token: the origin as named and the origin really
   * asked (a rewrite), so that a token only ever goes where its challenge came from.
   */
  private sharedKey(repo: Repository): string {
    const physical = new URL(this.http.physical(`${repo.origin}/`)).origin;
    return `token:${repo.origin} ${physical} ${repo.path}`;
  }

  /** A token that is not about to expire (`expires` is already early), else undefined. */
  private usable(token: Token | undefined): Token | undefined {
    return token && token.expires > this.now() ? token : undefined;
  }

  /** Kept in the shared cache until the token's (early) expiry; `NO_TOKEN` is never kept. */
  private readonly tokenTtl = (token: Token) => (token.token ? token.expires - this.now() : 0);

  /**
   * A token after a 401: the one another request is already fetching, or one fetched meanwhile
   * (other than the one just refused) here or in another process, or a new one, which replaces
   * the refused one for every process.
   */
  private tokenFor(
    key: string,
    challenge: Challenge,
    repo: Repository,
    refused: Token | undefined,
  ): Promise<Token> {
    const pending = this.pendingTokens.get(key);
    if (pending) return pending;
    const current = this.tokens.get(key);
    if (current?.token && current !== refused && this.usable(current)) {
      return Promise.resolve(current);
    }
    const fetched = this.cache
      .memo(
        this.sharedKey(repo),
        this.tokenTtl,
        () =>
          this.token(challenge, repo).catch((error: unknown) => {
            // Never a "not found" for the token key (a sweep would remember it for every lookup).
            if (error instanceof UpstreamError && error.code === "not-found")
              throw new UpstreamError("auth", error.message, error.url, error.status);
            throw error;
          }),
        {
          replace: (kept) =>
            !kept.token ||
            !this.usable(kept) ||
            (refused !== undefined && kept.token === refused.token),
        },
      )
      // (A probe that just found none, if another caller replaced the refused one with it.)
      .then((token) => (token.token ? token : this.token(challenge, repo)))
      .then((token) => {
        this.tokens.set(key, token);
        return token;
      });
    this.pendingTokens.set(key, fetched);
    const done = () => {
      if (this.pendingTokens.get(key) === fetched) this.pendingTokens.delete(key);
    };
    fetched.then(done, done);
    return fetched;
  }

  private async token(challenge: Challenge, repo: Repository): Promise<Token> {
    const realm = new URL(this.http.logical(challenge.realm));
    if (challenge.service) realm.searchParams.set("service", challenge.service);
    realm.searchParams.set("scope", challenge.scope ?? `repository:${repo.path}:pull`);
    const url = realm.toString();
    const res = await this.http.request({ url, headers: { accept: "application/json" } });
    const json = parseJson(res, url) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof json.token === "string" ? json.token : json.access_token;
    if (typeof token !== "string" || token === "") {
      throw new UpstreamError(
        "auth",
        `${url}: the token service answered without a token`,
        url,
        res.status,
      );
    }
    const seconds =
      typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : 60;
    // Renew a little early, so that a token never expires in flight.
    return { token, expires: this.now() + Math.max(0, seconds - 10) * 1000 };
  }
}

export function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

function toPlatform(value: unknown): Platform | null {
  if (!value || typeof value !== "object") return null;
  const p = value as Record<string, unknown>;
  if (typeof p.os !== "string" || typeof p.architecture !== "string") return null;
  return typeof p.variant === "string"
    ? { os: p.os, architecture: p.architecture, variant: p.variant }
    : { os: p.os, architecture: p.architecture };
}

function parseJson(res: HttpResponse, url: string): unknown {
  try {
    const value = JSON.parse(new TextDecoder().decode(res.body)) as unknown;
    if (value === null || typeof value !== "object") throw new Error("not an object");
    return value;
  } catch {
    throw new UpstreamError(
      "bad-response",
      `${url}: the answer is not a JSON object`,
      url,
      res.status,
    );
  }
}
