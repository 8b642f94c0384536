/**
 * A real `redis-server` for tests (Debian's package, 7.x): started on 127.0.0.1 and a free port,
 * without persistence unless asked (`persist: true` keeps an append-only file in a temporary
 * directory, so that `restart()` comes back with the data, as a production Redis for BullMQ
 * should). A missing binary skips the Redis tests outside CI and fails them in CI
 * (test/system-packages.ts; `REDIS_SERVER_BIN` overrides the binary).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithPackages, packageBinary } from "../system-packages.js";

export function redisBinary(): string | undefined {
  return packageBinary("redis-server");
}

/** `describe` for tests that need a real Redis (skipped outside CI, failing in CI without it). */
export function describeWithRedis(name: string, body: () => void): void {
  describeWithPackages(["redis-server"], name, body);
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it (the port stays reserved for nothing: tests expect it unreachable). */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const bin = redisBinary();
  if (!bin) throw new Error("redis-server is not installed");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-redis-"));
  let child: ChildProcess | undefined;
  const args = [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--save",
    "",
    "--dir",
    dir,
    "--appendonly",
    options.persist ? "yes" : "no",
    ...(options.persist ? ["--appendfsync", "always"] : []),
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
  ];
  const start = async () => {
    child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server did not start on ${port}: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when something on `port` answers PING with PONG (and is loaded: no -LOADING). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = "";
    socket.setTimeout(500);
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("data", (d) => {
      data += String(d);
      if (data.includes("\r\n")) {
        socket.destroy();
        resolve(data.startsWith("+PONG"));
      }
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
