/**
 * The one HTTP layer every upstream call goes through: an allow-list of origins, origin rewrites
 * (`UV_PIN_BOT_ORIGINS`), timeouts, bounded retries with exponential backoff and full jitter on
 * 429/5xx/network errors honouring `Retry-After`, redirects checked against the allow-list, and
 * status codes turned into typed errors in one place.
 */
import { UpstreamError, UsageError } from "../errors.js";

export interface OriginRewrite {
  /** The upstream origin as named in URLs, e.g. `https://ghcr.io`. */
  from: string;
  /** Where its requests really go, e.g. `http://127.0.0.1:5000` or a mirror. */
  to: string;
}

/** Upstreams uv-pin-bot talks to by default (before rewrites). */
export const DEFAULT_UPSTREAMS: readonly string[] = [
  "https://ghcr.io",
  "https://pkg-containers.githubusercontent.com",
  "https://registry-1.docker.io",
  "https://auth.docker.io",
  "https://production.cloudflare.docker.com",
  "https://api.github.com",
  "https://github.com",
  "https://objects.githubusercontent.com",
  "https://release-assets.githubusercontent.com",
  "https://astral.sh",
  "https://releases.astral.sh",
];

/** Parses `https://origin=http(s)://replacement,…`; a malformed entry is a UsageError. */
export function parseOrigins(spec: string | undefined): OriginRewrite[] {
  if (!spec?.trim()) return [];
  return spec.split(",").map((entry) => {
    const [from, to, extra] = entry.trim().split("=");
    const f = originOf(from);
    const t = originOf(to);
    if (!f || !t || extra !== undefined) {
      throw new UsageError(
        `UV_PIN_BOT_ORIGINS: \`${entry.trim()}\` is not of the form https://origin=http(s)://replacement`,
      );
    }
    return { from: f, to: t };
  });
}

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (url.pathname !== "/" || url.search || url.hash) return null;
    return url.origin;
  } catch {
    return null;
  }
}

export interface HttpOptions {
  origins?: readonly OriginRewrite[];
  /** Origins (as named, before rewrites) that requests may reach; default DEFAULT_UPSTREAMS. */
  allowedOrigins?: readonly string[];
  timeoutMs?: number;
  maxTries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the request fails as rate limited. */
  maxRetryAfterMs?: number;
  maxBytes?: number;
  userAgent?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Told the origin of every request refused because it is not an upstream's (a redirect, a
   * token realm or a Link to another host): for the operator's log. The error itself does not
   * name the host, since its text reaches pull requests and replies, and the host may be internal.
   */
  onRefused?: (origin: string) => void;
}

export interface HttpRequest {
  url: string;
  method?: "GET" | "HEAD" | "POST" | "PUT";
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Statuses returned to the caller besides 2xx (e.g. 401 for a registry's challenge). */
  accept?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The final URL as named (origin rewrites undone), after redirects. */
  url: string;
}

export interface HttpStats {
  requests: number;
  retries: number;
  byOrigin: Map<string, number>;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, byOrigin: new Map() };
  private readonly origins: readonly OriginRewrite[];
  private readonly allowed: Set<string>;
  private readonly o: Required<Omit<HttpOptions, "origins" | "allowedOrigins">>;

  constructor(options: HttpOptions = {}) {
    this.origins = options.origins ?? [];
    this.allowed = new Set(options.allowedOrigins ?? DEFAULT_UPSTREAMS);
    for (const r of this.origins) this.allowed.add(r.from);
    this.o = {
      timeoutMs: options.timeoutMs ?? 20_000,
      maxTries: options.maxTries ?? 4,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
      userAgent: options.userAgent ?? "uv-pin-bot",
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      onRefused: options.onRefused ?? (() => undefined),
    };
  }

  /** Whether a URL's origin is one this client may reach. */
  allows(url: string): boolean {
    try {
      return this.allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /** The URL a request for `url` really goes to. */
  physical(url: string): string {
    const u = new URL(url);
    const rewrite = this.origins.find((r) => r.from === u.origin);
    return rewrite ? rewrite.to + u.pathname + u.search : url;
  }

  /** A physical URL (e.g. a Location header) named as its upstream, when it points at a rewrite. */
  logical(url: string): string {
    const u = new URL(url);
    const rewrite = this.origins.find((r) => r.to === u.origin);
    return rewrite ? rewrite.from + u.pathname + u.search : url;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let current = req;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (!this.allows(url)) {
        this.o.onRefused(safeOrigin(url));
        throw new UpstreamError(
          "forbidden-host",
          "refusing to contact a host outside the configured upstreams",
          url,
          null,
        );
      }
      const res = await this.withRetries(url, current);
      if (REDIRECTS.has(res.status) && res.headers.has("location")) {
        const next = this.logical(
          new URL(res.headers.get("location") as string, this.physical(url)).toString(),
        );
        // Credentials never follow a redirect to another origin (a registry's blob storage, say).
        if (new URL(next).origin !== new URL(url).origin)
          current = { ...current, headers: withoutCredentials(current.headers) };
        url = next;
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) {
        return { ...res, url };
      }
      throw errorFor(res.status, url, res.headers);
    }
    throw new UpstreamError("bad-response", `too many redirects from ${req.url}`, req.url, null);
  }

  private async withRetries(url: string, req: HttpRequest): Promise<Omit<HttpResponse, "url">> {
    const { maxTries } = this.o;
    for (let attempt = 1; ; attempt++) {
      let outcome: Omit<HttpResponse, "url"> | { error: UpstreamError };
      try {
        outcome = await this.once(url, req);
      } catch (error) {
        outcome = { error: networkError(error, url, this.o.timeoutMs) };
      }
      const retryable = "error" in outcome || RETRYABLE.has(outcome.status);
      if (!retryable) return outcome as Omit<HttpResponse, "url">;
      const retryAfter = "error" in outcome ? null : retryAfterMs(outcome.headers, Date.now());
      const last = attempt >= maxTries;
      const tooLong = retryAfter !== null && retryAfter > this.o.maxRetryAfterMs;
      if (last || tooLong) {
        if ("error" in outcome) throw outcome.error;
        throw errorFor(outcome.status, url, outcome.headers, attempt);
      }
      this.stats.retries++;
      const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
      await this.o.sleep(Math.max(retryAfter ?? 0, backoff * this.o.random()));
    }
  }

  private async once(url: string, req: HttpRequest): Promise<Omit<HttpResponse, "url">> {
    const target = this.physical(url);
    const origin = new URL(url).origin;
    this.stats.requests++;
    this.stats.byOrigin.set(origin, (this.stats.byOrigin.get(origin) ?? 0) + 1);
    const res = await this.o.fetch(target, {
      method: req.method ?? "GET",
      headers: { "user-agent": this.o.userAgent, ...req.headers },
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > this.o.maxBytes) {
      await res.body?.cancel();
      throw new UpstreamError(
        "bad-response",
        `${url} answered more than ${this.o.maxBytes} bytes`,
        url,
        res.status,
      );
    }
    const body = req.method === "HEAD" ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
    if (body.length > this.o.maxBytes) {
      throw new UpstreamError(
        "bad-response",
        `${url} answered more than ${this.o.maxBytes} bytes`,
        url,
        res.status,
      );
    }
    return { status: res.status, headers: res.headers, body };
  }
}

function withoutCredentials(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!/^(authorization|cookie|proxy-authorization)$/i.test(k)) out[k] = v;
  }
  return out;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return JSON.stringify(url);
  }
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const value = headers.get("retry-after");
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The one place where HTTP statuses become typed errors. */
export function errorFor(
  status: number,
  url: string,
  headers?: Headers,
  tries?: number,
): UpstreamError {
  const after = tries && tries > 1 ? ` after ${tries} tries` : "";
  if (status === 404) return new UpstreamError("not-found", `${url}: not found (404)`, url, status);
  if (status === 401 || status === 403) {
    return new UpstreamError("auth", `${url}: access denied (${status})`, url, status);
  }
  if (status === 429) {
    const wait = headers ? retryAfterMs(headers, Date.now()) : null;
    const hint = wait !== null ? `; retry after ${Math.ceil(wait / 1000)} s` : "";
    return new UpstreamError(
      "rate-limited",
      `${url}: rate limited (429)${after}${hint}`,
      url,
      status,
    );
  }
  if (status >= 500) {
    return new UpstreamError(
      "upstream-unavailable",
      `${url}: upstream error (${status})${after}`,
      url,
      status,
    );
  }
  return new UpstreamError("bad-response", `${url}: unexpected status ${status}`, url, status);
}

function networkError(error: unknown, url: string, timeoutMs: number): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new UpstreamError("timeout", `${url}: no answer within ${timeoutMs} ms`, url, null, {
      cause: error,
    });
  }
  return new UpstreamError("upstream-unavailable", `${url}: ${networkProblem(error)}`, url, null, {
    cause: error,
  });
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time",
  UND_ERR_BODY_TIMEOUT: "answer stalled",
};

/**
 * What went wrong on the network, in words that name no address: the message of a network error
 * (`connect ECONNREFUSED 10.0.3.7:5000`) can reveal the internal address an origin is rewritten
 * to, and these texts reach pull request bodies, replies and check runs. The upstream is named by
 * the public URL the caller asked for; the full error stays in `cause` for the logs.
 */
export function networkProblem(error: unknown): string {
  return networkCode(error) ?? "network error";
}

/** Like `networkProblem`, or null when the error is no network error. */
export function networkCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    // The code, or one named in the text (`connect ECONNREFUSED 10.0.3.7:5000`).
    const named = /\b(E[A-Z]{2,}[A-Z_]*|UND_ERR_[A-Z_]+)\b/.exec(
      e instanceof Error ? e.message : "",
    )?.[1];
    const code = (e as { code?: unknown }).code ?? named;
    if (typeof code === "string") {
      if (NETWORK_CODES[code]) return NETWORK_CODES[code];
      if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return "TLS certificate not accepted";
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** The `rel="next"` target of a Link header (relative or absolute), resolved against `base`. */
export function nextLink(link: string | null, base: string): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel="?next"?/.test(m[2] ?? "")) return new URL(m[1] ?? "", base).toString();
  }
  return null;
}
