import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  handleSignals,
  ShutdownRegistry,
  shutdownTimeoutMs,
} from "./shutdown.js";

const never = () => new Promise<void>(() => {});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("ShutdownRegistry", () => {
  it("runs stop, then drain, then close; hooks of one phase at once", async () => {
    const order: string[] = [];
    const registry = new ShutdownRegistry();
    let releaseDrain!: () => void;
    registry.register("redis", () => order.push("close:redis"), "close");
    registry.register("http", async () => {
      order.push("drain:http start");
      await new Promise<void>((resolve) => {
        releaseDrain = resolve;
      });
      order.push("drain:http end");
    });
    registry.register("worker", () => order.push("drain:worker"), "drain");
    registry.register("cron", () => order.push("stop:cron"), "stop");
    const done = registry.run(5_000);
    await tick();
    // both drain hooks started before either finished; close waits for the drain phase
    expect(order).toEqual(["stop:cron", "drain:http start", "drain:worker"]);
    releaseDrain();
    expect(await done).toEqual({
      finished: ["cron", "worker", "http", "redis"],
      unfinished: [],
      failed: [],
    });
    expect(order.at(-1)).toBe("close:redis");
  });

  it("after the bound names the hooks still running and the phases never started", async () => {
    const registry = new ShutdownRegistry();
    registry.register("cron", () => undefined, "stop");
    registry.register("stuck sweep", never);
    registry.register("quick", () => undefined);
    registry.register("redis", () => undefined, "close");
    expect(await registry.run(20)).toEqual({
      finished: ["cron", "quick"],
      unfinished: ["stuck sweep", "redis"],
      failed: [],
    });
  });

  it("collects a failing hook and goes on; runs once however often it is asked", async () => {
    const registry = new ShutdownRegistry();
    let calls = 0;
    const boom = new Error("quit failed");
    registry.register(
      "redis",
      () => {
        calls++;
        throw boom;
      },
      "close",
    );
    const remove = registry.register("removed", () => {
      calls += 100;
    });
    remove();
    expect(registry.names()).toEqual(["redis"]);
    const [a, b] = await Promise.all([registry.run(1_000), registry.run(1_000)]);
    expect(a).toBe(b);
    expect(a.failed).toEqual([{ name: "redis", error: boom }]);
    expect(calls).toBe(1);
    expect(registry.stopping).toBe(true);
  });
});

describe("handleSignals", () => {
  function setup(hook: () => unknown) {
    const target = new EventEmitter();
    const registry = new ShutdownRegistry();
    registry.register("work", hook);
    const lines: string[] = [];
    const exits: number[] = [];
    let exited!: (code: number) => void;
    const exitedP = new Promise<number>((resolve) => {
      exited = resolve;
    });
    const log = {
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      error: (m: string) => lines.push(`error ${m}`),
    };
    const remove = handleSignals(registry, {
      timeoutMs: 50,
      log,
      target: target as unknown as NodeJS.Process,
      exit: (code) => {
        exits.push(code);
        exited(code);
      },
    });
    return { target, lines, exits, exitedP, remove };
  }

  it("SIGTERM: the work finishes, exit 0", async () => {
    let finished = false;
    const s = setup(async () => {
      await tick();
      finished = true;
    });
    s.target.emit("SIGTERM", "SIGTERM");
    expect(await s.exitedP).toBe(0);
    expect(finished).toBe(true);
    expect(s.lines).toEqual([
      "info uv-pin-bot: SIGTERM: stopping (no new work; running work has 0.05 s to finish)",
      "info uv-pin-bot: stopped",
    ]);
  });

  it("SIGINT with work that outlives the bound: handed back, exit 0; a second signal exits 1", async () => {
    const s = setup(never);
    s.target.emit("SIGINT", "SIGINT");
    s.target.emit("SIGTERM", "SIGTERM");
    expect(s.exits).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.exits).toEqual([1, 0]);
    expect(s.lines).toContain(
      "warn uv-pin-bot: work did not finish within 0.05 s; their work is handed back",
    );
    expect(s.lines).toContain("warn uv-pin-bot: SIGTERM again while stopping; exiting now");
  });

  it("a failing hook: exit 1 with one line", async () => {
    const s = setup(() => {
      throw new Error("redis quit failed\nstack");
    });
    s.target.emit("SIGTERM", "SIGTERM");
    expect(await s.exitedP).toBe(1);
    expect(s.lines).toContain("error uv-pin-bot: stopping work failed: redis quit failed");
  });

  it("removes its handlers", () => {
    const s = setup(() => undefined);
    expect(s.target.listenerCount("SIGTERM")).toBe(1);
    s.remove();
    expect(s.target.listenerCount("SIGTERM") + s.target.listenerCount("SIGINT")).toBe(0);
  });
});

describe("shutdownTimeoutMs", () => {
  it("reads UV_PIN_BOT_SHUTDOWN_TIMEOUT in seconds; refuses nonsense", () => {
    expect(shutdownTimeoutMs({})).toBe(DEFAULT_SHUTDOWN_TIMEOUT_MS);
    expect(shutdownTimeoutMs({ UV_PIN_BOT_SHUTDOWN_TIMEOUT: " 2.5 " })).toBe(2_500);
    for (const bad of ["0", "-1", "soon", "Infinity"])
      expect(() => shutdownTimeoutMs({ UV_PIN_BOT_SHUTDOWN_TIMEOUT: bad })).toThrow(
        `UV_PIN_BOT_SHUTDOWN_TIMEOUT must be a number of seconds greater than 0, got "${bad}"`,
      );
  });
});
