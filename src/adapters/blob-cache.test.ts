import { describe, expect, it } from "vitest";
import { MAX_CACHED_BLOB_BYTES, MemoryBlobCache } from "./blob-cache.js";

const sha = (n: number) => n.toString(16).padStart(40, "0");

describe("MemoryBlobCache", () => {
  it("keeps blobs by SHA and answers them back", async () => {
    const cache = new MemoryBlobCache();
    await cache.set(sha(1), { ok: true, text: "FROM python\n" });
    await cache.set(sha(2), { ok: false, reason: "binary file, not read" });
    expect(await cache.get(sha(1))).toEqual({ ok: true, text: "FROM python\n" });
    expect(await cache.get(sha(2))).toEqual({ ok: false, reason: "binary file, not read" });
    expect(await cache.get(sha(3))).toBeNull();
  });

  it("stays within its byte budget, least recently used out first", async () => {
    const text = "x".repeat(1000); // ~2 KB each as counted
    const cache = new MemoryBlobCache(10_000);
    for (let i = 1; i <= 4; i++) await cache.set(sha(i), { ok: true, text });
    await cache.get(sha(1)); // used: 2 becomes the oldest
    for (let i = 5; i <= 6; i++) await cache.set(sha(i), { ok: true, text });
    expect(cache.size.bytes).toBeLessThanOrEqual(10_000);
    expect(await cache.get(sha(2))).toBeNull();
    expect(await cache.get(sha(1))).not.toBeNull();
    expect(await cache.get(sha(6))).not.toBeNull();
    for (let i = 7; i <= 1000; i++) await cache.set(sha(i), { ok: true, text });
    expect(cache.size.entries).toBeLessThanOrEqual(5);
  });

  it("does not keep a blob over the per-entry limit, nor a key that is not a SHA", async () => {
    const cache = new MemoryBlobCache();
    await cache.set(sha(1), { ok: true, text: "y".repeat(MAX_CACHED_BLOB_BYTES + 1) });
    await cache.set("../../etc", { ok: true, text: "z" });
    expect(cache.size.entries).toBe(0);
  });
});
