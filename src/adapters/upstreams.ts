/** Builds the upstream adapters from the environment: one HTTP layer, one cache, shared by all. */

import { UsageError } from "../errors.js";
import { ATTESTATION_BUNDLE_ORIGINS, GitHubAttestations } from "./attestations.js";
import { type LookupCache, MemoryCache } from "./cache.js";
import { DEFAULT_UPSTREAMS, HttpClient, type HttpOptions, parseOrigins } from "./http.js";
import { OciRegistry } from "./oci-registry.js";
import { ReleaseCommits } from "./release-commits.js";
import { UvReleases } from "./uv-releases.js";

export interface Upstreams {
  http: HttpClient;
  cache: LookupCache;
  registry: OciRegistry;
  releases: UvReleases;
  attestations: GitHubAttestations;
  releaseCommits: ReleaseCommits;
}

export interface UpstreamsOptions {
  env?: NodeJS.ProcessEnv;
  http?: Omit<HttpOptions, "origins" | "allowedOrigins">;
  cache?: LookupCache;
}

/**
 * `UV_PIN_BOT_ORIGINS` rewrites origins; `GITHUB_API_URL` (default https://api.github.com) and
 * `GITHUB_TOKEN` reach uv's releases and artifact attestations; `UV_PIN_BOT_ATTESTATION_ORIGINS`
 * (comma-separated https origins) allows more hosts for attestation `bundle_url`s. Only the named
 * upstreams can be contacted: never a host named by a repository's configuration (a configured
 * registry mirror is looked up on the upstream it mirrors; see core/mirrors.ts).
 */
export function createUpstreams(options: UpstreamsOptions = {}): Upstreams {
  const env = options.env ?? process.env;
  const apiUrl = env.GITHUB_API_URL?.trim() || "https://api.github.com";
  const allowed = new Set(DEFAULT_UPSTREAMS);
  allowed.add(new URL(apiUrl).origin);
  for (const origin of ATTESTATION_BUNDLE_ORIGINS) allowed.add(origin);
  for (const origin of parseAllowedOrigins(env.UV_PIN_BOT_ATTESTATION_ORIGINS)) allowed.add(origin);
  const http = new HttpClient({
    ...options.http,
    origins: parseOrigins(env.UV_PIN_BOT_ORIGINS),
    allowedOrigins: [...allowed],
  });
  const cache = options.cache ?? new MemoryCache();
  const token = env.GITHUB_TOKEN?.trim() || undefined;
  return {
    http,
    cache,
    registry: new OciRegistry(http, cache),
    releases: new UvReleases(http, cache, { apiUrl, token }),
    attestations: new GitHubAttestations(http, cache, { apiUrl, token }),
    releaseCommits: new ReleaseCommits(http, cache, { apiUrl, token }),
  };
}

/** `https://host[:port],…`: exact https origins (no path, no wildcard); anything else is a UsageError. */
export function parseAllowedOrigins(spec: string | undefined): string[] {
  if (!spec?.trim()) return [];
  return spec.split(",").map((entry) => {
    let origin: string | null = null;
    try {
      const url = new URL(entry.trim());
      const bare = url.pathname === "/" && !url.search && !url.hash && !url.username;
      if (url.protocol === "https:" && bare && !url.hostname.includes("*")) origin = url.origin;
    } catch {
      origin = null;
    }
    if (!origin) {
      throw new UsageError(
        `UV_PIN_BOT_ATTESTATION_ORIGINS: \`${entry.trim()}\` is not an https origin such as https://host.example`,
      );
    }
    return origin;
  });
}
