/**
 * uv's releases from GitHub (`GET /repos/astral-sh/uv/releases`, paginated), and installer
 * checksums: the sha256 of the bytes an installer URL serves, cross-checked against the release
 * asset's `digest`. The token, when given, is sent to the API origin only: a `Link` page on another
 * origin is not followed (an error says so), and the token never leaves with a request elsewhere.
 */
import { createHash } from "node:crypto";
import type { Release } from "../core/types.js";
import { UpstreamError } from "../errors.js";
import type { LookupCache } from "./cache.js";
import { type HttpClient, nextLink } from "./http.js";

export interface UvReleasesOptions {
  /** `GITHUB_API_URL`, default `https://api.github.com`. */
  apiUrl?: string;
  /** `GITHUB_TOKEN`, optional (raises GitHub's rate limit). */
  token?: string;
  repository?: string;
}

const RELEASES_TTL = 10 * 60_000;
const CHECKSUM_TTL = 24 * 60 * 60_000;
const MAX_PAGES = 20;

interface ApiRelease {
  tag_name?: unknown;
  draft?: unknown;
  prerelease?: unknown;
  published_at?: unknown;
  html_url?: unknown;
  body?: unknown;
  assets?: unknown;
}

export interface Checksum {
  /** `sha256:<hex>` of the bytes the URL serves. */
  checksum: string;
  /** The release asset's digest it was compared with, or null when the release has none. */
  assetDigest: string | null;
}

export class UvReleases {
  private readonly api: string;
  private readonly repository: string;

  constructor(
    private readonly http: HttpClient,
    private readonly cache: LookupCache,
    private readonly options: UvReleasesOptions = {},
  ) {
    this.api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.repository = options.repository ?? "astral-sh/uv";
  }

  /** Every published release, newest first as GitHub lists them (drafts left out). */
  list(): Promise<Release[]> {
    return this.cache.memo(`releases:${this.api}/${this.repository}`, RELEASES_TTL, () =>
      this.fetchAll(),
    );
  }

  private async fetchAll(): Promise<Release[]> {
    const out: Release[] = [];
    let url: string | null = `${this.api}/repos/${this.repository}/releases?per_page=100`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.http.request({ url, headers: this.headers(url) });
      const json = parseJson(res.body, url);
      if (!Array.isArray(json))
        throw new UpstreamError(
          "bad-response",
          `${url}: expected a list of releases`,
          url,
          res.status,
        );
      for (const item of json as ApiRelease[]) {
        const release = toRelease(item);
        if (release) out.push(release);
      }
      const next = nextLink(res.headers.get("link"), url);
      if (next !== null && new URL(next).origin !== new URL(this.api).origin)
        throw new UpstreamError(
          "bad-response",
          `${this.api}: the next page of releases is on another origin (${new URL(next).origin}); not followed`,
          this.api,
          res.status,
        );
      url = next;
    }
    return out;
  }

  private headers(url: string): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    };
    if (this.options.token && new URL(url).origin === new URL(this.api).origin)
      headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  /**
   * The sha256 of what `url` serves (after redirects within the upstreams), compared with the
   * release asset's digest when there is one. A mismatch is an error that blocks the update.
   */
  checksum(url: string, assetDigest: string | null): Promise<Checksum> {
    return this.cache.memo(`checksum:${url}`, CHECKSUM_TTL, async () => {
      const res = await this.http.request({ url });
      const checksum = `sha256:${createHash("sha256").update(res.body).digest("hex")}`;
      if (assetDigest !== null && assetDigest !== checksum) {
        throw new UpstreamError(
          "bad-response",
          `${url} serves bytes with ${checksum}, but the release asset's digest is ${assetDigest}`,
          url,
          res.status,
        );
      }
      return { checksum, assetDigest };
    });
  }
}

function parseJson(body: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new UpstreamError("bad-response", `${url}: the answer is not JSON`, url, null);
  }
}

function toRelease(item: ApiRelease): Release | null {
  if (item.draft === true || typeof item.tag_name !== "string") return null;
  const assets = Array.isArray(item.assets) ? item.assets : [];
  return {
    version: item.tag_name.replace(/^v/, ""),
    publishedAt: typeof item.published_at === "string" ? item.published_at : "",
    prerelease: item.prerelease === true,
    url: typeof item.html_url === "string" ? item.html_url : "",
    notes: typeof item.body === "string" ? item.body : "",
    assets: assets.flatMap(
      (a: { name?: unknown; digest?: unknown; browser_download_url?: unknown }) =>
        typeof a.name === "string"
          ? [
              {
                name: a.name,
                digest:
                  typeof a.digest === "string" && /^sha256:[a-f0-9]{64}$/.test(a.digest)
                    ? a.digest
                    : null,
                url: typeof a.browser_download_url === "string" ? a.browser_download_url : "",
              },
            ]
          : [],
    ),
  };
}

/** The release asset that an installer URL serves: `install.sh` is `uv-installer.sh`. */
export function assetName(asset: string): string {
  if (asset === "install.sh") return "uv-installer.sh";
  if (asset === "install.ps1") return "uv-installer.ps1";
  return asset;
}
