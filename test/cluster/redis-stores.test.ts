/** The Redis stores of slice 3 against a real redis-server: blobs bounded by count, sweep negatives. */
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisBlobCache, RedisNegativeAnswers } from "../../src/app/cluster/redis-stores.js";
import { describeWithRedis, type RedisServer, startRedis } from "../redis/server.js";

const sha = (n: number) => n.toString(16).padStart(40, "0");

describeWithRedis("Redis stores", () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it("blobs: at most maxEntries kept, the least recently used dropped first", async () => {
    const cache = new RedisBlobCache(redis, "t1", { maxEntries: 3, ttlMs: 60_000 });
    for (let i = 1; i <= 3; i++) {
      await cache.set(sha(i), { ok: true, text: `file ${i}` });
      await new Promise((r) => setTimeout(r, 3));
    }
    await cache.get(sha(1));
    await new Promise((r) => setTimeout(r, 3));
    await cache.set(sha(4), { ok: true, text: "file 4" });
    expect(await cache.get(sha(2))).toBeNull();
    expect(await cache.get(sha(1))).toEqual({ ok: true, text: "file 1" });
    expect(await cache.get(sha(4))).toEqual({ ok: true, text: "file 4" });
    expect(await redis.zcard("t1:blobs")).toBe(3);
    expect((await redis.keys("t1:blob:*")).length).toBe(3);
    const ttl = await redis.pttl(`t1:blob:${sha(4)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("sweep negatives: kept in one hash that expires with the sweep", async () => {
    const answers = new RedisNegativeAnswers(redis, "t2:neg", 5_000);
    expect(await answers.get("manifest:x")).toBeNull();
    await answers.set("manifest:x", { message: "not found (404)", url: "https://r/x" });
    expect(await answers.get("manifest:x")).toEqual({
      message: "not found (404)",
      url: "https://r/x",
    });
    const ttl = await redis.pttl("t2:neg");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });
});
