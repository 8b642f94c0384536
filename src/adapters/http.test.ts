import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.js";
import { MemoryCache } from "./cache.js";
import { HttpClient, parseOrigins, retryAfterMs } from "./http.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 answering a scripted queue of responses. */
let server: Server;
let origin: string;
let queue: Handler[] = [];
let seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const next = queue.shift();
    if (next) next(req, res);
    else res.writeHead(500).end("queue empty");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  queue = [];
  seen = [];
});

const reply =
  (status: number, body = "", headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    res.writeHead(status, headers).end(body);

/** A client whose upstream `https://up.example` is served by the local server. */
function client(extra: ConstructorParameters<typeof HttpClient>[0] = {}) {
  const sleeps: number[] = [];
  const http = new HttpClient({
    origins: [{ from: "https://up.example", to: origin }],
    allowedOrigins: ["https://up.example", "https://other.example"],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    baseDelayMs: 100,
    ...extra,
  });
  return { http, sleeps };
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe("HttpClient", () => {
  it("a network failure names the upstream by its public URL, never the address it is rewritten to", async () => {
    // A port nothing listens on any more: the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const http = new HttpClient({
      origins: [{ from: "https://mirror.example", to: `http://127.0.0.1:${port}` }],
      allowedOrigins: ["https://mirror.example"],
      sleep: async () => undefined,
      maxTries: 1,
    });
    const error = await failure(http.request({ url: "https://mirror.example/v2/uv/tags/list" }));
    expect(error.message).toBe("https://mirror.example/v2/uv/tags/list: connection refused");
    expect(error.message).not.toContain("127.0.0.1");
    expect(error.code).toBe("upstream-unavailable");
  });

  it("rewrites the origin and reports the URL as named", async () => {
    queue.push(reply(200, "hello"));
    const { http } = client();
    const res = await http.request({ url: "https://up.example/a/b?c=1" });
    expect(new TextDecoder().decode(res.body)).toBe("hello");
    expect(res.url).toBe("https://up.example/a/b?c=1");
    expect(seen).toEqual(["GET /a/b?c=1"]);
    expect(http.stats.byOrigin.get("https://up.example")).toBe(1);
  });

  it("retries 503 and 429 with backoff, honouring Retry-After", async () => {
    queue.push(reply(503), reply(429, "", { "Retry-After": "3" }), reply(200, "ok"));
    const { http, sleeps } = client();
    const res = await http.request({ url: "https://up.example/x" });
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([100, 3000]);
    expect(http.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  it("gives up after maxTries with a typed error naming the status", async () => {
    queue.push(reply(502), reply(502), reply(502));
    const { http } = client({ maxTries: 3 });
    const error = await failure(http.request({ url: "https://up.example/x" }));
    expect(error.code).toBe("upstream-unavailable");
    expect(error.message).toBe("https://up.example/x: upstream error (502) after 3 tries");
    expect(seen).toHaveLength(3);
  });

  it("does not wait out a Retry-After beyond its limit", async () => {
    queue.push(reply(429, "", { "Retry-After": "3600" }));
    const { http, sleeps } = client();
    const error = await failure(http.request({ url: "https://up.example/x" }));
    expect(error.code).toBe("rate-limited");
    expect(error.message).toMatch(/retry after 3600 s$/);
    expect(sleeps).toEqual([]);
  });

  it("maps 404, 401 and other statuses to typed errors without retrying", async () => {
    queue.push(reply(404), reply(401), reply(418));
    const { http } = client();
    expect((await failure(http.request({ url: "https://up.example/1" }))).code).toBe("not-found");
    expect((await failure(http.request({ url: "https://up.example/2" }))).code).toBe("auth");
    expect((await failure(http.request({ url: "https://up.example/3" }))).code).toBe(
      "bad-response",
    );
    expect(seen).toHaveLength(3);
  });

  it("returns accepted non-2xx statuses to the caller", async () => {
    queue.push(reply(401, "", { "WWW-Authenticate": 'Bearer realm="x"' }));
    const { http } = client();
    const res = await http.request({ url: "https://up.example/v2/", accept: [401] });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="x"');
  });

  it("retries a reset connection and a timeout, then reports them", async () => {
    const destroy: Handler = (req) => req.socket.destroy();
    const hang: Handler = () => undefined;
    queue.push(destroy, reply(200, "ok"));
    const { http } = client();
    expect((await http.request({ url: "https://up.example/x" })).status).toBe(200);
    queue.push(hang, hang);
    const slow = client({ timeoutMs: 150, maxTries: 2 }).http;
    const error = await failure(slow.request({ url: "https://up.example/slow" }));
    expect(error.code).toBe("timeout");
    expect(error.message).toBe("https://up.example/slow: no answer within 150 ms");
  });

  it("follows redirects within the upstreams and refuses others", async () => {
    queue.push(reply(307, "", { Location: `${origin}/moved` }), reply(200, "here"));
    const { http } = client();
    const res = await http.request({ url: "https://up.example/start" });
    expect(res.url).toBe("https://up.example/moved");
    expect(seen).toEqual(["GET /start", "GET /moved"]);

    queue.push(reply(302, "", { Location: "https://evil.example/steal" }));
    const error = await failure(http.request({ url: "https://up.example/start" }));
    expect(error.code).toBe("forbidden-host");
    expect(error.message).toBe("refusing to contact a host outside the configured upstreams");
  });

  it("names no refused host in its error (its text reaches users): the operator's log is told the origin", async () => {
    const refused: string[] = [];
    const { http } = client({ onRefused: (o) => refused.push(o) });
    // An internal mirror redirecting to internal storage, by address.
    queue.push(reply(302, "", { Location: "http://10.0.3.7:9000/blobs/sha256:abc?X-Sig=s3cr3t" }));
    const error = await failure(http.request({ url: "https://up.example/start" }));
    expect(error.code).toBe("forbidden-host");
    expect(error.message).not.toMatch(/10\.0\.3\.7|9000|s3cr3t/);
    expect(refused).toEqual(["http://10.0.3.7:9000"]);
    expect(seen).toEqual(["GET /start"]);
  });

  it("drops credentials on a redirect to another origin, keeps them on the same origin", async () => {
    const auth: (string | undefined)[] = [];
    const record =
      (next: Handler): Handler =>
      (req, res) => {
        auth.push(req.headers.authorization);
        next(req, res);
      };
    const { http } = client({
      origins: [
        { from: "https://up.example", to: origin },
        { from: "https://other.example", to: origin.replace("127.0.0.1", "localhost") },
      ],
    });
    queue.push(
      record(reply(307, "", { Location: "/same" })),
      record(reply(302, "", { Location: `${origin.replace("127.0.0.1", "localhost")}/blob` })),
      record(reply(200, "blob")),
    );
    await http.request({
      url: "https://up.example/start",
      headers: { authorization: "Bearer secret" },
    });
    expect(auth).toEqual(["Bearer secret", "Bearer secret", undefined]);
  });

  it("never contacts an origin that is not configured", async () => {
    const { http } = client();
    const error = await failure(http.request({ url: "https://not-listed.example/x" }));
    expect(error.code).toBe("forbidden-host");
    expect(seen).toEqual([]);
  });
});

describe("parseOrigins and Retry-After", () => {
  it("parses rewrites and rejects malformed ones with one line", () => {
    expect(
      parseOrigins("https://ghcr.io=http://127.0.0.1:5000, https://astral.sh=https://m.example"),
    ).toEqual([
      { from: "https://ghcr.io", to: "http://127.0.0.1:5000" },
      { from: "https://astral.sh", to: "https://m.example" },
    ]);
    expect(parseOrigins(undefined)).toEqual([]);
    expect(() => parseOrigins("ghcr.io=127.0.0.1")).toThrow(
      "UV_PIN_BOT_ORIGINS: `ghcr.io=127.0.0.1` is not of the form https://origin=http(s)://replacement",
    );
    expect(() => parseOrigins("https://ghcr.io/path=http://x")).toThrow(/is not of the form/);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-28T12:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "7" }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ "retry-after": "Sat, 28 Nov 2026 12:00:30 GMT" }), now)).toBe(
      30_000,
    );
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });
});

describe("MemoryCache", () => {
  it("loads a key once while fresh, shares concurrent loads, forgets failures and expired entries", async () => {
    let now = 0;
    const cache = new MemoryCache(() => now);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.memo("k", 1000, load), cache.memo("k", 1000, load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 1001;
    expect(await cache.memo("k", 1000, load)).toBe(2);
    await expect(cache.memo("bad", 1000, () => Promise.reject(new Error("x")))).rejects.toThrow(
      "x",
    );
    expect(await cache.memo("bad", 1000, load)).toBe(3);
    expect(cache.stats).toEqual({ hits: 1, misses: 4 });
  });

  it("keeps a value as long as it tells (≤ 0: not kept); a value the caller refuses is loaded again once, for all", async () => {
    let now = 0;
    const cache = new MemoryCache(() => now);
    const until = (v: { n: number; until: number }) => v.until - now;
    let loads = 0;
    const load = async () => ({ n: ++loads, until: loads === 2 ? now : now + 500 });
    expect((await cache.memo("t", until, load)).n).toBe(1);
    now = 499;
    expect((await cache.memo("t", until, load)).n).toBe(1);
    now = 500;
    // Loaded again (2), told 0 ms: not kept, so the next asker loads (3).
    expect((await cache.memo("t", until, load)).n).toBe(2);
    expect((await cache.memo("t", until, load)).n).toBe(3);
    // Two callers refuse 3 at once: one load (4), which both get; a caller refusing 4 gets 5.
    const refuse = (n: number) => ({ replace: (v: { n: number }) => v.n === n });
    const both = await Promise.all([
      cache.memo("t", until, load, refuse(3)),
      cache.memo("t", until, load, refuse(3)),
    ]);
    expect(both.map((v) => v.n)).toEqual([4, 4]);
    expect((await cache.memo("t", until, load, refuse(3))).n).toBe(4);
    expect((await cache.memo("t", until, load, refuse(4))).n).toBe(5);
    expect(loads).toBe(5);
  });
});
