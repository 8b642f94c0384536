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
  /**
   * The final message for the commit about to be made (its tree and parent now known): the app
   * adds its proof line here (commit-proof.ts).
   */
  seal?: (commit: { tree: string; parents: string[]; message: string }) => Promise<string>;
}

/**
 * Writes `files` on top of `baseSha` and returns the new commit's sha. Requests: one
 * `POST /git/blobs` per file (base64, so the bytes are exact: CRLF, BOM, final newline or none),
 * one `POST /git/trees` on the base tree, one `POST /git/commits`; plus one read when
 * `baseTreeSha` is not given. No author or committer is sent: GitHub records the app's bot as the
 * author and, where it signs the commit, itself as the committer. The app knows its commits by
 * the ids it pushed (see `ensurePullRequest`), never by these names.
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
  const parents = [input.baseSha];
  const facts = { tree: created.data.sha, parents, message: input.message };
  const commit = await octokit.rest.git.createCommit({
    ...repo,
    message: input.seal ? await input.seal(facts) : input.message,
    tree: created.data.sha,
    parents,
  });
  return commit.data.sha;
}

function toBase64(content: string | Uint8Array): string {
  return typeof content === "string"
    ? Buffer.from(content, "utf8").toString("base64")
    : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("base64");
}

/** "No such ref" for `updateRefs`' `beforeOid` (create only if absent). */
export const NO_COMMIT = "0".repeat(40);

/** The branch did not point where the caller saw it: someone pushed (or deleted it) meanwhile. */
export class BranchMovedError extends Error {
  readonly code = "branch-moved";
  constructor(
    readonly expected: string | null,
    readonly found: string | null,
  ) {
    super(
      `${BRANCH} moved while uv-pin-bot worked (expected ${expected ?? "no branch"}, found ${found ?? "no branch"}); nothing was overwritten`,
    );
  }
}

/** GitHub refused a change to `.github/workflows/` because the installation lacks `workflows`. */
export class WorkflowPermissionError extends Error {
  readonly code = "workflow-permission";
  constructor(
    message: string,
    /** The workflow files GitHub named (may be empty when it named none). */
    readonly files: string[],
  ) {
    super(message);
  }
}

const UPDATE_REFS = `mutation ($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
  updateRefs(input: {repositoryId: $repositoryId, refUpdates: $refUpdates}) { clientMutationId }
}`;

/**
 * Points `refs/heads/uv-pin-bot/uv` at `after` only if it still points at `before` (null: only if
 * it does not exist): GraphQL `updateRefs` with `beforeOid`, one request, compare-and-swap on
 * GitHub's side, so a push that lands between our check and this write is never lost. A refusal
 * is told apart by reading the branch (one more request, only then): `BranchMovedError` when it
 * is not at `before`, `WorkflowPermissionError` when GitHub refused a workflow file.
 */
export async function swapBranch(
  octokit: GitHub,
  repo: RepoRef,
  repositoryId: string,
  before: string | null,
  after: string,
): Promise<void> {
  try {
    await octokit.graphql(UPDATE_REFS, {
      repositoryId,
      refUpdates: [
        {
          name: `refs/heads/${BRANCH}`,
          beforeOid: before ?? NO_COMMIT,
          afterOid: after,
          force: true,
        },
      ],
    });
  } catch (error) {
    const workflow = workflowRefusal(error);
    if (workflow) throw workflow;
    if (statusOf(error) !== undefined && !isGraphqlError(error)) throw error;
    const found = await branchHead(octokit, repo);
    if (found !== before) throw new BranchMovedError(before, found);
    throw error;
  }
}

/** The branch's head commit, or null when there is no such branch: one request. */
export async function branchHead(octokit: GitHub, repo: RepoRef): Promise<string | null> {
  try {
    const { data } = await octokit.request(`GET ${REF_READ_PATH}`, { ...repo });
    return data.object.sha;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

function isGraphqlError(error: unknown): boolean {
  return error instanceof Error && error.name === "GraphqlResponseError";
}

/** GitHub's "refusing to allow a GitHub App to create or update workflow `…` without `workflows` permission". */
export function workflowRefusal(error: unknown): WorkflowPermissionError | null {
  const message = messageOf(error);
  if (!/without [`'"]?workflows?[`'"]? permission/i.test(message)) return null;
  const files = [...message.matchAll(/workflow [`'"]([^`'"]+)[`'"]/gi)].map((m) => m[1] ?? "");
  return new WorkflowPermissionError(message.split("\n")[0] ?? message, files);
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
