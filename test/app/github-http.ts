/**
 * The fake GitHub (fake-github.ts) served over loopback HTTP, for app processes nock cannot
 * reach (worker children) and for the sweep benchmark. On top of the model, as GitHub does:
 *
 * - `latencyMs`: every answer waits that long (a network round trip to GitHub).
 * - Rate limits per installation token: `x-ratelimit-limit/-remaining/-used/-reset/-resource`
 *   on every answer; `limit(n)` per installation (GitHub: 5,000, plus 50 per repository over 20
 *   in an organisation, at most 12,500); at 0 left, 403 "API rate limit exceeded" until the
 *   reset, when a new window starts (every installation back to its limit, the next reset
 *   `windowSeconds` ahead). A 304 is not counted (GitHub does not count conditional hits).
 * - Conditional requests: a GET answered 200 carries `etag` (a hash of its body); the same
 *   request with `if-none-match` on an unchanged answer is 304 with no body.
 * - `link` headers point at this server, not at api.github.com.
 *
 * Headers the model already set win over these. `stats` counts answers by status and the 304s.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { API } from "./fake-repo.js";

/** What the HTTP front needs of the fake GitHub (`FakeGitHub.serve`). */
export interface Servable {
  serve(
    method: string,
    uri: string,
    body: string,
    headers: Record<string, string | string[] | undefined>,
  ):
    | [number, unknown, Record<string, string>?]
    | Promise<[number, unknown, Record<string, string>?]>;
}

export interface GitHubHttpOptions {
  /** Milliseconds before each answer (default 0). */
  latencyMs?: number;
  /** Requests per hour of an installation token: a number, or per installation id. */
  rateLimit?: number | ((installationId: number) => number);
  /** When the rate-limit window resets (epoch seconds; default `windowSeconds` from now). */
  resetAt?: number;
  /** How long a rate-limit window lasts (seconds; GitHub: an hour, the default). */
  windowSeconds?: number;
  /** Called with every answer (after the rate limit and the conditional check). */
  onAnswer?: (answer: AnsweredRequest) => void;
}

export interface AnsweredRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  status: number;
  /** The installation whose token asked, else null (app JWT, none). */
  installation: number | null;
}

export interface GitHubHttpStats {
  requests: number;
  notModified: number;
  rateLimited: number;
  byStatus: Map<number, number>;
}

export interface GitHubHttp {
  url: string;
  server: Server;
  stats: GitHubHttpStats;
  /** Remaining requests per installation id (those that asked so far). */
  remaining(): Map<number, number>;
  /** A new rate-limit window (every installation back to its limit), e.g. between sweeps. */
  newWindow(resetAt?: number): void;
  close(): Promise<void>;
}

export async function serveGitHub(
  github: Servable,
  options: GitHubHttpOptions = {},
): Promise<GitHubHttp> {
  const latency = options.latencyMs ?? 0;
  const limitOf =
    typeof options.rateLimit === "function"
      ? options.rateLimit
      : () => (options.rateLimit as number | undefined) ?? 5000;
  const window = options.windowSeconds ?? 3600;
  let resetAt = options.resetAt ?? Math.floor(Date.now() / 1000) + window;
  const used = new Map<number, number>();
  const stats: GitHubHttpStats = {
    requests: 0,
    notModified: 0,
    rateLimited: 0,
    byStatus: new Map(),
  };
  let base = "";

  const answer = async (req: IncomingMessage, body: string) => {
    // The window has reset: every installation has its limit again, until the next reset.
    const now = Date.now() / 1000;
    if (now >= resetAt) {
      used.clear();
      resetAt = Math.floor(now) + window;
    }
    const installation = installationOf(req);
    const limit = installation === null ? 0 : limitOf(installation);
    const spent = installation === null ? 0 : (used.get(installation) ?? 0);
    const rateHeaders = (count: number): Record<string, string> =>
      installation === null
        ? {}
        : {
            "x-ratelimit-limit": String(limit),
            "x-ratelimit-remaining": String(Math.max(0, limit - count)),
            "x-ratelimit-used": String(count),
            "x-ratelimit-reset": String(resetAt),
            "x-ratelimit-resource": "core",
          };
    if (installation !== null && spent >= limit) {
      stats.rateLimited++;
      return {
        status: 403,
        headers: rateHeaders(spent),
        text: JSON.stringify({
          message: `API rate limit exceeded for installation ID ${installation}.`,
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }),
      };
    }
    const method = req.method ?? "GET";
    const [status, json, modelHeaders = {}] = await github.serve(
      method,
      req.url ?? "/",
      body,
      req.headers,
    );
    const text =
      json === undefined || json === ""
        ? ""
        : typeof json === "string"
          ? json
          : JSON.stringify(json);
    const headers: Record<string, string> = {
      "content-type": typeof json === "string" ? "text/plain; charset=utf-8" : "application/json",
    };
    if (method === "GET" && status === 200) {
      const etag = `"${createHash("sha1").update(text).digest("hex")}"`;
      headers.etag = etag;
      if (req.headers["if-none-match"] === etag) {
        stats.notModified++;
        return { status: 304, headers: { ...headers, ...rateHeaders(spent) }, text: "" };
      }
    }
    if (installation !== null) used.set(installation, spent + 1);
    Object.assign(headers, rateHeaders(spent + 1), modelHeaders);
    if (headers.link) headers.link = headers.link.split(API).join(base);
    return { status, headers, text };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const started = Date.now();
      answer(req, Buffer.concat(chunks).toString("utf8")).then(
        ({ status, headers, text }) => {
          stats.requests++;
          stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
          options.onAnswer?.({
            method: req.method ?? "GET",
            url: req.url ?? "/",
            status,
            installation: installationOf(req),
          });
          const wait = Math.max(0, latency - (Date.now() - started));
          setTimeout(() => res.writeHead(status, headers).end(status === 304 ? "" : text), wait);
        },
        () => res.destroy(),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    server,
    stats,
    remaining: () =>
      new Map([...used].map(([id, n]) => [id, Math.max(0, limitOf(id) - n)] as const)),
    newWindow: (at) => {
      used.clear();
      resetAt = at ?? Math.floor(Date.now() / 1000) + window;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function installationOf(req: IncomingMessage): number | null {
  const token = /^token ghs_test_(\d+)$/i.exec(String(req.headers.authorization ?? ""));
  return token ? Number(token[1]) : null;
}
