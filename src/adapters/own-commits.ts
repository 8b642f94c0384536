/**
 * The commits the app pushed, per repository: how it knows its own commits without trusting
 * names (GitHub may be the committer of a signed commit, and anyone can write any author). The
 * pull request's metadata records the head the app pushed; this store covers the moments before
 * the metadata is written (a run that pushed its branch and then failed to open the pull request)
 * within a process. The clustered mode can back it with a shared store (same interface).
 */
export interface OwnCommits {
  add(repository: string, sha: string): void | Promise<void>;
  has(repository: string, sha: string): boolean | Promise<boolean>;
}

/** In memory, bounded (oldest forgotten first). */
export class MemoryOwnCommits implements OwnCommits {
  private readonly seen = new Set<string>();

  constructor(private readonly limit = 50_000) {}

  add(repository: string, sha: string): void {
    this.seen.add(key(repository, sha));
    if (this.seen.size > this.limit) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  has(repository: string, sha: string): boolean {
    return this.seen.has(key(repository, sha));
  }
}

const key = (repository: string, sha: string) => `${repository.toLowerCase()}@${sha}`;
