/**
 * RedisCache (src/app/cluster/redis-cache.ts) on a REAL redis-server: one loader per key for the
 * whole cluster, including the interleaving where another process finishes loading between this
 * process's look at the value and its taking of the load lock. Each cache has its own Redis
 * connection, as two replicas have; the second one's lock request is held back (the Redis call
 * itself is real) to make that interleaving happen every time.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisCache } from "../../src/app/cluster/redis-cache.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

describeWithRedis("RedisCache across processes", () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });
  const connect = () => {
    const c = new Redis(redis.url, { lazyConnect: false });
    clients.push(c);
    return c;
  };

  it("a lock taken just after another process stored the value does not load again", async () => {
    const a = new RedisCache(connect(), "t1");
    // B's SET … NX (the load lock) waits until `open()`; every other call goes straight through.
    const bClient = connect();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let lockAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      lockAsked = resolve;
    });
    const held = new Proxy(bClient, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "set" || typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (args.includes("NX")) {
            lockAsked();
            await gate;
          }
          return value.apply(target, args);
        };
      },
    });
    const b = new RedisCache(held as Redis, "t1");
    let loads = 0;

    // B looks (nothing stored yet) and goes for the lock…
    const fromB = b.memo("digest:uv:0.9.18", 60_000, async () => {
      loads++;
      return "from b";
    });
    await asked;
    // …meanwhile A loads and stores the value and lets its lock go.
    const fromA = await a.memo("digest:uv:0.9.18", 60_000, async () => {
      loads++;
      return "from a";
    });
    open();

    expect(fromA).toBe("from a");
    expect(await fromB).toBe("from a");
    expect(loads).toBe(1);
  });

  it("concurrent askers in two processes share one load", async () => {
    const a = new RedisCache(connect(), "t2");
    const b = new RedisCache(connect(), "t2");
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 50));
      return { digest: "sha256:1" };
    };
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => a.memo("k", 60_000, load)),
      ...Array.from({ length: 5 }, () => b.memo("k", 60_000, load)),
    ]);
    expect(loads).toBe(1);
    expect(new Set(answers.map((x) => JSON.stringify(x)))).toEqual(
      new Set(['{"digest":"sha256:1"}']),
    );
  });

  it("a value that tells its lifetime is kept that long; one refused by a caller is replaced once for both processes", async () => {
    const a = new RedisCache(connect(), "t3");
    const b = new RedisCache(connect(), "t3");
    const admin = connect();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 30));
      return { token: `t${loads}`, ms: loads === 3 ? 0 : 60_000 };
    };
    const ttl = (v: { ms: number }) => v.ms;
    expect((await a.memo("token:x", ttl, load)).token).toBe("t1");
    expect(await admin.pttl("t3:c:token:x")).toBeGreaterThan(59_000);
    expect((await b.memo("token:x", ttl, load)).token).toBe("t1");
    // Both refuse t1 at once: one load in the cluster (t2), both get it, and it is kept.
    const refuse = (token: string) => ({ replace: (v: { token: string }) => v.token === token });
    const both = await Promise.all([
      a.memo("token:x", ttl, load, refuse("t1")),
      b.memo("token:x", ttl, load, refuse("t1")),
    ]);
    expect(both.map((v) => v.token)).toEqual(["t2", "t2"]);
    expect((await b.memo("token:x", ttl, load)).token).toBe("t2");
    // A value told 0 ms is not kept, and neither is the one it replaced.
    expect((await a.memo("token:x", ttl, load, refuse("t2"))).token).toBe("t3");
    expect(await admin.get("t3:c:token:x")).toBeNull();
    expect((await b.memo("token:x", ttl, load)).token).toBe("t4");
    expect(loads).toBe(4);
  });
});
