/**
 * The cluster's per-installation write lock (src/app/cluster/write-gate.ts) against a real
 * redis-server: two gates on their own connections (two workers) never run writes of one
 * installation at once; other installations are not held up; a lock left by a dead worker
 * lapses after its lease; a write longer than the lease keeps the lock (renewed).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisWriteBudget } from "../../src/app/cluster/write-budget.js";
import { RedisWriteGate } from "../../src/app/cluster/write-gate.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithRedis("the cluster's write lock", () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(server.url);
    connections.push(redis);
    return redis;
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const c of connections) await c.quit().catch(() => undefined);
    await server?.stop();
  });

  /** Writes that record how many of each installation were in flight at once. */
  function recorder() {
    const inFlight = new Map<number, number>();
    const most = new Map<number, number>();
    const order: string[] = [];
    const write = (installation: number, name: string, ms: number) => async () => {
      const now = (inFlight.get(installation) ?? 0) + 1;
      inFlight.set(installation, now);
      most.set(installation, Math.max(now, most.get(installation) ?? 0));
      order.push(`${name} start`);
      await sleep(ms);
      order.push(`${name} end`);
      inFlight.set(installation, (inFlight.get(installation) ?? 1) - 1);
      return name;
    };
    return { write, most, order };
  }

  it("two workers: one installation's writes never overlap, each write runs once; another installation goes on meanwhile", async () => {
    const a = new RedisWriteGate(connect(), "t1", 5_000, 5);
    const b = new RedisWriteGate(connect(), "t1", 5_000, 5);
    const { write, most } = recorder();
    const runs: Promise<string>[] = [];
    for (let i = 0; i < 4; i++) {
      runs.push(a.run(1, write(1, `a${i}`, 15)));
      runs.push(b.run(1, write(1, `b${i}`, 15)));
    }
    // Installation 2 on worker b: not held up by installation 1's queue.
    const other = b.run(2, write(2, "other", 1));
    expect(await other).toBe("other");
    expect(most.get(1)).toBe(1);
    expect((await Promise.all(runs)).sort()).toEqual(
      ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"].sort(),
    );
    expect(most.get(1)).toBe(1);
    expect(await connections[0]?.exists("t1:w:1")).toBe(0);
  });

  it("fair across workers: a waiter of another worker gets the lock before the releasing worker's next local waiter", async () => {
    const a = new RedisWriteGate(connect(), "t6", 5_000, 5);
    const b = new RedisWriteGate(connect(), "t6", 5_000, 5);
    const order: string[] = [];
    let finishA0!: () => void;
    const a0Done = new Promise<void>((r) => {
      finishA0 = r;
    });
    let a0Started!: () => void;
    const a0Running = new Promise<void>((r) => {
      a0Started = r;
    });
    const runs = [
      a.run(1, async () => {
        order.push("a0");
        a0Started();
        await a0Done;
      }),
    ];
    await a0Running;
    // Worker b waits (polling Redis), then a second write of worker a queues behind a0 locally.
    runs.push(b.run(1, async () => void order.push("b0")));
    await sleep(60);
    runs.push(a.run(1, async () => void order.push("a1")));
    await sleep(20);
    finishA0();
    await Promise.all(runs);
    // The released lock goes to the worker that waited, not back to a.
    expect(order).toEqual(["a0", "b0", "a1"]);
    expect(await connections[0]?.exists("t6:w:1")).toBe(0);
  });

  it("a waiter that died (its worker killed while it waited) holds up the others for one lease at most", async () => {
    const redis = connect();
    const holder = new RedisWriteGate(connect(), "t7", 300, 5);
    let release!: () => void;
    const holding = new Promise<void>((r) => {
      release = r;
    });
    let holds!: () => void;
    const holdsLock = new Promise<void>((r) => {
      holds = r;
    });
    const held = holder.run(7, () => {
      holds();
      return holding;
    });
    await holdsLock;
    // A waiter queues behind the holder, and its connection goes away (the worker is killed).
    const doomedConnection = connect();
    const doomed = new RedisWriteGate(doomedConnection, "t7", 300, 5);
    doomed.run(7, async () => "never").catch(() => undefined);
    await sleep(60);
    // Its ticket is queued, ahead of any later waiter's.
    expect(await redis.zcard("t7:wq:7")).toBe(1);
    doomedConnection.disconnect();
    const gate = new RedisWriteGate(redis, "t7", 300, 5);
    const next = gate.run(7, async () => "ran");
    release();
    await held;
    expect(await next).toBe("ran");
  });

  it("a lock left by a dead worker lapses after its lease", async () => {
    const redis = connect();
    // A worker died holding installation 7's lock (it will never release or renew it).
    await redis.set("t2:w:7", "dead-worker", "PX", 300);
    const gate = new RedisWriteGate(redis, "t2", 5_000, 5);
    let ranWhileHeld: boolean | undefined;
    await gate.run(7, async () => {
      ranWhileHeld = (await redis.get("t2:w:7")) === "dead-worker";
    });
    expect(ranWhileHeld).toBe(false);
  });

  it("a write longer than the lease keeps the lock (renewed), so the other worker waits", async () => {
    const a = new RedisWriteGate(connect(), "t3", 150, 5);
    const b = new RedisWriteGate(connect(), "t3", 150, 5);
    const { write, most, order } = recorder();
    const first = a.run(3, write(3, "long", 600));
    await sleep(20);
    const second = b.run(3, write(3, "short", 1));
    await Promise.all([first, second]);
    expect(most.get(3)).toBe(1);
    expect(order).toEqual(["long start", "long end", "short start", "short end"]);
  });

  it("a failing write releases the lock", async () => {
    const gate = new RedisWriteGate(connect(), "t4", 5_000, 5);
    await expect(
      gate.run(4, async () => {
        throw new Error("403 secondary rate limit");
      }),
    ).rejects.toThrow("403 secondary rate limit");
    expect(await connections[0]?.exists("t4:w:4")).toBe(0);
    expect(await gate.run(4, async () => "next")).toBe("next");
  });

  it("the write budget is one count for every replica (sliding windows in Redis)", async () => {
    const windows = [
      { count: 3, ms: 60_000 },
      { count: 4, ms: 3_600_000 },
    ];
    const a = new RedisWriteBudget(connect(), "t5", windows);
    const b = new RedisWriteBudget(connect(), "t5", windows);
    expect(await a.take(9)).toEqual({ ok: true });
    expect(await b.take(9)).toEqual({ ok: true });
    expect(await a.take(9)).toEqual({ ok: true });
    // The minute is full for both replicas (3 written across them).
    const full = await b.take(9);
    expect(full).toMatchObject({ ok: false, longest: false });
    expect(full.ok === false && full.waitMs > 59_000 && full.waitMs <= 60_000).toBe(true);
    // Another installation is counted apart; room for a PR (reserve 5, at most the hour's 4).
    expect(await b.take(10)).toEqual({ ok: true });
    expect(await a.roomIn(10, 5)).toBeGreaterThan(3_599_000);
    expect(await a.roomIn(11, 5)).toBe(0);
    expect(await connections.at(-1)?.zcard("t5:wb:9")).toBe(3);
  });

  it("a reservation is one count for every replica: reserved writes go to their holder only, the rest is released", async () => {
    const windows = [
      { count: 100, ms: 60_000 },
      { count: 6, ms: 3_600_000 },
    ];
    const a = new RedisWriteBudget(connect(), "t8", windows);
    const b = new RedisWriteBudget(connect(), "t8", windows);
    expect(await a.take(1)).toEqual({ ok: true });
    expect(await a.reserve(1, "pr", 4)).toEqual({ ok: true });
    expect(await b.take(1)).toEqual({ ok: true });
    expect(await b.take(1)).toMatchObject({ ok: false, longest: true });
    expect(await b.reserve(1, "other", 1)).toMatchObject({ ok: false, longest: true });
    expect(await b.roomIn(1, 1)).toBeGreaterThan(3_590_000);
    for (let i = 0; i < 3; i++) expect(await a.take(1, "pr")).toEqual({ ok: true });
    await a.release(1, "pr");
    expect(await b.take(1)).toEqual({ ok: true });
    expect(await a.take(1, "pr")).toMatchObject({ ok: false, longest: true });
    expect(await connections.at(-1)?.zcard("t8:wb:1")).toBe(6);
    // A lapsed reservation (its holder died) frees its room.
    expect(await b.reserve(2, "dead", 6, 100)).toEqual({ ok: true });
    expect(await a.take(2)).toMatchObject({ ok: false, longest: true });
    await sleep(150);
    expect(await a.take(2)).toEqual({ ok: true });
  });
});
