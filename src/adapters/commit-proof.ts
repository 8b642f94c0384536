/**
 * How the app knows a commit it pushed after it forgot the id (a restart of the embedded mode,
 * whose `OwnCommits` store is in memory): each commit the app makes carries, as the last line of
 * its message, a proof `Uv-Pin-Bot-Proof: sha256=…`, an HMAC keyed with the app's webhook secret
 * over the repository, the commit's tree, its parents and the rest of its message.
 *
 * Why this is sound where names and look-alikes are not: anyone can write any author or message,
 * and a commit that merely looks like the app's (same message, same kind of change) may hold a
 * person's work. Without the secret nobody can make a proof, and one copied from an app's commit
 * only holds for that commit's exact tree and parents: a commit that passes has the very content
 * (tree) on the very history (parents) the app wrote, so moving the branch away from it loses
 * nothing anyone added. A changed secret makes old proofs fail: the branch then reads as foreign
 * and is left alone (fail closed).
 */
import { timingSafeEqual } from "node:crypto";
import type { GitHub, RepoRef } from "./github-prs-git.js";
import { statusOf } from "./github-prs-git.js";

/** HMAC-SHA256 of a text under the app's webhook secret, as `sha256=<hex>` (Probot's `webhooks.sign`). */
export type Sign = (text: string) => Promise<string>;

export interface CommitFacts {
  tree: string;
  parents: readonly string[];
  message: string;
}

const TRAILER = "Uv-Pin-Bot-Proof";
/** The proof line at the end of a message (only the tail is searched: messages can be large). */
const PROOF_LINE = /\n\nUv-Pin-Bot-Proof: (sha256=[0-9a-f]{64})[ \t\r\n]*$/;
const TAIL = 200;

function proofText(repository: string, commit: CommitFacts, body: string): string {
  return [
    "uv-pin-bot commit proof v1",
    repository.toLowerCase(),
    commit.tree,
    commit.parents.join(" "),
    body,
  ].join("\n");
}

/** The message with its proof line, for a commit of `tree` on `parents` in `repository`. */
export async function withProof(
  sign: Sign,
  repository: string,
  commit: CommitFacts,
): Promise<string> {
  const body = commit.message.trimEnd();
  return `${body}\n\n${TRAILER}: ${await sign(proofText(repository, commit, body))}\n`;
}

/** Whether the commit carries a valid proof (made by this app, with this secret, as it is). */
export async function hasProof(
  sign: Sign,
  repository: string,
  commit: CommitFacts,
): Promise<boolean> {
  const tailStart = Math.max(0, commit.message.length - TAIL);
  const found = PROOF_LINE.exec(commit.message.slice(tailStart));
  if (!found?.[1]) return false;
  const body = commit.message.slice(0, tailStart + found.index);
  if (body !== body.trimEnd()) return false;
  const expected = Buffer.from(await sign(proofText(repository, commit, body)));
  const given = Buffer.from(found[1]);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Reads commit `sha` (one request) and checks its proof; a missing commit has none. */
export async function provenOurs(
  octokit: GitHub,
  repo: RepoRef,
  sign: Sign,
  sha: string,
): Promise<boolean> {
  let data: Awaited<ReturnType<GitHub["rest"]["git"]["getCommit"]>>["data"];
  try {
    ({ data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha }));
  } catch (error) {
    if (statusOf(error) === 404 || statusOf(error) === 422) return false;
    throw error;
  }
  return hasProof(sign, `${repo.owner}/${repo.repo}`, {
    tree: data.tree.sha,
    parents: data.parents.map((p) => p.sha),
    message: data.message,
  });
}
