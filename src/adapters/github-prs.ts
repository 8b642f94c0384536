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
 * Requests per `ensurePullRequest` outcome (N = files; +1 when `baseTreeSha` is not given and a
 * commit is made; `pr` passed in saves the first request):
 * - created: find 1 + N blobs + tree + commit + swap 1 + pull 1 + labels 0|1 + reviewers 0|1
 *   + assignees 0|1 → N + 5 … N + 8; over a branch left over (ours): + branch read + find + swap
 * - branch-taken (no pull request, the branch holds a commit the app did not make): find 1 +
 *   N blobs + tree + commit (never referenced) + refused swap + branch read + find, no ref moved
 * - unchanged (same fingerprint, same base branch): find 1, no writes
 * - left-alone (the head is not a commit the app made, no `rebase`): find 1, no writes
 * - updated: find 1 + N blobs + tree + commit + swap 1 + `PATCH /pulls/{n}` → N + 5
 * Rare extras: a repository without drafts (+1 pull), a racing delivery that opened the PR first
 * (+1 find, +1 `PATCH /pulls/{n}` if its plan differs), a refused swap (+1 branch read).
 */

import {
  BRANCH,
  BranchMovedError,
  type CommitInput,
  commitFiles,
  type FileChange,
  type GitHub,
  messageOf,
  type RepoRef,
  statusOf,
  swapBranch,
} from "./github-prs-git.js";

export * from "./github-prs-comments.js";
export * from "./github-prs-git.js";

export interface PullRequest {
  number: number;
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
  /** The rendered body for a branch head (it records the head the app pushed in its metadata). */
  body: (headSha: string) => string;
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
}

export type EnsureResult =
  | {
      action: "created" | "updated" | "unchanged" | "left-alone";
      number: number;
      url: string;
      headSha: string;
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
  const pr = input.pr !== undefined ? input.pr : await findPullRequest(octokit, repo);
  if (!pr) return create(octokit, repo, input);
  const keep = (action: "updated" | "unchanged" | "left-alone", headSha = pr.headSha) => ({
    action,
    number: pr.number,
    url: pr.url,
    headSha,
    warnings: [],
  });
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
  const headSha = await commitFiles(octokit, repo, commitInput(input));
  await input.pushed?.(headSha);
  try {
    await swapBranch(octokit, repo, input.repositoryId, pr.headSha, headSha);
  } catch (error) {
    // Someone pushed after we looked: their commits stay, and so does the pull request.
    if (error instanceof BranchMovedError) return keep("left-alone");
    throw error;
  }
  await octokit.rest.pulls.update({
    ...repo,
    pull_number: pr.number,
    title: input.title,
    body: input.body(headSha),
    ...(pr.baseRef === input.baseBranch ? {} : { base: input.baseBranch }),
  });
  return keep("updated", headSha);
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

async function create(octokit: GitHub, repo: RepoRef, input: EnsureInput): Promise<EnsureResult> {
  const headSha = await commitFiles(octokit, repo, commitInput(input));
  await input.pushed?.(headSha);
  try {
    await swapBranch(octokit, repo, input.repositoryId, null, headSha);
  } catch (error) {
    if (!(error instanceof BranchMovedError)) throw error;
    // No pull request, but the branch exists: left over from a closed pull request, or from a
    // run that pushed and then failed to open one (a secondary rate limit), or another delivery
    // racing this one, or someone's work. It moves only from a head the app made (or the base).
    const other = await findPullRequest(octokit, repo);
    if (other) return ensurePullRequest(octokit, repo, { ...input, pr: other });
    const found = error.found;
    if (found !== null && found !== input.baseSha && !(await input.isOurs(found)))
      return { action: "branch-taken", headSha: found, warnings: [] };
    try {
      await swapBranch(octokit, repo, input.repositoryId, found, headSha);
    } catch (again) {
      if (!(again instanceof BranchMovedError)) throw again;
      return { action: "branch-taken", headSha: again.found ?? "", warnings: [] };
    }
  }
  const warnings: string[] = [];
  let opened: Awaited<ReturnType<typeof octokit.rest.pulls.create>>["data"];
  try {
    opened = await openPull(octokit, repo, input, headSha, input.draft, warnings);
  } catch (error) {
    if (statusOf(error) !== 422 || !/already exists/i.test(messageOf(error))) throw error;
    // Another delivery opened it meanwhile, and our commit now heads its branch: show our plan.
    const other = await findPullRequest(octokit, repo);
    if (!other) throw error;
    const same = input.currentFingerprint(other.body) === input.fingerprint;
    if (!same) {
      await octokit.rest.pulls.update({
        ...repo,
        pull_number: other.number,
        title: input.title,
        body: input.body(headSha),
      });
    }
    const action = same ? "unchanged" : "updated";
    return { action, number: other.number, url: other.url, headSha, warnings };
  }
  const issue = { ...repo, issue_number: opened.number };
  if (input.labels.length > 0) {
    await octokit.rest.issues.addLabels({ ...issue, labels: [...input.labels] });
  }
  await requestReviewers(octokit, repo, opened.number, input.reviewers, warnings);
  if (input.assignees.length > 0) {
    await octokit.rest.issues.addAssignees({ ...issue, assignees: [...input.assignees] });
  }
  return { action: "created", number: opened.number, url: opened.html_url, headSha, warnings };
}

/** `POST /pulls`; a repository without draft pull requests gets a ready one, and a warning. */
async function openPull(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
  headSha: string,
  draft: boolean,
  warnings: string[],
) {
  try {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      head: BRANCH,
      base: input.baseBranch,
      title: input.title,
      body: input.body(headSha),
      draft,
    });
    return data;
  } catch (error) {
    if (!draft || statusOf(error) !== 422 || !/draft/i.test(messageOf(error))) throw error;
    warnings.push("draft pull requests are not available in this repository; opened a ready one");
    return openPull(octokit, repo, input, headSha, false, warnings);
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
    url: pr.html_url,
    title: pr.title,
    body: pr.body ?? "",
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
  };
}
