import { describe, expect, it } from "vitest";
import { mapBounded } from "../util/concurrency.js";
import { DeliveryLog, KeyedQueue } from "./keyed-queue.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("KeyedQueue", () => {
  it("serialises tasks per key, runs different keys side by side, survives failures, forgets idle keys", async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = q.run("a", task("a1", true));
    const a2 = q.run("a", task("a2"));
    const b1 = q.run("b", task("b1"));
    await expect(a1).rejects.toThrow("a1");
    expect(await a2).toBe("a2");
    expect(await b1).toBe("b1");
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
    await tick();
    expect(q.size).toBe(0);
  });
});

describe("DeliveryLog", () => {
  it("runs a delivery id once it finished, and stays bounded", async () => {
    const d = new DeliveryLog(2);
    const ran: string[] = [];
    const run = (id: string | undefined) => d.handle(id, async () => void ran.push(id ?? "-"));
    for (const id of ["1", "1", "2", "3", "1", undefined, undefined]) await run(id);
    expect(ran).toEqual(["1", "2", "3", "1", "-", "-"]);
  });

  it("records a delivery only when its handling finished: a failed one runs again", async () => {
    const d = new DeliveryLog();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("GitHub said 502");
    };
    await expect(d.handle("x", failing)).rejects.toThrow("502");
    expect(d.finished("x")).toBe(false);
    await d.handle("x", async () => {
      calls++;
    });
    expect(calls).toBe(2);
    expect(d.finished("x")).toBe(true);
  });

  it("a copy arriving while the first runs waits, and runs only if the first failed", async () => {
    const d = new DeliveryLog();
    const log: string[] = [];
    const first = d.handle("a", async () => {
      await tick();
      log.push("first");
    });
    const copy = d.handle("a", async () => void log.push("copy"));
    await Promise.all([first, copy]);
    expect(log).toEqual(["first"]);
    const failed = d.handle("b", async () => {
      await tick();
      throw new Error("boom");
    });
    const retry = d.handle("b", async () => void log.push("retry"));
    await expect(failed).rejects.toThrow("boom");
    await retry;
    expect(log).toEqual(["first", "retry"]);
  });
});

describe("mapBounded", () => {
  it("keeps order and the limit", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });
});

describe("idle (what shutdown waits for)", () => {
  it("KeyedQueue.idle waits for running and queued tasks, also ones added meanwhile", async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    void q.run("a", async () => {
      await tick();
      log.push("a1");
      void q.run("b", async () => {
        await tick();
        log.push("b");
      });
    });
    void q.run("a", async () => void log.push("a2")).catch(() => undefined);
    await q.idle();
    expect(log).toEqual(["a1", "a2", "b"]);
    expect(q.size).toBe(0);
  });

  it("DeliveryLog.idle waits for deliveries with and without an id; a failed one counts as done", async () => {
    const d = new DeliveryLog();
    const log: string[] = [];
    const failing = d.handle("x", async () => {
      await tick();
      log.push("x");
      throw new Error("boom");
    });
    failing.catch(() => undefined);
    void d.handle(undefined, async () => {
      await tick();
      await tick();
      log.push("no id");
    });
    expect(d.size).toBe(2);
    await d.idle();
    expect(log).toEqual(["x", "no id"]);
    expect(d.size).toBe(0);
  });
});
