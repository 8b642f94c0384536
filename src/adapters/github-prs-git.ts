/**
 * The git data side of the app's pull request: blobs, one tree, one commit, and the branch ref.
 * Every function takes the Octokit it should use (Probot's `context.octokit`).
 */

import type { ProbotOctokit } from "probot";
import { httpStatusOf } from "../errors.js";

/** The Octokit the adapters talk through: Probot's `context.octokit` (or a `new ProbotOctokit`). */
export type GitHub = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The one branch the app pushes to, in every repository. */
export const BRANCH = "uv-pin-bot/uv";
/** `refs/heads/uv-pin-bot/uv`, spelt out in paths: Octokit's `{ref}` would send `%2F`. */
const REF_PATH = `/repos/{owner}/{repo}/git/refs/heads/${BRANCH}`;
/** `GET /git/ref/heads/uv-pin-bot/uv` (singular `ref`: GitHub's read of one reference). */
const REF_READ_PATH = `/repos/{owner}/{repo}/git/ref/heads/${BRANCH}`;

/** A file to write. `mode` is the base tree entry's mode, kept as it was (new files: 100644). */
export interface FileChange {
  path: string;
  /** A string is sent as its UTF-8 bytes; pass the file's bytes to keep any encoding exactly. */
  content: string | Uint8Array;
  mode: "100644" | "100755";
}

export interface CommitInput {
  /** The commit the new one sits on (its only parent). */
  baseSha: string;
  /**
   * The root tree of `baseSha` (the `sha` of `GET /git/trees/{baseSha}`). When omitted it is read
   * with one `GET /git/commits/{baseSha}`: `base_tree` must name a tree, not a commit.
   */
  baseTreeSha?: string;
  files: readonly FileChange[];
  message: string;
}

/**
 * Writes `files` on top of `baseSha` and returns the new commit's sha. Requests: one
 * `POST /git/blobs` per file (base64, so the bytes are exact: CRLF, BOM, final newline or none),
 * one `POST /git/trees` on the base tree, one `POST /git/commits`; plus one read when
 * `baseTreeSha` is not given. No author or committer is sent, so GitHub records the app's bot
 * account as both (and signs the commit): that is what `isOurCommit` recognises.
 */
export async function commitFiles(
  octokit: GitHub,
  repo: RepoRef,
  input: CommitInput,
): Promise<string> {
  if (input.files.length === 0) throw new Error("commitFiles: no files to commit");
  const paths = new Set(input.files.map((file) => file.path));
  if (paths.size !== input.files.length) throw new Error("commitFiles: a path is listed twice");
  const baseTree =
    input.baseTreeSha ??
    (await octokit.rest.git.getCommit({ ...repo, commit_sha: input.baseSha })).data.tree.sha;
  const tree: { path: string; mode: FileChange["mode"]; type: "blob"; sha: string }[] = [];
  // One at a time: GitHub asks for content-creating requests to be made serially.
  for (const file of input.files) {
    const { data } = await octokit.rest.git.createBlob({
      ...repo,
      content: toBase64(file.content),
      encoding: "base64",
    });
    tree.push({ path: file.path, mode: file.mode, type: "blob", sha: data.sha });
  }
  const created = await octokit.rest.git.createTree({ ...repo, base_tree: baseTree, tree });
  const commit = await octokit.rest.git.createCommit({
    ...repo,
    message: input.message,
    tree: created.data.sha,
    parents: [input.baseSha],
  });
  return commit.data.sha;
}

function toBase64(content: string | Uint8Array): string {
  return typeof content === "string"
    ? Buffer.from(content, "utf8").toString("base64")
    : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("base64");
}

/**
 * Points `refs/heads/uv-pin-bot/uv` at `sha`: creates it (one request) or, when it is left over
 * from a closed pull request, force-moves it (a failed create, then one `PATCH`).
 */
export async function pointBranch(octokit: GitHub, repo: RepoRef, sha: string): Promise<void> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${BRANCH}`, sha });
  } catch (error) {
    if (statusOf(error) !== 422 || !/already exists/i.test(messageOf(error))) throw error;
    await forceBranch(octokit, repo, sha);
  }
}

/** `PATCH /git/refs/heads/uv-pin-bot/uv` with `force: true`: one request. */
export async function forceBranch(octokit: GitHub, repo: RepoRef, sha: string): Promise<void> {
  await octokit.request(`PATCH ${REF_PATH}`, { ...repo, sha, force: true });
}

/**
 * Deletes the branch after its pull request was merged or closed. A branch already gone (404,
 * or 422 "Reference does not exist") is not an error. Returns whether this call deleted it.
 * With `onlyAt` (the closed pull request's head sha) the branch is read first (one more request)
 * and kept when it has moved since: a late or repeated delivery must not delete the branch of a
 * newer pull request, nor commits pushed after the close.
 */
export async function deleteBranch(
  octokit: GitHub,
  repo: RepoRef,
  onlyAt?: string,
): Promise<boolean> {
  if (onlyAt !== undefined) {
    try {
      const { data } = await octokit.request(`GET ${REF_READ_PATH}`, { ...repo });
      if (data.object.sha !== onlyAt) return false;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
  try {
    await octokit.request(`DELETE ${REF_PATH}`, { ...repo });
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 422) return false;
    throw error;
  }
}

/** The HTTP status of an Octokit `RequestError`, if that is what `error` is. */
export function statusOf(error: unknown): number | undefined {
  return httpStatusOf(error) ?? undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
