/**
 * The git data side of the app's pull request: one tree (files inline), one commit, and the branch ref.
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

/** A commit the app made, as GitHub answered it. */
export interface MadeCommit {
  sha: string;
  /**
   * `verification.verified` of GitHub's answer: whether GitHub signed the commit (Verified), or
   * null when the answer did not say. Read, never assumed (see the README).
   */
  verified: boolean | null;
  /** `verification.reason` (`valid`, `unsigned`, …), or null. */
  reason: string | null;
}

/**
 * Writes `files` on top of `baseSha` and returns the new commit. Requests: one `POST /git/trees`
 * on the base tree whose entries carry each file's text inline (`content`; GitHub writes the
 * blob; the entry's mode is the base tree's), one `POST /git/commits`: 2 content-creating
 * requests, however many files. A file whose bytes are not UTF-8 text (inline content is a JSON
 * string) gets its own `POST /git/blobs` (base64, byte-exact) first. Plus one read when
 * `baseTreeSha` is not given. No author or committer is sent: GitHub records the app's bot as the
 * author and, where it signs the commit, itself as the committer. The app knows its commits by
 * the ids it pushed (see `ensurePullRequest`), never by these names.
 */
export async function commitFiles(
  octokit: GitHub,
  repo: RepoRef,
  input: CommitInput,
): Promise<MadeCommit> {
  if (input.files.length === 0) throw new Error("commitFiles: no files to commit");
  const paths = new Set(input.files.map((file) => file.path));
  if (paths.size !== input.files.length) throw new Error("commitFiles: a path is listed twice");
  const baseTree =
    input.baseTreeSha ??
    (await octokit.rest.git.getCommit({ ...repo, commit_sha: input.baseSha })).data.tree.sha;
  const tree: TreeEntry[] = [];
  // One at a time: GitHub asks for content-creating requests to be made serially.
  for (const file of input.files) {
    const text = inlineText(file.content);
    if (text !== null) {
      tree.push({ path: file.path, mode: file.mode, type: "blob", content: text });
      continue;
    }
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
  const verification = (commit.data as { verification?: { verified?: unknown; reason?: unknown } })
    .verification;
  return {
    sha: commit.data.sha,
    verified: typeof verification?.verified === "boolean" ? verification.verified : null,
    reason: typeof verification?.reason === "string" ? verification.reason : null,
  };
}

/** The content-creating requests `commitFiles` makes for `files`: tree, commit, a blob per non-text file. */
export function commitWrites(files: readonly FileChange[]): number {
  return 2 + files.filter((file) => inlineText(file.content) === null).length;
}

type TreeEntry = { path: string; mode: FileChange["mode"]; type: "blob" } & (
  | { content: string }
  | { sha: string }
);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The file as the text GitHub would store byte for byte, or null when it is not UTF-8. */
function inlineText(content: string | Uint8Array): string | null {
  // A lone surrogate has no UTF-8 form: such a string goes as a blob (as its bytes were read).
  if (typeof content === "string")
    return Buffer.from(content, "utf8").toString("utf8") === content ? content : null;
  try {
    return utf8.decode(content);
  } catch {
    return null;
  }
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

/**
 * GitHub refused the app's commit because of a repository rule or branch protection, e.g. "require
 * signed commits" when GitHub did not sign it. The run ends with this reason (not retried: the
 * same commit would be refused again).
 */
export class RuleViolationError extends Error {
  readonly code = "rule-violation";
}

/** A repository rule's refusal (`Repository rule violations found … Commits must have verified signatures`). */
export function ruleRefusal(error: unknown): RuleViolationError | null {
  const message = messageOf(error);
  if (
    !/repository rule violations?|must have (valid |verified )?signatures|signed commits/i.test(
      message,
    )
  )
    return null;
  const text = message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
  return new RuleViolationError(`GitHub refused the commit: ${text.slice(0, 300)}`);
}

/** One mutation's error inside a GraphQL answer (`{type, message, path}`). */
export class MutationError extends Error {
  override readonly name = "GraphqlResponseError";
  constructor(
    message: string,
    readonly type: string | undefined,
  ) {
    super(message);
  }
}

const UPDATE_REFS = `mutation ($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
  swap: updateRefs(input: {repositoryId: $repositoryId, refUpdates: $refUpdates}) { clientMutationId }
}`;

/** `updateRefs`' one ref update: `refs/heads/uv-pin-bot/uv` from `before` (null: absent) to `after`. */
export function refUpdate(before: string | null, after: string) {
  return {
    name: `refs/heads/${BRANCH}`,
    beforeOid: before ?? NO_COMMIT,
    afterOid: after,
    force: true,
  };
}

/**
 * Points `refs/heads/uv-pin-bot/uv` at `after` only if it still points at `before` (null: only if
 * it does not exist): GraphQL `updateRefs` with `beforeOid`, one request, compare-and-swap on
 * GitHub's side, so a push that lands between our check and this write is never lost. A refusal
 * is told apart as `swapRefused` says. (The pull request paths send the same update inside one
 * document with the pull request's own mutations: github-prs-graphql.ts.)
 */
export async function swapBranch(
  octokit: GitHub,
  repo: RepoRef,
  repositoryId: string,
  before: string | null,
  after: string,
): Promise<void> {
  try {
    await octokit.graphql(UPDATE_REFS, { repositoryId, refUpdates: [refUpdate(before, after)] });
  } catch (error) {
    await swapRefused(octokit, repo, before, error);
  }
}

/**
 * Why GitHub refused a compare-and-swap from `before`, thrown: `WorkflowPermissionError` when it
 * refused a workflow file, `RuleViolationError` for a repository rule, `BranchMovedError` when the
 * branch is not at `before` (read: one request, only for a GraphQL refusal), else the error.
 */
export async function swapRefused(
  octokit: GitHub,
  repo: RepoRef,
  before: string | null,
  error: unknown,
): Promise<never> {
  const workflow = workflowRefusal(error);
  if (workflow) throw workflow;
  const rule = ruleRefusal(error);
  if (rule) throw rule;
  if (statusOf(error) !== undefined && !isGraphqlError(error)) throw error;
  const found = await branchHead(octokit, repo);
  if (found !== before) throw new BranchMovedError(before, found);
  throw error;
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
