/** Builds the upstream adapters from the environment: one HTTP layer, one cache, shared by all. */

import { type LookupCache, MemoryCache } from "./cache.js";
import { DEFAULT_UPSTREAMS, HttpClient, type HttpOptions, parseOrigins } from "./http.js";
import { OciRegistry, repositoryOf } from "./oci-registry.js";
import { UvReleases } from "./uv-releases.js";

export interface Upstreams {
  http: HttpClient;
  cache: LookupCache;
  registry: OciRegistry;
  releases: UvReleases;
}

export interface UpstreamsOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra image repositories (registry mirrors) whose registries may be contacted. */
  images?: readonly string[];
  http?: Omit<HttpOptions, "origins" | "allowedOrigins">;
  cache?: LookupCache;
}

/**
 * `UV_PIN_BOT_ORIGINS` rewrites origins; `GITHUB_API_URL` (default https://api.github.com) and
 * `GITHUB_TOKEN` reach uv's releases. Only the named upstreams can be contacted.
 */
export function createUpstreams(options: UpstreamsOptions = {}): Upstreams {
  const env = options.env ?? process.env;
  const apiUrl = env.GITHUB_API_URL?.trim() || "https://api.github.com";
  const allowed = new Set(DEFAULT_UPSTREAMS);
  allowed.add(new URL(apiUrl).origin);
  for (const image of options.images ?? []) allowed.add(repositoryOf(image).origin);
  const http = new HttpClient({
    ...options.http,
    origins: parseOrigins(env.UV_PIN_BOT_ORIGINS),
    allowedOrigins: [...allowed],
  });
  const cache = options.cache ?? new MemoryCache();
  return {
    http,
    cache,
    registry: new OciRegistry(http, cache),
    releases: new UvReleases(http, cache, { apiUrl, token: env.GITHUB_TOKEN?.trim() || undefined }),
  };
}
