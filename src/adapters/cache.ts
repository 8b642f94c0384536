/**
 * A per-process cache of upstream lookups (tags lists, digests, releases, checksums), behind a
 * small interface so that a shared store can replace it. Concurrent lookups of one key share one
 * request; failures are not cached.
 */
export interface LookupCache {
  memo<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export class MemoryCache implements LookupCache {
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly entries = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(private readonly now: () => number = Date.now) {}

  memo<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) {
      this.stats.hits++;
      return entry.value as Promise<T>;
    }
    this.stats.misses++;
    const value = load();
    this.entries.set(key, { expires: this.now() + ttlMs, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
