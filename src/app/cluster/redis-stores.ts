/**
 * The small stores a clustered app keeps in Redis besides its jobs and lookup cache: git blob
 * contents by SHA (bounded: at most `maxEntries`, least recently used out first, and each for at
 * most `ttlMs`), per-repository sweep state (ETags), and what one sweep shares between its
 * repositories (negative upstream answers, values read once per sweep).
 */
import type { Redis } from "ioredis";
import {
  type BlobCache,
  type CachedBlob,
  isSha,
  MAX_CACHED_BLOB_BYTES,
} from "../../adapters/blob-cache.js";
import type { NegativeAnswers } from "../../adapters/cache.js";
import type { KeyValueStore } from "./coordinator.js";

/** Stores a blob, touches it in the index, and drops the least recently used past the bound. */
const PUT_BLOB = `
redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
redis.call("zadd", KEYS[2], ARGV[3], KEYS[1])
local over = redis.call("zcard", KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call("zpopmin", KEYS[2], over)
  for i = 1, #old, 2 do redis.call("del", old[i]) end
end
return 1`;

export class RedisBlobCache implements BlobCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: { maxEntries: number; ttlMs: number } = {
      maxEntries: 50_000,
      ttlMs: 14 * 24 * 3600_000,
    },
  ) {}

  private key = (sha: string) => `${this.prefix}:blob:${sha}`;
  private index = () => `${this.prefix}:blobs`;

  async get(sha: string): Promise<CachedBlob | null> {
    if (!isSha(sha)) return null;
    const text = await this.redis.get(this.key(sha));
    if (text === null) return null;
    await this.redis.zadd(this.index(), Date.now(), this.key(sha));
    return JSON.parse(text) as CachedBlob;
  }

  async set(sha: string, blob: CachedBlob): Promise<void> {
    if (!isSha(sha) || (blob.ok && blob.text.length > MAX_CACHED_BLOB_BYTES)) return;
    await this.redis.eval(
      PUT_BLOB,
      2,
      this.key(sha),
      this.index(),
      JSON.stringify(blob),
      String(this.options.ttlMs),
      String(Date.now()),
      String(this.options.maxEntries),
    );
  }
}

export class RedisKeyValues implements KeyValueStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<string | null> {
    return this.redis.get(`${this.prefix}:${key}`);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}:${key}`, value, "PX", Math.max(1, ttlMs));
  }
}

/** One sweep's negative answers: a hash that lives as long as the sweep (deleted at its end). */
export class RedisNegativeAnswers implements NegativeAnswers {
  constructor(
    private readonly redis: Redis,
    private readonly hash: string,
    private readonly ttlMs: number,
  ) {}

  async get(key: string) {
    const text = await this.redis.hget(this.hash, key);
    return text === null ? null : (JSON.parse(text) as { message: string; url: string });
  }

  async set(key: string, answer: { message: string; url: string }) {
    await this.redis
      .multi()
      .hset(this.hash, key, JSON.stringify(answer))
      .pexpire(this.hash, this.ttlMs)
      .exec();
  }
}
