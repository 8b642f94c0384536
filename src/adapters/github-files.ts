/**
 * Reading a repository's default branch through the GitHub API, in as few calls as it takes: the
 * repository (default branch, archived; skipped when the caller already knows them from the
 * installation's listing or a webhook payload), one recursive tree listing (conditional when the
 * caller has its ETag: an unchanged tree is one 304), then a blob for each file that can hold a uv
 * pin, unless the blob cache knows its SHA. Nothing here decides what a pin is; `fileKind` and
 * `accept` pick files.
 */

import type { ProbotOctokit } from "probot";
import { fileKind } from "../core/file-kind.js";
import type { Skipped } from "../core/types.js";
import { httpStatusOf, UpstreamError } from "../errors.js";
import { mapBounded } from "../util/concurrency.js";
import { type BlobCache, MAX_CACHED_BLOB_BYTES } from "./blob-cache.js";

/** Probot's `context.octokit`, or anything with its `request`. */
export type GitHubClient = Pick<ProbotOctokit, "request">;

export type RepoName = { owner: string; repo: string };

export interface ReadOptions {
  /** An extra filter on `/`-separated paths (e.g. the config's `paths.include/exclude`). */
  accept?: (path: string) => boolean;
  /**
   * The default branch's head commit, when the caller already knows it (a push's `after`): the tree
   * is then listed at that commit. Otherwise it is listed at the branch name, which costs no call.
   */
  headSha?: string;
  /** Files read at most (default `MAX_FILES`); the rest is left out, and says so in `skipped`. */
  maxFiles?: number;
  /** Bytes of files read at most (default `MAX_TOTAL_BYTES`). */
  maxBytes?: number;
  /**
   * What the caller already knows of the repository (the installation's listing, a webhook
   * payload): then `GET /repos/{owner}/{repo}` is not asked.
   */
  repository?: KnownRepository;
  /** Blob contents by SHA (immutable), shared by every run. */
  blobs?: BlobCache;
  /** The top tree listing (`readTopTree`) when the caller has just read it at the default branch. */
  listing?: Listing;
  /**
   * The ETag of this repository's last top tree listing: the listing is asked with
   * `If-None-Match`, and an unchanged tree answers `not-modified` (one 304, nothing else read).
   */
  ifNoneMatch?: string;
  /**
   * Called with each file as soon as its blob is read (in the order the reads finish, while the
   * others are still being read), so a caller can start on it early. Must not throw.
   */
  onFile?: (file: RepoFile) => void;
}

/** A repository as a listing or a payload describes it. */
export interface KnownRepository {
  defaultBranch: string | null;
  archived: boolean;
  /** GraphQL node id. */
  nodeId: string;
}

/**
 * The work one repository may cost per run: a blob request per file read, so a repository with
 * 20,000 YAML files must not spend the installation's hourly request budget. Shallow paths first
 * (the root's Dockerfile and `.github/workflows/` before `vendor/a/b/c/`), then by path.
 */
export const MAX_FILES = 200;
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
/** Tree listings at most, for a repository whose recursive listing GitHub truncated. */
export const MAX_TREE_LISTINGS = 100;

/** A file read from the tree: its text and git mode (100644, or 100755 for executables). */
export type RepoFile = { path: string; text: string; mode: "100644" | "100755" };

export type RepositoryRead =
  | {
      status: "ok";
      defaultBranch: string;
      /** The commit read: `options.headSha`, or null when the tree was listed at the branch name. */
      headSha: string | null;
      /** The root tree read. A writer that resolves the branch's commit checks that its tree is this. */
      treeSha: string;
      /** The repository's GraphQL node id (for compare-and-swap branch updates). */
      nodeId: string;
      /** The ETag of the top tree listing (for the next read's `ifNoneMatch`), when GitHub sent one. */
      etag: string | null;
      files: RepoFile[];
      skipped: Skipped[];
      /** API calls made. */
      requests: number;
    }
  | { status: "archived" | "empty" | "missing" | "not-modified"; requests: number };

export const MAX_BLOB_BYTES = 1024 * 1024;
/** Directories never read, as in the local walker (`adapters/local-files.ts`). */
const SKIP_DIRS = new Set([".git", "node_modules"]);
const CONCURRENCY = 8;

interface TreeEntry {
  path: string;
  type: string;
  mode: string;
  sha: string;
  size?: number;
}

export async function readRepository(
  octokit: GitHubClient,
  { owner, repo }: RepoName,
  options: ReadOptions = {},
): Promise<RepositoryRead> {
  const accept = options.accept ?? (() => true);
  const api = new Api(octokit, owner, repo);
  let repository: KnownRepository;
  if (options.repository) repository = options.repository;
  else {
    try {
      const data = await api.repository();
      repository = {
        defaultBranch: data.default_branch ?? null,
        archived: data.archived === true,
        nodeId: data.node_id ?? "",
      };
    } catch (error) {
      if (httpStatusOf(error) === 404) return { status: "missing", requests: api.requests };
      throw error;
    }
  }
  if (repository.archived) return { status: "archived", requests: api.requests };
  const defaultBranch = repository.defaultBranch;
  if (!defaultBranch) return { status: "empty", requests: api.requests };

  const ref = options.headSha ?? defaultBranch;
  let top: Listing;
  try {
    top = options.listing ?? (await api.tree(ref, true, options.ifNoneMatch));
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 304 && options.ifNoneMatch !== undefined)
      return { status: "not-modified", requests: api.requests };
    // 409 "Git Repository is empty."; a branch name that names no commit yet is a 404.
    if (status === 409 || (status === 404 && options.headSha === undefined)) {
      return { status: "empty", requests: api.requests };
    }
    throw error;
  }
  const skipped: Skipped[] = [];
  const entries = top.truncated
    ? await walkTree(api, top.sha, skipped)
    : top.tree.filter(outsideSkipped);

  const wanted = entries.filter(
    (e) => e.type === "blob" && e.mode !== "120000" && fileKind(e.path) !== null && accept(e.path),
  );
  const chosen = withinBounds(wanted, options, skipped);
  chosen.sort((a, b) => comparePaths(a.path, b.path));
  const files: RepoFile[] = [];
  const loaded = await mapBounded(chosen, CONCURRENCY, async (entry): Promise<Decoded> => {
    if (entry.size !== undefined && entry.size > MAX_BLOB_BYTES)
      return { ok: false, reason: "larger than 1 MiB, not read" };
    const cached = await options.blobs?.get(entry.sha).catch(() => null);
    const got = cached ?? decodeBlob(await api.blob(entry.sha));
    if (!cached && (!got.ok || got.text.length <= MAX_CACHED_BLOB_BYTES))
      await options.blobs?.set(entry.sha, got).catch(() => undefined);
    if (got.ok) options.onFile?.(repoFile(entry, got.text));
    return got;
  });
  chosen.forEach((entry, i) => {
    const got = loaded[i];
    if (got?.ok) files.push(repoFile(entry, got.text));
    else if (got) skipped.push({ file: entry.path, line: null, reason: got.reason });
  });
  return {
    status: "ok",
    defaultBranch,
    headSha: options.headSha ?? null,
    treeSha: top.sha,
    nodeId: repository.nodeId,
    etag: top.etag ?? null,
    files,
    skipped,
    requests: api.requests,
  };
}

function repoFile(entry: TreeEntry, text: string): RepoFile {
  return { path: entry.path, text, mode: entry.mode === "100755" ? "100755" : "100644" };
}

/**
 * The default branch's recursive top tree listing, asked with `If-None-Match: ifNoneMatch`: one
 * request; `not-modified` when GitHub answers 304 (which it does not count against the rate
 * limit). Errors as `readRepository`'s.
 */
export async function readTopTree(
  octokit: GitHubClient,
  { owner, repo }: RepoName,
  branch: string,
  ifNoneMatch: string,
): Promise<{ status: "not-modified" } | { status: "ok"; listing: Listing }> {
  const api = new Api(octokit, owner, repo);
  try {
    return { status: "ok", listing: await api.tree(branch, true, ifNoneMatch) };
  } catch (error) {
    if (httpStatusOf(error) === 304) return { status: "not-modified" };
    throw error;
  }
}

/**
 * The files a run reads: shallow paths first, at most `maxFiles` and `maxBytes` (sizes from the
 * tree listing). What is left out is one `skipped` entry naming the first file left out and how
 * many more, so the PR body and the check run say what this run did not look at.
 */
function withinBounds(wanted: TreeEntry[], options: ReadOptions, skipped: Skipped[]): TreeEntry[] {
  const maxFiles = options.maxFiles ?? MAX_FILES;
  const maxBytes = options.maxBytes ?? MAX_TOTAL_BYTES;
  const depth = (p: string) => p.split("/").length;
  const ordered = [...wanted].sort(
    (a, b) => depth(a.path) - depth(b.path) || comparePaths(a.path, b.path),
  );
  const chosen: TreeEntry[] = [];
  const left: TreeEntry[] = [];
  let bytes = 0;
  for (const entry of ordered) {
    const size = Math.min(entry.size ?? 0, MAX_BLOB_BYTES);
    if (chosen.length < maxFiles && bytes + size <= maxBytes) {
      chosen.push(entry);
      bytes += size;
    } else left.push(entry);
  }
  const first = left[0];
  if (first)
    skipped.push({
      file: first.path,
      line: null,
      reason: `left out: this and ${left.length - 1} more file${left.length === 2 ? "" : "s"} that can pin uv were not read (a run reads at most ${maxFiles} files and ${Math.round(maxBytes / 1024 / 1024)} MiB per repository; narrow \`paths\` in the configuration to choose which)`,
    });
  return chosen;
}

/** One tree listing as GitHub answered it (`etag`: its ETag header, when sent). */
export interface Listing {
  sha: string;
  truncated: boolean;
  tree: TreeEntry[];
  etag?: string;
}

type Dir = { sha: string; prefix: string };

/**
 * Every entry under a root tree whose recursive listing GitHub truncated: the root is listed flat,
 * each directory below it recursively, and only a directory whose own listing is truncated too is
 * listed flat in turn. Skipped directories (`node_modules`) are never listed. A directory too big
 * for even a flat listing is noted in `skipped`.
 */
async function walkTree(api: Api, rootSha: string, skipped: Skipped[]): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let flat: Dir[] = [{ sha: rootSha, prefix: "" }];
  let budget = MAX_TREE_LISTINGS;
  /** Directories past the listing budget: noted once, never listed. */
  const spend = (dirs: Dir[]): Dir[] => {
    const kept = dirs.slice(0, Math.max(0, budget));
    budget -= kept.length;
    const over = dirs.slice(kept.length);
    const first = over[0];
    if (first)
      skipped.push({
        file: first.prefix.slice(0, -1) || ".",
        line: null,
        reason: `left out: this and ${over.length - 1} more director${over.length === 2 ? "y" : "ies"} were not listed (a run lists at most ${MAX_TREE_LISTINGS} directories of a repository too big for one listing)`,
      });
    return kept;
  };
  while (flat.length > 0) {
    flat = spend(flat);
    const listings = await mapBounded(flat, CONCURRENCY, (dir) => api.tree(dir.sha, false));
    const subdirs: Dir[] = [];
    flat.forEach((dir, i) => {
      if (listings[i]?.truncated) {
        const file = dir.prefix.slice(0, -1) || ".";
        skipped.push({
          file,
          line: null,
          reason: "directory listing truncated by GitHub, not all read",
        });
      }
      for (const e of listings[i]?.tree ?? []) {
        if (e.type !== "tree") entries.push({ ...e, path: dir.prefix + e.path });
        else if (!SKIP_DIRS.has(e.path))
          subdirs.push({ sha: e.sha, prefix: `${dir.prefix}${e.path}/` });
      }
    });
    const listed = spend(subdirs);
    subdirs.length = 0;
    subdirs.push(...listed);
    const whole = await mapBounded(subdirs, CONCURRENCY, (dir) => api.tree(dir.sha, true));
    flat = [];
    subdirs.forEach((dir, i) => {
      const listing = whole[i];
      if (!listing || listing.truncated) {
        flat.push(dir);
        return;
      }
      for (const e of listing.tree) {
        const entry = { ...e, path: dir.prefix + e.path };
        if (outsideSkipped(entry)) entries.push(entry);
      }
    });
  }
  return entries;
}

/** The calls this module makes, counted. */
class Api {
  requests = 0;
  constructor(
    private readonly octokit: GitHubClient,
    private readonly owner: string,
    private readonly repo: string,
  ) {}

  repository() {
    return this.call("", () => this.octokit.request("GET /repos/{owner}/{repo}", this.name()));
  }

  async tree(sha: string, recursive: boolean, ifNoneMatch?: string): Promise<Listing> {
    let etag: string | undefined;
    const data = await this.call(`/git/trees/${sha}`, async () => {
      const response = await this.octokit.request(
        "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
        {
          ...this.name(),
          tree_sha: sha,
          ...(recursive ? { recursive: "1" } : {}),
          ...(ifNoneMatch !== undefined ? { headers: { "if-none-match": ifNoneMatch } } : {}),
        },
      );
      const header = (response.headers as Record<string, unknown> | undefined)?.etag;
      etag = typeof header === "string" ? header : undefined;
      return response;
    });
    if (!Array.isArray(data?.tree) || typeof data.sha !== "string") {
      throw new UpstreamError("bad-response", `tree ${sha}: not a git tree`, this.url(), null);
    }
    const tree = data.tree.filter(
      (e): e is TreeEntry =>
        typeof e.path === "string" && typeof e.type === "string" && typeof e.sha === "string",
    );
    return { sha: data.sha, truncated: data.truncated === true, tree, ...(etag ? { etag } : {}) };
  }

  async blob(sha: string) {
    const data = await this.call(`/git/blobs/${sha}`, () =>
      this.octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
        ...this.name(),
        file_sha: sha,
      }),
    );
    return data as { content?: unknown; encoding?: unknown };
  }

  /** One counted call; a failure becomes the project's coded error (Octokit's kept as the cause). */
  private async call<T>(path: string, send: () => Promise<{ data: T }>): Promise<T> {
    this.requests++;
    try {
      return (await send()).data;
    } catch (error) {
      throw this.fail(error, path);
    }
  }

  private fail(error: unknown, path: string): unknown {
    const status = httpStatusOf(error);
    // Not modified: the caller's conditional read, not a failure.
    if (status === 304) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code =
      status === 429 || (status === 403 && /rate limit/i.test(message))
        ? "rate-limited"
        : status === 401 || status === 403
          ? "auth"
          : status === 404
            ? "not-found"
            : status === null || status >= 500
              ? "upstream-unavailable"
              : "bad-response";
    return new UpstreamError(code, `GitHub: ${message}`, this.url() + path, status, {
      cause: error,
    });
  }

  private name = () => ({ owner: this.owner, repo: this.repo });
  private url = () => `https://api.github.com/repos/${this.owner}/${this.repo}`;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** A blob's bytes as UTF-8 text, byte for byte (BOM and CRLF kept); refuses binary and non-UTF-8. */
export function decodeBlob(blob: { content?: unknown; encoding?: unknown }): Decoded {
  if (typeof blob.content !== "string") return { ok: false, reason: "no content, not read" };
  let bytes: Buffer;
  if (blob.encoding === "base64") bytes = Buffer.from(blob.content.replace(/\s+/g, ""), "base64");
  else if (blob.encoding === "utf-8") bytes = Buffer.from(blob.content, "utf8");
  else return { ok: false, reason: `unknown encoding ${String(blob.encoding)}, not read` };
  if (bytes.length > MAX_BLOB_BYTES) return { ok: false, reason: "larger than 1 MiB, not read" };
  if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: "binary file, not read" };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: "not UTF-8 text, not read" };
  }
}

function outsideSkipped(entry: { path: string }): boolean {
  return !entry.path
    .split("/")
    .slice(0, -1)
    .some((p) => SKIP_DIRS.has(p));
}

/** The local walker's order: directory by directory, names compared by code unit. */
export function comparePaths(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
