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
  it("accepts an id once and stays bounded", () => {
    const d = new DeliveryLog(2);
    expect([d.first("1"), d.first("1"), d.first("2"), d.first("3"), d.first("1")]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
    expect(d.first(undefined)).toBe(true);
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
