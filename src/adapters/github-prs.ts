/**
 * The app's one pull request per repository, from branch `uv-pin-bot/uv`: find it, create it,
 * update it in place, or leave it alone when someone else has pushed to it. The caller decides
 * what goes in it (files, title, body, commit message, fingerprint); this file only does the I/O.
 *
 * Requests per `ensurePullRequest` outcome (N = files; +1 everywhere when `baseTreeSha` is not
 * given and a commit is made; `pr` passed in saves the first request):
 * - created: find 1 + N blobs + tree + commit + ref 1 (2 when a stale branch is force-moved)
 *   + pull 1 + labels 0|1 + reviewers 0|1 + assignees 0|1 → N + 5 … N + 9
 * - unchanged (same fingerprint, same base branch): find 1, no writes (with `rebase`: + the
 *   commit list, still no writes when the branch is our one commit on `baseSha`)
 * - left-alone (new plan, foreign commits, no `rebase`): find 1 + commit list 1, no writes
 * - updated: find 1 + commit list 1 (not with `rebase`) + N blobs + tree + commit + force-move
 *   + `PATCH /pulls/{n}` → N + 6
 * Rare extras: a repository without drafts (+1 pull), a racing delivery that opened the PR first
 * (+1 find, +1 `PATCH /pulls/{n}` if its plan differs).
 */

import {
  BRANCH,
  commitFiles,
  type FileChange,
  forceBranch,
  type GitHub,
  messageOf,
  pointBranch,
  type RepoRef,
  statusOf,
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
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    head: `${repo.owner}:${BRANCH}`,
    state: "closed",
    sort: "updated",
    direction: "desc",
    per_page: 100,
  });
  return data
    .filter((pr) => pr.merged_at === null)
    .map((pr) => ({
      number: pr.number,
      url: pr.html_url,
      body: pr.body ?? "",
      closedAt: pr.closed_at,
    }));
}

interface BranchCommit {
  sha: string;
  parents: { sha: string }[];
  author: { login?: string } | null;
  committer: { login?: string } | null;
}

/** The commits GitHub lists for a pull request: one request (our branch holds one commit). */
async function prCommits(
  octokit: GitHub,
  repo: RepoRef,
  prNumber: number,
): Promise<BranchCommit[]> {
  const { data } = await octokit.rest.pulls.listCommits({
    ...repo,
    pull_number: prNumber,
    per_page: COMMIT_PAGE,
  });
  return data;
}

const COMMIT_PAGE = 100;

/**
 * The "ours" rule: a commit is the app's when the GitHub accounts that GitHub links to it as
 * author AND committer are both the app's bot (`uv-pin-bot[bot]`). `commitFiles` sends no
 * author or committer, so GitHub sets both to the bot. Anything else is foreign: a push from a
 * person, the "Update branch" button (committer `web-flow`), an amend or local rebase of our
 * commit (committer changes), a cherry-pick. A message trailer is deliberately not trusted: an
 * amend or cherry-pick copies it.
 */
export function isOurCommit(commit: BranchCommit, appBotLogin: string): boolean {
  return commit.author?.login === appBotLogin && commit.committer?.login === appBotLogin;
}

function hasForeign(commits: BranchCommit[], appBotLogin: string): boolean {
  // A full page cannot be ours alone (we keep one commit), and what is beyond it is unseen.
  return commits.length >= COMMIT_PAGE || commits.some((c) => !isOurCommit(c, appBotLogin));
}

/** Whether the pull request's branch carries a commit that is not the app's: one request. */
export async function branchHasForeignCommits(
  octokit: GitHub,
  repo: RepoRef,
  pr: { number: number },
  appBotLogin: string,
): Promise<boolean> {
  return hasForeign(await prCommits(octokit, repo, pr.number), appBotLogin);
}

export interface EnsureInput {
  /** The branch the pull request targets (the default branch) and its current head. */
  baseBranch: string;
  baseSha: string;
  /** The root tree of `baseSha`; saves a request when known (see `commitFiles`). */
  baseTreeSha?: string;
  files: readonly FileChange[];
  commitMessage: string;
  title: string;
  /** The rendered body; it carries `fingerprint` where `currentFingerprint` will find it. */
  body: string;
  fingerprint: string;
  /** Reads the fingerprint out of a pull request body (the renderer owns the format). */
  currentFingerprint: (body: string) => string | null;
  labels: readonly string[];
  /** Logins, or `org/team-slug` for a team. */
  reviewers: readonly string[];
  assignees: readonly string[];
  draft: boolean;
  appBotLogin: string;
  /** Rebuild on `baseSha` even over foreign commits (a maintainer asked for it). */
  rebase: boolean;
  /** The open pull request when the caller has already looked it up (null: there is none). */
  pr?: PullRequest | null;
}

export interface EnsureResult {
  action: "created" | "updated" | "unchanged" | "left-alone";
  number: number;
  url: string;
  headSha: string;
  /** What could not be done but did not stop the run (e.g. a reviewer who is no collaborator). */
  warnings: string[];
}

/** Creates, updates or leaves the app's pull request so that it shows the caller's plan. */
export async function ensurePullRequest(
  octokit: GitHub,
  repo: RepoRef,
  input: EnsureInput,
): Promise<EnsureResult> {
  const pr = input.pr !== undefined ? input.pr : await findPullRequest(octokit, repo);
  if (!pr) return create(octokit, repo, input);
  const keep = (action: EnsureResult["action"]): EnsureResult => ({
    action,
    number: pr.number,
    url: pr.url,
    headSha: pr.headSha,
    warnings: [],
  });
  const same =
    pr.baseRef === input.baseBranch && input.currentFingerprint(pr.body) === input.fingerprint;
  if (same && !input.rebase) return keep("unchanged");
  if (same || !input.rebase) {
    const commits = await prCommits(octokit, repo, pr.number);
    if (same) {
      // A repeated rebase command: nothing to do when the branch is already our commit on base.
      const only = commits.length === 1 ? commits[0] : undefined;
      if (only && isOurCommit(only, input.appBotLogin) && only.parents[0]?.sha === input.baseSha) {
        return keep("unchanged");
      }
    } else if (hasForeign(commits, input.appBotLogin)) {
      return keep("left-alone");
    }
  }
  const headSha = await commitFiles(octokit, repo, commitInput(input));
  await forceBranch(octokit, repo, headSha);
  await octokit.rest.pulls.update({
    ...repo,
    pull_number: pr.number,
    title: input.title,
    body: input.body,
    ...(pr.baseRef === input.baseBranch ? {} : { base: input.baseBranch }),
  });
  return { ...keep("updated"), headSha };
}

function commitInput(input: EnsureInput) {
  return {
    baseSha: input.baseSha,
    baseTreeSha: input.baseTreeSha,
    files: input.files,
    message: input.commitMessage,
  };
}

async function create(octokit: GitHub, repo: RepoRef, input: EnsureInput): Promise<EnsureResult> {
  const headSha = await commitFiles(octokit, repo, commitInput(input));
  await pointBranch(octokit, repo, headSha);
  const warnings: string[] = [];
  let opened: Awaited<ReturnType<typeof octokit.rest.pulls.create>>["data"];
  try {
    opened = await openPull(octokit, repo, input, input.draft, warnings);
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
        body: input.body,
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
  draft: boolean,
  warnings: string[],
) {
  try {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      head: BRANCH,
      base: input.baseBranch,
      title: input.title,
      body: input.body,
      draft,
    });
    return data;
  } catch (error) {
    if (!draft || statusOf(error) !== 422 || !/draft/i.test(messageOf(error))) throw error;
    warnings.push("draft pull requests are not available in this repository; opened a ready one");
    return openPull(octokit, repo, input, false, warnings);
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
