/**
 * The app's one pull request per repository, from branch `uv-pin-bot/uv`: find it, create it,
 * update it in place, or leave it alone when someone else has pushed to it. The caller decides
 * what goes in it (files, title, body, commit message, fingerprint) and which commits are the
 * app's own (the ids it pushed, kept in its pull requests' metadata and a store); this file only
 * does the I/O.
 *
 * The branch only ever moves by compare-and-swap (`swapBranch`: GraphQL `updateRefs` with
 * `beforeOid`), from a head the app made (or from nothing), so a push that lands at any moment is
 * never overwritten; `rebase` (a maintainer asked) is the one exception to "a head the app made".
 *
 * Requests per `ensurePullRequest` outcome (`pr` passed in saves the first request; +1 read when
 * `baseTreeSha` is not given and a commit is made). Content-creating requests (what GitHub's
 * secondary limits count: everything but GET) are marked W:
 * - created: find 1 + branch read 1 + tree W + commit W + one GraphQL document W (the branch's
 *   compare-and-swap, the pull request, the check run) + labels and assignees in one
 *   `PATCH /issues/{n}` (W, when there are any) + reviewers W (when there are any) → at most 5 W
 *   (3 with neither labels, assignees nor reviewers).
 * - updated: find 1 + tree W + commit W + one GraphQL document W (swap, `updatePullRequest`,
 *   check run) → 3 W.
 * - branch-taken (no pull request, the branch holds a commit the app did not make): find 1 +
 *   branch read 1, no writes.
 * - unchanged (same fingerprint, same base branch): find 1, no writes.
 * - left-alone (the head is not a commit the app made, no `rebase`): find 1, no writes.
 * A file that is not UTF-8 text adds a blob (W). Rare extras: a repository without drafts (+1 W),
 * a racing delivery that opened the PR first (+1 find, +1 `PATCH /pulls/{n}` if its plan
 * differs), a refused swap (+1 branch read; +1 W to undo what the document's later mutations did).
 */

import { PR_BODY_LIMIT } from "../core/render-pr.js";
import type { CheckRunInput } from "./github-prs-comments.js";
import {
  BRANCH,
  BranchMovedError,
  branchHead,
  type CommitInput,
  commitFiles,
  commitWrites,
  type FileChange,
  type GitHub,
  type MadeCommit,
  messageOf,
  type RepoRef,
  statusOf,
  swapRefused,
} from "./github-prs-git.js";
import { type BatchOutcome, writeBatch } from "./github-prs-graphql.js";

export * from "./github-prs-comments.js";
export * from "./github-prs-git.js";

export interface PullRequest {
  number: number;
  /** GraphQL node id (`updatePullRequest`). */
  nodeId: string;
  url: string;
  title: string;
  body: string;
  headSha: string;
  baseRef: string;
}

/** The open pull request from `{owner}:uv-pin-bot/uv`, or null: one request. */
export async function findPullRequest(octokit: GitHub, repo: RepoRef): Promise<PullRequest | null> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    head: `${repo.owner}:${BRANCH}`,
    state: "open",
    per_page: 100,
  });
  const pr = data[0];
  return pr ? toPullRequest(pr) : null;
}

export interface ClosedPullRequest {
  number: number;
  url: string;
  body: string;
  closedAt: string | null;
}

/**
 * Pull requests from the branch that were closed without merging, most recently updated first,
 * with their bodies (the caller reads its metadata for "not this version again"). One request:
 * the newest 100 closed ones.
 */
export async function closedUnmerged(octokit: GitHub, repo: RepoRef): Promise<ClosedPullRequest[]> {
  return (await closedPullRequests(octokit, repo)).filter((pr) => !pr.merged);
}

/** Every closed pull request from the branch (merged or not), newest first: one request. */
export async function closedPullRequests(
  octokit: GitHub,
  repo: RepoRef,
): Promise<(ClosedPullRequest & { merged: boolean })[]> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    head: `${repo.owner}:${BRANCH}`,
    state: "closed",
    sort: "updated",
    direction: "desc",
    per_page: 100,
  });
  return data.map((pr) => ({
    number: pr.number,
    url: pr.html_url,
    body: pr.body ?? "",
    closedAt: pr.closed_at,
    merged: pr.merged_at !== null,
  }));
}

export interface EnsureInput {
  /** The branch the pull request targets (the default branch) and its current head. */
  baseBranch: string;
  baseSha: string;
  /** The root tree of `baseSha`; saves a request when known (see `commitFiles`). */
  baseTreeSha?: string;
  /** The repository's GraphQL node id (`node_id`), for `updateRefs`. */
  repositoryId: string;
  files: readonly FileChange[];
  commitMessage: string;
  title: string;
  /**
   * The rendered body for a branch head (it records the head the app pushed in its metadata, and
   * says whether GitHub signed it).
   */
  body: (head: MadeCommit) => string;
  /** The check run on the new head, made in the same request as the branch move (none: no run). */
  checkRun?: () => CheckRunInput;
  fingerprint: string;
  /** Reads the fingerprint out of a pull request body (the renderer owns the format). */
  currentFingerprint: (body: string) => string | null;
  labels: readonly string[];
  /** Logins, or `org/team-slug` for a team. */
  reviewers: readonly string[];
  assignees: readonly string[];
  draft: boolean;
  /** The final message of a commit about to be made (the app's proof line; see `CommitInput`). */
  seal?: CommitInput["seal"];
  /** Whether the app made this commit (the ids it pushed: pull request metadata, a store, a proof). */
  isOurs: (sha: string) => boolean | Promise<boolean>;
  /** Called with every commit the app puts on the branch, before anything else learns of it. */
  pushed?: (sha: string) => void | Promise<void>;
  /** Rebuild on `baseSha` even over foreign commits (a maintainer asked for it). */
  rebase: boolean;
  /** The open pull request when the caller has already looked it up (null: there is none). */
  pr?: PullRequest | null;
  /**
   * Keeps `count` content-creating requests of the installation's budget for this call's writes
   * before the first of them (throws, nothing written, when they do not fit), so that a pull
   * request is never left half made (opened without its labels) by the budget; resolves to the
   * release of what was not used.
   */
  reserveWrites?: (count: number) => Promise<() => Promise<void>>;
}

/** Reserves `count` writes (see `EnsureInput.reserveWrites`) around `write`. */
async function reserved<T>(input: EnsureInput, count: number, write: () => Promise<T>): Promise<T> {
  const release = await input.reserveWrites?.(count);
  try {
    return await write();
  } finally {
    await release?.();
  }
}

export type EnsureResult =
  | {
      action: "created" | "updated" | "unchanged" | "left-alone";
      number: number;
      url: string;
      headSha: string;
      /** Whether GitHub signed the commit the app made in this call (null: none made, or unknown). */
      verified: boolean | null;
      /** What could not be done but did not stop the run (e.g. a reviewer who is no collaborator). */
      warnings: string[];
    }
  | {
      /** No pull request, and the branch holds a commit the app did not make: nothing written. */
      action: "branch-taken";
      headSha: string;
      warnings: string[];
    };

/** Creates, updates or leaves the app's pull request so that it shows the caller's plan. */
export async function ensurePullRequest(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
): Promise<EnsureResult> {
  const found = input.pr !== undefined ? input.pr : await findPullRequest(octokit, repo);
  if (!found) return create(octokit, repo, input);
  // A run that opened this pull request stopped before its labels, assignees and reviewers
  // (the process died): they are set now, once, and the mark goes.
  const finishing: string[] = [];
  const pr = isDecorating(found.body)
    ? await reserved(input, decorationWrites(input), async () => {
        const body = withoutDecorating(found.body);
        await decorate(octokit, repo, found.number, input, finishing, body);
        return { ...found, body };
      })
    : found;
  const result = await ensureExisting(octokit, repo, input, pr);
  result.warnings.unshift(...finishing);
  return result;
}

async function ensureExisting(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
  pr: PullRequest,
): Promise<EnsureResult> {
  const keep = keepOf(pr);
  const same =
    pr.baseRef === input.baseBranch && input.currentFingerprint(pr.body) === input.fingerprint;
  if (same && !input.rebase) return keep("unchanged");
  // Asked only where it matters: it may cost a read (the commit's proof, commit-proof.ts).
  if (!input.rebase) {
    if (!(await input.isOurs(pr.headSha))) return keep("left-alone");
  } else if (
    // A repeated rebase command: nothing to do when the branch is already our commit on base.
    same &&
    (await input.isOurs(pr.headSha)) &&
    (await parentOf(octokit, repo, pr.headSha)) === input.baseSha
  )
    return keep("unchanged");
  // Tree, commit (and blobs), one document; the rare undo after a refused swap is not reserved.
  return reserved(input, commitWrites(input.files) + 1, () => update(octokit, repo, input, pr));
}

/** The answer about an existing pull request `pr` (its head unless a new one is given). */
function keepOf(pr: PullRequest) {
  return (
    action: "updated" | "unchanged" | "left-alone",
    headSha = pr.headSha,
    verified: boolean | null = null,
    warnings: string[] = [],
  ): EnsureResult => ({ action, number: pr.number, url: pr.url, headSha, verified, warnings });
}

async function update(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
  pr: PullRequest,
): Promise<EnsureResult> {
  const keep = keepOf(pr);
  const made = await commitFiles(octokit, repo, commitInput(input));
  await input.pushed?.(made.sha);
  const retarget = pr.baseRef === input.baseBranch ? {} : { base: input.baseBranch };
  const done = await writeBatch(octokit, {
    repositoryId: input.repositoryId,
    swap: { before: pr.headSha, after: made.sha },
    edit: { pullRequestId: pr.nodeId, title: input.title, body: input.body(made), ...retarget },
    ...(input.checkRun ? { check: input.checkRun() } : {}),
  });
  if (done.swapError) {
    // The branch did not move: the pull request must keep saying what the branch holds.
    if (done.edited)
      await octokit.rest.pulls.update({
        ...repo,
        pull_number: pr.number,
        title: pr.title,
        body: pr.body,
        ...(pr.baseRef === input.baseBranch ? {} : { base: pr.baseRef }),
      });
    try {
      await swapRefused(octokit, repo, pr.headSha, done.swapError);
    } catch (error) {
      // Someone pushed after we looked: their commits stay, and so does the pull request.
      if (error instanceof BranchMovedError) return keep("left-alone");
      throw error;
    }
  }
  if (done.editError) throw done.editError;
  return keep("updated", made.sha, made.verified, checkWarnings(done));
}

/** The first parent of a commit: one request. */
async function parentOf(octokit: GitHub, repo: RepoRef, sha: string): Promise<string | null> {
  const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
  return data.parents[0]?.sha ?? null;
}

function commitInput(input: EnsureInput) {
  return {
    baseSha: input.baseSha,
    baseTreeSha: input.baseTreeSha,
    files: input.files,
    message: input.commitMessage,
    seal: input.seal,
  };
}

function checkWarnings(done: BatchOutcome): string[] {
  return done.checkError ? [`could not create the check run: ${done.checkError.message}`] : [];
}

async function create(octokit: GitHub, repo: RepoRef, input: EnsureInput): Promise<EnsureResult> {
  // No pull request. A branch may still exist: left over from a closed pull request, or from a
  // run that pushed and then failed to open one (a secondary rate limit), or someone's work. It
  // is read first (so the swap below fails only in a race) and moves only from a head the app
  // made (or the base); anyone else's is never touched, and nothing is written.
  const found = await branchHead(octokit, repo);
  if (found !== null && found !== input.baseSha && !(await input.isOurs(found)))
    return { action: "branch-taken", headSha: found, warnings: [] };
  // Every write of the pull request is reserved before the first: tree, commit (and blobs), the
  // document, labels and assignees, reviewers.
  return reserved(input, commitWrites(input.files) + 1 + decorationWrites(input), () =>
    createOn(octokit, repo, input, found),
  );
}

async function createOn(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
  found: string | null,
): Promise<EnsureResult> {
  const made = await commitFiles(octokit, repo, commitInput(input));
  await input.pushed?.(made.sha);
  const warnings: string[] = [];
  const body = input.body(made);
  // Opened with a mark while its decorations are still to come (decorate() takes it away).
  const open = {
    base: input.baseBranch,
    title: input.title,
    body: decorationWrites(input) > 0 ? withDecorating(body) : body,
    draft: input.draft,
  };
  const done = await writeBatch(octokit, {
    repositoryId: input.repositoryId,
    swap: { before: found, after: made.sha },
    open,
    ...(input.checkRun ? { check: input.checkRun() } : {}),
  });
  if (done.swapError) {
    // A pull request GitHub opened anyway shows a branch the app did not move: closed at once.
    if (done.opened)
      await octokit.rest.pulls.update({
        ...repo,
        pull_number: done.opened.number,
        state: "closed",
      });
    try {
      await swapRefused(octokit, repo, found, done.swapError);
    } catch (error) {
      if (!(error instanceof BranchMovedError)) throw error;
      // Another delivery racing this one may have opened the pull request: update that one.
      const other = await findPullRequest(octokit, repo);
      if (other) return ensurePullRequest(octokit, repo, { ...input, pr: other });
      return { action: "branch-taken", headSha: error.found ?? "", warnings: [] };
    }
  }
  warnings.push(...checkWarnings(done));
  let opened = done.opened;
  if (!opened) {
    const refused = done.openError as Error;
    if (input.draft && /draft/i.test(messageOf(refused))) {
      warnings.push("draft pull requests are not available in this repository; opened a ready one");
      const again = await writeBatch(octokit, {
        repositoryId: input.repositoryId,
        open: { ...open, draft: false },
      });
      if (!again.opened) throw again.openError as Error;
      opened = again.opened;
    } else if (/already exists/i.test(messageOf(refused))) {
      // Another delivery opened it meanwhile, and our commit now heads its branch: show our plan.
      const other = await findPullRequest(octokit, repo);
      if (!other) throw refused;
      const same = input.currentFingerprint(other.body) === input.fingerprint;
      if (!same)
        await octokit.rest.pulls.update({
          ...repo,
          pull_number: other.number,
          title: input.title,
          body,
        });
      const action = same ? "unchanged" : "updated";
      return {
        action,
        number: other.number,
        url: other.url,
        headSha: made.sha,
        verified: made.verified,
        warnings,
      };
    } else throw refused;
  }
  await decorate(octokit, repo, opened.number, input, warnings, body);
  return {
    action: "created",
    number: opened.number,
    url: opened.url,
    headSha: made.sha,
    verified: made.verified,
    warnings,
  };
}

/**
 * Marks a pull request opened before its labels, assignees and reviewers were set: a run that
 * dies in between leaves it, and the next run finishes them (ensurePullRequest). An HTML
 * comment: not shown on GitHub.
 */
export const DECORATING = "<!-- uv-pin-bot: labels, assignees and reviewers still to come -->";

/** The body with the mark (rendered bodies leave room for it: render-pr.ts PR_BODY_MARK_ROOM). */
const withDecorating = (body: string) =>
  body.length + DECORATING.length + 1 <= PR_BODY_LIMIT ? `${body}\n${DECORATING}` : body;
const isDecorating = (body: string) => body.includes(DECORATING);
const withoutDecorating = (body: string) =>
  body.replaceAll(`\n${DECORATING}`, "").replaceAll(DECORATING, "");

/** Writes `decorate` makes: reviewers, then one PATCH (labels, assignees, the mark away). */
function decorationWrites(input: EnsureInput): number {
  const any = input.labels.length + input.assignees.length + input.reviewers.length > 0;
  return any ? 1 + (input.reviewers.length > 0 ? 1 : 0) : 0;
}

/**
 * Reviewers in one `POST /pulls/{n}/requested_reviewers`, then labels, assignees and the body
 * without the mark in one `PATCH /issues/{n}` (the new pull request has no labels or assignees
 * yet, so setting them is adding them). The mark goes last, with the write that ends the job.
 */
async function decorate(
  octokit: GitHub,
  repo: RepoRef,
  prNumber: number,
  input: EnsureInput,
  warnings: string[],
  body: string,
): Promise<void> {
  if (decorationWrites(input) === 0) return;
  await requestReviewers(octokit, repo, prNumber, input.reviewers, warnings);
  const labels = [...input.labels];
  const assignees = [...input.assignees];
  const issue = { ...repo, issue_number: prNumber };
  try {
    await octokit.rest.issues.update({
      ...issue,
      ...(labels.length > 0 ? { labels } : {}),
      ...(assignees.length > 0 ? { assignees } : {}),
      body,
    });
  } catch (error) {
    // 422: an assignee who cannot be assigned. The labels still go on, and the mark goes.
    if (statusOf(error) !== 422 || assignees.length === 0) throw error;
    warnings.push(`could not assign ${assignees.join(", ")}: ${messageOf(error)}`);
    await octokit.rest.issues.update({ ...issue, ...(labels.length > 0 ? { labels } : {}), body });
  }
}

async function requestReviewers(
  octokit: GitHub,
  repo: RepoRef,
  prNumber: number,
  reviewers: readonly string[],
  warnings: string[],
): Promise<void> {
  if (reviewers.length === 0) return;
  const users = reviewers.filter((name) => !name.includes("/"));
  const teams = reviewers
    .filter((name) => name.includes("/"))
    .map((name) => name.split("/")[1] ?? "");
  try {
    await octokit.rest.pulls.requestReviewers({
      ...repo,
      pull_number: prNumber,
      ...(users.length > 0 ? { reviewers: users } : {}),
      ...(teams.length > 0 ? { team_reviewers: teams } : {}),
    });
  } catch (error) {
    // 422: someone is not a collaborator (or is the author). The pull request stands regardless.
    if (statusOf(error) !== 422) throw error;
    warnings.push(`could not request reviews from ${reviewers.join(", ")}: ${messageOf(error)}`);
  }
}

type ListedPull = Awaited<ReturnType<GitHub["rest"]["pulls"]["list"]>>["data"][number];

function toPullRequest(pr: ListedPull): PullRequest {
  return {
    number: pr.number,
    nodeId: pr.node_id,
    url: pr.html_url,
    title: pr.title,
    body: pr.body ?? "",
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
  };
}
