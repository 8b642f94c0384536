/**
 * A per-process cache of upstream lookups (tags lists, digests, releases, checksums), behind a
 * small interface so that a shared store can replace it. Concurrent lookups of one key share one
 * request; failures are not cached.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { UpstreamError } from "../errors.js";

export interface LookupCache {
  memo<T>(key: string, ttl: Ttl<T>, load: () => Promise<T>, options?: MemoOptions<T>): Promise<T>;
}

/**
 * How long a loaded value is kept, in ms: fixed, or told by the value itself (a registry token
 * lives as long as its `expires_in`). A computed ttl of 0 or less: the value is not kept.
 */
export type Ttl<T> = number | ((value: T) => number);

export interface MemoOptions<T> {
  /**
   * A kept value the caller cannot use (a token the registry just refused, one about to
   * expire): true makes it a miss, loaded again and replaced for every caller. A value loaded
   * in its place is returned as it is (never a second reload).
   */
  replace?: (kept: T) => boolean;
}

/** The ms a loaded value is kept. */
export function ttlOf<T>(ttl: Ttl<T>, value: T): number {
  return typeof ttl === "number" ? ttl : ttl(value);
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export class MemoryCache implements LookupCache {
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly entries = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(private readonly now: () => number = Date.now) {}

  memo<T>(key: string, ttl: Ttl<T>, load: () => Promise<T>, options?: MemoOptions<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) {
      const replace = options?.replace;
      if (!replace) {
        this.stats.hits++;
        return entry.value as Promise<T>;
      }
      return (entry.value as Promise<T>).then((kept) => {
        if (!replace(kept)) {
          this.stats.hits++;
          return kept;
        }
        // Replaced by whoever sees it first; later callers take the new value as it comes.
        if (this.entries.get(key) === entry) this.entries.delete(key);
        return this.memo(key, ttl, load);
      });
    }
    this.stats.misses++;
    const value = loadInScope(key, load);
    // A ttl told by the value starts when the value is there (kept meanwhile: one load).
    const added = {
      expires: typeof ttl === "number" ? this.now() + ttl : Number.POSITIVE_INFINITY,
      value: value as Promise<unknown>,
    };
    this.entries.set(key, added);
    value.then(
      (loaded) => {
        if (typeof ttl === "number" || this.entries.get(key) !== added) return;
        const ms = ttl(loaded);
        if (ms > 0) added.expires = this.now() + ms;
        else this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === added) this.entries.delete(key);
      },
    );
    return value;
  }
}

/**
 * Upstream answers "this does not exist" (a 404: a digest or tag that is not there) remembered
 * for a scope, a sweep: twenty repositories pinning the same missing digest cost one request per
 * sweep. Only `not-found` answers are kept, never a transient failure (5xx, timeout, 429), and
 * only while the scope lasts (the next sweep asks again). Run code in a scope with
 * `negativeScope.run(answers, fn)`; both caches consult it inside their loaders.
 */
export interface NegativeAnswers {
  get(key: string): Promise<{ message: string; url: string } | null>;
  set(key: string, answer: { message: string; url: string }): Promise<void>;
}

export const negativeScope = new AsyncLocalStorage<NegativeAnswers>();

/** `load`, unless the current scope knows `key` does not exist; a new 404 joins the scope. */
export async function loadInScope<T>(key: string, load: () => Promise<T>): Promise<T> {
  const scope = negativeScope.getStore();
  if (!scope) return load();
  const known = await scope.get(key).catch(() => null);
  if (known) throw new UpstreamError("not-found", known.message, known.url, 404);
  try {
    return await load();
  } catch (error) {
    if (error instanceof UpstreamError && error.code === "not-found")
      await scope.set(key, { message: error.message, url: error.url }).catch(() => undefined);
    throw error;
  }
}

/** A scope's answers in this process (an embedded sweep's). */
export class MemoryNegativeAnswers implements NegativeAnswers {
  private readonly answers = new Map<string, { message: string; url: string }>();
  /** At most this many kept (a hostile sweep cannot grow it without bound). */
  constructor(private readonly max = 10_000) {}
  async get(key: string) {
    return this.answers.get(key) ?? null;
  }
  async set(key: string, answer: { message: string; url: string }) {
    if (this.answers.size < this.max) this.answers.set(key, answer);
  }
}

/**
 * A sweep's view of mutable lookups (tags lists, digests of tags, release lists): once loaded in
 * a sweep, the same answer for the rest of that sweep, in every process, however long the sweep
 * takes. Without it a sweep longer than a lookup's TTL (10 minutes; an organisation of 5,000
 * repositories takes longer) asks the registry again for every tag. Run the sweep's work in
 * `sweepLookups.run(once, fn)`, where `once` loads a key once for the sweep (the coordinator's
 * sweep scratch).
 */
export const sweepLookups = new AsyncLocalStorage<
  <T>(key: string, load: () => Promise<T>) => Promise<T>
>();

/** Lookups that live at most this long are pinned for a sweep (longer ones outlive it anyway). */
export const SWEEP_PIN_MAX_TTL_MS = 60 * 60_000;

/**
 * `inner`, with its short-lived lookups pinned for the current sweep (`sweepLookups`). A value
 * that tells its own lifetime (a ttl computed from it: a registry token) or that a caller may
 * refuse (`replace`) is never pinned: it goes to `inner` as asked.
 */
export class SweepPinnedCache implements LookupCache {
  constructor(private readonly inner: LookupCache) {}

  memo<T>(key: string, ttl: Ttl<T>, load: () => Promise<T>, options?: MemoOptions<T>): Promise<T> {
    const once = sweepLookups.getStore();
    if (!once || typeof ttl !== "number" || ttl > SWEEP_PIN_MAX_TTL_MS || options?.replace)
      return this.inner.memo(key, ttl, load, options);
    return once(`lookup:${key}`, () => this.inner.memo(key, ttl, load));
  }
}
