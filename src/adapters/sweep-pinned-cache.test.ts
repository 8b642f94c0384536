import { describe, expect, it } from "vitest";
import { MemoryCache, SweepPinnedCache, sweepLookups } from "./cache.js";

const TEN_MINUTES = 10 * 60_000;

/** A sweep's `once`: one load per key for the sweep (what the coordinator's scratch does). */
function sweepOnce() {
  const values = new Map<string, Promise<unknown>>();
  const keys: string[] = [];
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    keys.push(key);
    let value = values.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      values.set(key, value);
    }
    return value;
  };
  return { once, keys };
}

describe("SweepPinnedCache", () => {
  it("outside a sweep: the inner cache's TTL holds (asked again once it passed)", async () => {
    let now = 0;
    const cache = new SweepPinnedCache(new MemoryCache(() => now));
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.memo("digest:uv:0.9.18", TEN_MINUTES, load)).toBe(1);
    now += TEN_MINUTES + 1;
    expect(await cache.memo("digest:uv:0.9.18", TEN_MINUTES, load)).toBe(2);
  });

  it("in a sweep longer than the TTL: one load, the same answer to the end of the sweep", async () => {
    let now = 0;
    const cache = new SweepPinnedCache(new MemoryCache(() => now));
    const sweep = sweepOnce();
    let loads = 0;
    const load = async () => ++loads;
    const answers = await sweepLookups.run(sweep.once, async () => {
      const seen: number[] = [];
      for (let minute = 0; minute <= 30; minute += 5) {
        now = minute * 60_000;
        seen.push(await cache.memo("digest:uv:0.9.18", TEN_MINUTES, load));
      }
      return seen;
    });
    expect(answers).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(loads).toBe(1);
    expect(new Set(sweep.keys)).toEqual(new Set(["lookup:digest:uv:0.9.18"]));
    // The next sweep (a new scope) asks again.
    const next = sweepOnce();
    expect(
      await sweepLookups.run(next.once, () => cache.memo("digest:uv:0.9.18", TEN_MINUTES, load)),
    ).toBe(2);
  });

  it("long-lived lookups (immutable blobs, a day) are not pinned: the inner cache keeps them", async () => {
    const cache = new SweepPinnedCache(new MemoryCache(() => 0));
    const sweep = sweepOnce();
    const value = await sweepLookups.run(sweep.once, () =>
      cache.memo("blob:uv:sha256:ab", 24 * 60 * 60_000, async () => "bytes"),
    );
    expect(value).toBe("bytes");
    expect(sweep.keys).toEqual([]);
  });

  it("in a sweep: a value that tells its lifetime, or one a caller may refuse, is not pinned", async () => {
    const cache = new SweepPinnedCache(new MemoryCache());
    const sweep = sweepOnce();
    let loads = 0;
    const load = async () => ++loads;
    await sweepLookups.run(sweep.once, async () => {
      expect(await cache.memo("token:a", () => 0, load)).toBe(1);
      expect(await cache.memo("token:a", () => 0, load)).toBe(2);
      expect(await cache.memo("token:b", 1000, load, { replace: (n) => n === 3 })).toBe(3);
      expect(await cache.memo("token:b", 1000, load, { replace: (n) => n === 3 })).toBe(4);
    });
    expect(sweep.keys).toEqual([]);
  });
});
