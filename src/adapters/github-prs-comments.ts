/** Conversation on the app's pull request: comments, reactions, the check run, permissions. */

import { type GitHub, type RepoRef, statusOf } from "./github-prs-git.js";

export interface PostedComment {
  id: number;
  url: string;
}

/**
 * The hidden text that identifies a comment: `<!-- uv-pin-bot:KEY -->`. `key` is a short id such
 * as `foreign-commits` or `blocked:0.9.18`.
 */
export function hiddenMarker(key: string): string {
  if (key.length === 0 || /--|>|\n/.test(key)) {
    throw new Error(`hiddenMarker: \`${key}\` cannot sit inside an HTML comment`);
  }
  return `<!-- uv-pin-bot:${key} -->`;
}

/**
 * Posts `body` on the issue or pull request unless a comment there already carries the marker for
 * `key`. Requests: one list per 100 comments (usually one), then at most one post. Two deliveries
 * racing here can both post; the window is one list request wide.
 */
export async function commentOnce(
  octokit: GitHub,
  repo: RepoRef,
  issueNumber: number,
  key: string,
  body: string,
): Promise<PostedComment & { posted: boolean }> {
  const marker = hiddenMarker(key);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const existing = comments.find((comment) => comment.body?.includes(marker));
  if (existing) return { posted: false, id: existing.id, url: existing.html_url };
  const posted = await reply(octokit, repo, issueNumber, `${marker}\n${body}`);
  return { posted: true, ...posted };
}

/** A plain comment on the issue or pull request: one request. */
export async function reply(
  octokit: GitHub,
  repo: RepoRef,
  issueNumber: number,
  body: string,
): Promise<PostedComment> {
  const { data } = await octokit.rest.issues.createComment({
    ...repo,
    issue_number: issueNumber,
    body,
  });
  return { id: data.id, url: data.html_url };
}

export type Reaction = "eyes" | "rocket" | "confused";

/** Reacts to an issue or pull request comment (a command): one request. */
export async function react(
  octokit: GitHub,
  repo: RepoRef,
  commentId: number,
  content: Reaction,
): Promise<void> {
  await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
}

export const CHECK_NAME = "uv-pin-bot / provenance";

export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required";

export interface CheckRunInput {
  name?: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
}

/** GitHub refuses check run output longer than this many characters. */
const OUTPUT_LIMIT = 65_535;

/**
 * A completed check run on `headSha` (`POST /check-runs`, one request; the app needs `checks:
 * write`). Summary and text longer than GitHub accepts are cut, with a note saying so.
 */
export async function createCheckRun(
  octokit: GitHub,
  repo: RepoRef,
  headSha: string,
  input: CheckRunInput,
): Promise<{ id: number; url: string }> {
  const { data } = await octokit.rest.checks.create({
    ...repo,
    name: input.name ?? CHECK_NAME,
    head_sha: headSha,
    status: "completed",
    conclusion: input.conclusion,
    output: {
      title: input.title,
      summary: clipOutput(input.summary),
      ...(input.text === undefined ? {} : { text: clipOutput(input.text) }),
    },
  });
  return { id: data.id, url: data.html_url ?? "" };
}

/** Check run output cut to what GitHub accepts, with a note saying so. */
export function clipOutput(text: string): string {
  if (text.length <= OUTPUT_LIMIT) return text;
  const note = "\n\n… (cut: longer than GitHub allows)";
  return text.slice(0, OUTPUT_LIMIT - note.length) + note;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

const ROLES: readonly Permission[] = ["admin", "maintain", "write", "triage", "read", "none"];

/**
 * `username`'s role in the repository (one request). `role_name` is read when it is one of the
 * built-in roles; a custom role falls back to the base `permission` it grants. An unknown user
 * (404) is `none`.
 */
export async function permissionOf(
  octokit: GitHub,
  repo: RepoRef,
  username: string,
): Promise<Permission> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username,
    });
    const role = ROLES.find((name) => name === data.role_name);
    return role ?? ROLES.find((name) => name === data.permission) ?? "none";
  } catch (error) {
    if (statusOf(error) === 404) return "none";
    throw error;
  }
}
