/**
 * Git blob contents by their SHA: a blob's SHA names its bytes, so an entry never goes stale and
 * one repository's Dockerfile read last week (or another repository's identical file) costs no
 * request. Bounded: blobs larger than `MAX_CACHED_BLOB_BYTES` are not kept, and the store holds at
 * most a byte budget (memory) or a number of entries (Redis, see src/app/cluster/redis-blobs.ts),
 * least recently used out first.
 */

/** What a blob decoded to: its text, or why it was not read (binary, not UTF-8). */
export type CachedBlob = { ok: true; text: string } | { ok: false; reason: string };

export interface BlobCache {
  get(sha: string): Promise<CachedBlob | null>;
  set(sha: string, blob: CachedBlob): Promise<void>;
}

/** Blobs bigger than this (in UTF-16 code units of their text) are not cached. */
export const MAX_CACHED_BLOB_BYTES = 128 * 1024;
export const DEFAULT_BLOB_CACHE_BYTES = 32 * 1024 * 1024;

export const isSha = (sha: string) => /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha);

const sizeOf = (blob: CachedBlob) => (blob.ok ? blob.text.length : blob.reason.length) * 2 + 64;

/** In this process: least recently used out first once `maxBytes` (approximate) is reached. */
export class MemoryBlobCache implements BlobCache {
  private readonly entries = new Map<string, CachedBlob>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_BLOB_CACHE_BYTES) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  async get(sha: string): Promise<CachedBlob | null> {
    const blob = this.entries.get(sha);
    if (!blob) return null;
    // Most recently used last.
    this.entries.delete(sha);
    this.entries.set(sha, blob);
    return blob;
  }

  async set(sha: string, blob: CachedBlob): Promise<void> {
    const size = sizeOf(blob);
    if (!isSha(sha) || size > MAX_CACHED_BLOB_BYTES * 2 + 64 || size > this.maxBytes) return;
    const old = this.entries.get(sha);
    if (old) {
      this.bytes -= sizeOf(old);
      this.entries.delete(sha);
    }
    this.entries.set(sha, blob);
    this.bytes += size;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= sizeOf(value);
    }
  }
}
