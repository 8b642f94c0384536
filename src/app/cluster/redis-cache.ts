/**
 * The lookup cache in Redis, shared by every replica: tags lists, digests, manifests, release
 * lists, checksums, attestations and verification results (all JSON). A miss is loaded by ONE
 * process in the cluster: the first to take the key's load lock asks the upstream and stores
 * the answer; the others wait for it (so a sweep asks about each tag once however many workers
 * run it). Concurrent lookups in one process share one Redis round trip. Failures are not stored;
 * a loader that dies leaves its lock to expire and the next asker loads.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import {
  type CacheStats,
  type LookupCache,
  loadInScope,
  type MemoOptions,
  type Ttl,
  ttlOf,
} from "../../adapters/cache.js";

const LOAD_LOCK_MS = 30_000;
const POLL_MS = 20;

/** Deletes a key only while it still holds our token. */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export class RedisCache implements LookupCache {
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Drops stored values (a finished sweep's own keys). */
  async forget(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500)
      await this.redis.del(...keys.slice(i, i + 500).map((key) => `${this.prefix}:c:${key}`));
  }

  memo<T>(key: string, ttl: Ttl<T>, load: () => Promise<T>, options?: MemoOptions<T>): Promise<T> {
    const replace = options?.replace;
    const pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (pending) {
      this.stats.hits++;
      if (!replace) return pending;
      // The lookup in flight may bring the very value this caller cannot use.
      return pending.then((kept) => (replace(kept) ? this.start(key, ttl, load, replace) : kept));
    }
    return this.start(key, ttl, load, replace);
  }

  private start<T>(
    key: string,
    ttl: Ttl<T>,
    load: () => Promise<T>,
    replace: ((kept: T) => boolean) | undefined,
  ): Promise<T> {
    const value = this.lookup(key, ttl, load, replace).finally(() => {
      if (this.inFlight.get(key) === value) this.inFlight.delete(key);
    });
    this.inFlight.set(key, value);
    return value;
  }

  /** The stored value, unless there is none or the caller cannot use it (`replace`). */
  private async stored<T>(
    valueKey: string,
    replace: ((kept: T) => boolean) | undefined,
  ): Promise<{ v: T } | null> {
    const stored = await this.redis.get(valueKey);
    if (stored === null) return null;
    const kept = JSON.parse(stored) as { v: T };
    return replace?.(kept.v) ? null : kept;
  }

  private async lookup<T>(
    key: string,
    ttl: Ttl<T>,
    load: () => Promise<T>,
    replace: ((kept: T) => boolean) | undefined,
  ): Promise<T> {
    const valueKey = `${this.prefix}:c:${key}`;
    const lockKey = `${this.prefix}:cl:${key}`;
    const deadline = Date.now() + LOAD_LOCK_MS + 5_000;
    for (;;) {
      const stored = await this.stored(valueKey, replace);
      if (stored !== null) {
        this.stats.hits++;
        return stored.v;
      }
      const token = randomUUID();
      const taken = await this.redis.set(lockKey, token, "PX", LOAD_LOCK_MS, "NX");
      if (taken === "OK") {
        // The loader before us may have stored the value and let the lock go since our look.
        const stored = await this.stored(valueKey, replace);
        if (stored !== null) {
          await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
          this.stats.hits++;
          return stored.v;
        }
        this.stats.misses++;
        try {
          const value = await loadInScope(key, load);
          const ms = ttlOf(ttl, value);
          if (typeof ttl === "number" || ms > 0)
            await this.redis.set(valueKey, JSON.stringify({ v: value }), "PX", Math.max(1, ms));
          // Not to be kept: neither is the value it was loaded to replace.
          else await this.redis.del(valueKey);
          return value;
        } finally {
          await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
        }
      }
      // Someone else loads it: wait for the value (or for their lock to go, then try again).
      if (Date.now() > deadline) {
        this.stats.misses++;
        return loadInScope(key, load);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
