/**
 * The app started as the image starts it: `node dist/start.js` (built as `npm run build` builds
 * it) in a child process, configured through the environment only. GitHub's API is a small HTTP
 * server on 127.0.0.1 (GHE_HOST points Probot at it) that can hold a request, so that work is in
 * flight when SIGTERM arrives. Every connection goes to 127.0.0.1.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import { Webhooks } from "@octokit/webhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { example } from "./app/harness.js";
import { type BuiltProject, buildProject } from "./built-project.js";

const SECRET = "start-test-secret";
const SWEEP_SECRET = "start-test-sweep";
const INSTALLATION = 777;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let build: BuiltProject;
beforeAll(() => {
  build = buildProject();
}, 180_000);
afterAll(() => build?.remove());

// --- GitHub's API, answered on 127.0.0.1 ------------------------------------------------------

interface Held {
  path: string;
  release(status: number, body: unknown): void;
}

class FakeApi {
  readonly seen: string[] = [];
  /** Paths (method and path without query) whose next request is held until released. */
  readonly holdOn = new Set<string>();
  private waiters: { match: string; resolve: (held: Held) => void }[] = [];
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createHttpServer((req, res) => {
      void readBody(req).then(() => {
        const key = `${req.method} ${(req.url ?? "").split("?")[0]}`;
        this.seen.push(key);
        const answer = (status: number, body: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        const held: Held = { path: key, release: answer };
        if (this.holdOn.has(key)) {
          this.holdOn.delete(key);
          const at = this.waiters.findIndex((w) => w.match === key);
          const [waiter] = at >= 0 ? this.waiters.splice(at, 1) : [];
          waiter?.resolve(held);
          return;
        }
        const [status, body] = route(key);
        answer(status, body);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Holds the next `METHOD /path` request; resolves with it once it arrived. */
  hold(key: string): Promise<Held> {
    this.holdOn.add(key);
    return new Promise((resolve) => this.waiters.push({ match: key, resolve }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function route(key: string): [number, unknown] {
  if (/^POST \/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(key))
    return [
      201,
      {
        token: "ghs_test",
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
      },
    ];
  if (key === "GET /api/v3/app/installations") return [200, []];
  if (/^POST .*\/reactions$/.test(key)) return [201, { id: 1, content: "eyes" }];
  if (/^GET .*\/collaborators\/[^/]+\/permission$/.test(key))
    return [200, { permission: "write", user: { login: "alice" } }];
  if (/^POST .*\/issues\/\d+\/comments$/.test(key))
    return [201, { id: 99, html_url: "https://github.com/acme/app/issues/1#issuecomment-99" }];
  return [404, { message: "Not Found" }];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
  });
}

// --- the app process ---------------------------------------------------------------------------

interface AppProcess {
  child: ChildProcess;
  port: number;
  /** Log lines (JSON from Probot's logger; plain text otherwise). */
  lines: string[];
  /** Resolves with the first line containing `text`. */
  line(text: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: AppProcess[] = [];
afterEach(() => {
  for (const app of running.splice(0)) if (app.child.exitCode === null) app.child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startApp(api: FakeApi, env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--optimize-for-size", build.path("dist/start.js")], {
    cwd: build.dir,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      PORT: String(port),
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: `127.0.0.1:${api.port}`,
      GHE_PROTOCOL: "http",
      UV_PIN_BOT_SWEEP_SECRET: SWEEP_SECRET,
      UV_PIN_BOT_TUF: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let listeners: (() => void)[] = [];
  // Whole lines only: a chunk may end in the middle of one.
  const reader = () => {
    let partial = "";
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts.filter(Boolean));
      for (const listener of listeners) listener();
    };
  };
  child.stdout?.on("data", reader());
  child.stderr?.on("data", reader());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const line = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find((l) => l.includes(text));
        if (found === undefined) return false;
        listeners = listeners.filter((l) => l !== check);
        resolve(found);
        return true;
      };
      if (check()) return;
      listeners.push(check);
      void exited.then(() => {
        if (!check()) reject(new Error(`exited without "${text}":\n${lines.join("\n")}`));
      });
    });
  const app = { child, port, lines, line, exited };
  running.push(app);
  return app;
}

/** A JSON log line's message and time (the line itself and 0 for other output). */
function parsed(line: string): { msg: string; time: number } {
  try {
    const { msg, time } = JSON.parse(line) as { msg?: string; time?: number };
    return { msg: msg ?? line, time: time ?? 0 };
  } catch {
    return { msg: line, time: 0 };
  }
}

const msg = (line: string) => parsed(line).msg;

/** `node dist/healthcheck.js` (the image's HEALTHCHECK) with HOST and PORT. */
function healthcheck(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [build.path("dist/healthcheck.js")], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

/** Whether a new TCP connection to 127.0.0.1:port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(true));
  });
}

// --- tests -------------------------------------------------------------------------------------

describe("node dist/start.js (the image's command)", () => {
  const api = new FakeApi();
  beforeAll(() => api.start());
  afterAll(() => api.stop());

  it("with HOST=0.0.0.0 binds every interface; /ping answers over loopback; SIGTERM exits 0", async () => {
    const app = await startApp(api, { HOST: "0.0.0.0" });
    expect(msg(await app.line("uv-pin-bot: listening on"))).toBe(
      `uv-pin-bot: listening on 0.0.0.0:${app.port}`,
    );
    const ping = await fetch(`http://127.0.0.1:${app.port}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, "PONG"]);
    // the image's HEALTHCHECK command, with the image's HOST
    expect(healthcheck({ HOST: "0.0.0.0", PORT: String(app.port) })).toEqual({
      status: 0,
      stderr: "",
    });
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.lines.map(msg)).toContain("uv-pin-bot: stopped");
    const down = healthcheck({ HOST: "0.0.0.0", PORT: String(app.port) });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${app.port}/ping: .+\n$`),
    );
  });

  it("with HOST=127.0.0.1 binds loopback only; SIGINT exits 0 (not Probot's own handler)", async () => {
    const app = await startApp(api, { HOST: "127.0.0.1" });
    expect(msg(await app.line("uv-pin-bot: listening on"))).toBe(
      `uv-pin-bot: listening on 127.0.0.1:${app.port}`,
    );
    app.child.kill("SIGINT");
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.lines.map(msg)).toContain(
      "uv-pin-bot: SIGINT: stopping (no new work; running work has 8 s to finish)",
    );
    expect(app.lines.join("\n")).not.toContain("Stopping server...");
  });

  it("a sweep running when SIGTERM arrives finishes, new connections are refused, then exit 0", async () => {
    const app = await startApp(api, { HOST: "0.0.0.0" });
    await app.line("uv-pin-bot: listening on");
    const held = api.hold("GET /api/v3/app/installations");
    const started = await fetch(`http://127.0.0.1:${app.port}/uv-pin-bot/sweep`, {
      method: "POST",
      headers: { authorization: `Bearer ${SWEEP_SECRET}` },
    });
    expect(started.status).toBe(202);
    const request = await held;
    app.child.kill("SIGTERM");
    await app.line("SIGTERM: stopping");
    // stopped accepting, still running (the sweep waits for GitHub)
    while (!(await refused(app.port))) await new Promise((r) => setTimeout(r, 20));
    expect(app.child.exitCode).toBeNull();
    request.release(200, []);
    expect(await app.exited).toEqual({ code: 0, signal: null });
    // The sweep finished (and logged its summary) before the process said it stopped.
    const logged = app.lines.map(parsed);
    const summary = logged.find((l) => l.msg.startsWith("uv-pin-bot sweep: 0 repositories"));
    const stopped = logged.find((l) => l.msg === "uv-pin-bot: stopped");
    expect(summary, app.lines.join("\n")).toBeDefined();
    expect(summary?.time).toBeLessThanOrEqual(stopped?.time ?? 0);
  });

  it("a webhook delivery in flight is answered before the process exits 0", async () => {
    const app = await startApp(api, { HOST: "0.0.0.0" });
    await app.line("uv-pin-bot: listening on");
    const payload = example("issue_comment", "created") as Record<string, Record<string, unknown>>;
    payload.installation = { id: INSTALLATION, node_id: "x" };
    payload.comment = { ...payload.comment, body: "/uv-update help" };
    const body = JSON.stringify(payload);
    const repo = payload.repository as { full_name: string };
    const issue = (payload.issue as { number: number }).number;
    const comment = (payload.comment as { id: number }).id;
    const held = api.hold(
      `POST /api/v3/repos/${repo.full_name}/issues/comments/${comment}/reactions`,
    );
    const delivery = fetch(`http://127.0.0.1:${app.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": "start-test-1",
        "x-hub-signature-256": await new Webhooks({ secret: SECRET }).sign(body),
      },
      body,
    });
    const reaction = await held;
    api.seen.length = 0;
    app.child.kill("SIGTERM");
    await app.line("SIGTERM: stopping");
    reaction.release(201, { id: 1, content: "eyes" });
    expect((await delivery).status).toBe(200);
    expect(await app.exited).toEqual({ code: 0, signal: null });
    // after the held reaction: the permission check, the help reply and the closing reaction
    expect(api.seen).toEqual([
      `GET /api/v3/repos/${repo.full_name}/collaborators/${(payload.sender as { login: string }).login}/permission`,
      `POST /api/v3/repos/${repo.full_name}/issues/${issue}/comments`,
      `POST /api/v3/repos/${repo.full_name}/issues/comments/${comment}/reactions`,
    ]);
  });

  it("work that outlives UV_PIN_BOT_SHUTDOWN_TIMEOUT is handed back: exit 0 with a warning", async () => {
    const app = await startApp(api, { HOST: "127.0.0.1", UV_PIN_BOT_SHUTDOWN_TIMEOUT: "0.5" });
    await app.line("uv-pin-bot: listening on");
    const held = api.hold("GET /api/v3/app/installations");
    await fetch(`http://127.0.0.1:${app.port}/uv-pin-bot/sweep`, {
      method: "POST",
      headers: { authorization: `Bearer ${SWEEP_SECRET}` },
    });
    const request = await held;
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.lines.map(msg)).toContain(
      "uv-pin-bot: app work did not finish within 0.5 s; their work is handed back",
    );
    request.release(200, []); // the process is gone; nothing answers
  });

  it.each([
    ["blank", "", "uv-pin-bot: WEBHOOK_SECRET is not set; refusing to start"],
    [
      '"development" (Probot\'s fallback)',
      "development",
      'uv-pin-bot: WEBHOOK_SECRET is Probot\'s well-known default "development"; refusing to start',
    ],
  ])(
    "a WEBHOOK_SECRET that is %s: one line, exit 1, nothing served",
    async (_name, secret, line) => {
      const asked = api.seen.length;
      const app = await startApp(api, { WEBHOOK_SECRET: secret });
      expect((await app.line("refusing to start")).startsWith(line)).toBe(true);
      expect(await app.exited).toEqual({ code: 1, signal: null });
      expect(app.lines).toHaveLength(1);
      expect(api.seen.length).toBe(asked);
    },
  );

  it.each([
    [{ UV_PIN_BOT_ROLE: "boss" }, "UV_PIN_BOT_ROLE: expected web, worker or all, not `boss`"],
    [
      { UV_PIN_BOT_CONCURRENCY: "0" },
      "UV_PIN_BOT_CONCURRENCY: expected a whole number from 1 to 256, not `0`",
    ],
  ])("clustered, a bad %o is one line and exit 1, before any connection", async (env, message) => {
    // Nothing listens on port 9: the setting is refused before the app would connect.
    const app = await startApp(api, { REDIS_URL: "redis://127.0.0.1:9", ...env });
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.lines).toEqual([`uv-pin-bot: cannot start: ${message}`]);
  });

  it("an invalid shutdown bound is one line and exit 1", async () => {
    const app = await startApp(api, { UV_PIN_BOT_SHUTDOWN_TIMEOUT: "soon" });
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.lines).toContain(
      'uv-pin-bot: cannot start: UV_PIN_BOT_SHUTDOWN_TIMEOUT must be a number of seconds greater than 0, got "soon"',
    );
  });
});
