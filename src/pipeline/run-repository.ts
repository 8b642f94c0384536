/**
 * One repository run, shared by every trigger (comment, sweep, installation): read the default
 * branch → extract pins → resolve targets → verify → plan → rewrite → render → ensure the PR and
 * its check run. Decisions live in core/; this file only sequences them.
 */

import { readRepository } from "../adapters/github-files.js";
import type { GitHub } from "../adapters/github-prs.js";
import {
  closedUnmerged,
  commentOnce,
  createCheckRun,
  ensurePullRequest,
  findPullRequest,
} from "../adapters/github-prs.js";
import type { Upstreams } from "../adapters/upstreams.js";
import { type Config, pathFilter, policyFrom } from "../core/config.js";
import { scanText } from "../core/extract.js";
import { DEFAULT_IMAGES } from "../core/matchers.js";
import {
  checkRunOutput,
  commitMessage,
  fingerprint,
  type PrPlan,
  parseMetadata,
  planComment,
  prBody,
  prTitle,
} from "../core/render-pr.js";
import { rewriteFile } from "../core/rewrite.js";
import type { Pin, Skipped } from "../core/types.js";
import { type AttestDeps, attachAttestations } from "./attest.js";
import { resolvePlan } from "./resolve.js";

export type RunMode = "run" | "check" | "rebase";

export interface RunDeps {
  octokit: GitHub;
  upstreams: Pick<Upstreams, "registry" | "releases">;
  attest: AttestDeps;
  now: () => Date;
  /** The app's bot login, e.g. `uv-pin-bot[bot]`: commits by anyone else are foreign. */
  appBotLogin: string;
}

export type RunOutcome =
  | { status: "archived" | "empty" | "missing"; message: string }
  | { status: "up-to-date"; message: string; plan: PrPlan }
  | { status: "checked"; message: string; plan: PrPlan }
  | { status: "declined"; message: string; plan: PrPlan }
  | { status: "blocked"; message: string; plan: PrPlan }
  | {
      status: "created" | "updated" | "unchanged" | "left-alone";
      message: string;
      plan: PrPlan;
      pr: { number: number; url: string };
    };

export const LEFT_ALONE_MARKER = "left-alone";

export async function runRepository(
  repo: { owner: string; repo: string },
  config: Config,
  deps: RunDeps,
  mode: RunMode,
  /** Runs so far for this call: a default branch that moves mid-run is read once more. */
  attempt = 0,
): Promise<RunOutcome> {
  const accept = pathFilter(config);
  const read = await readRepository(deps.octokit, repo, {
    accept,
  });
  if (read.status !== "ok")
    return { status: read.status, message: `the repository is ${read.status}` };

  const images = [...DEFAULT_IMAGES, ...config.images];
  const pins: Pin[] = [];
  const skipped: Skipped[] = [...read.skipped];
  const texts = new Map(read.files.map((f) => [f.path, f]));
  for (const file of read.files) {
    const found = scanText(file.path, file.text, { images });
    pins.push(...found.pins);
    skipped.push(...found.skipped);
  }
  const resolved = await resolvePlan(pins, deps.upstreams, policyFrom(config, deps.now()), {
    subjects: config.attestations !== "off",
  });
  await attachAttestations(resolved, deps.attest, config.attestations, config.attestationPolicy);
  const seen = new Set(skipped.map((s) => `${s.file}:${s.line}`));
  const plan: PrPlan = {
    repository: {
      owner: repo.owner,
      repo: repo.repo,
      defaultBranch: read.defaultBranch,
      // Until the PR path reads the branch's commit: the branch name, so that links resolve.
      baseSha: read.headSha ?? read.defaultBranch,
    },
    release: resolved.release,
    releases: await deps.upstreams.releases.list().catch(() => []),
    updates: resolved.updates,
    skipped: [...skipped, ...resolved.skipped.filter((s) => !seen.has(`${s.file}:${s.line}`))],
    config: { commitMessagePrefix: config.commitMessagePrefix },
  };
  if (mode === "check") return { status: "checked", message: planComment(plan), plan };

  // Rewrite each file with its unblocked updates; what cannot be written joins the blocked list.
  const changes: { path: string; content: string; mode: "100644" | "100755" }[] = [];
  const applicable = resolved.updates.filter((u) => !u.blocked);
  for (const [path, file] of texts) {
    const updates = applicable.filter((u) => u.pin.file === path);
    if (updates.length === 0) continue;
    const result = rewriteFile(
      path,
      file.text,
      updates.map((u) => ({ pin: u.pin, target: u.target })),
      { images },
    );
    const refusedPins = new Set(result.refused.map((r) => r.update.pin));
    for (const u of updates) {
      if (result.error) u.blocked = result.error;
      else if (refusedPins.has(u.pin))
        u.blocked = result.refused.find((r) => r.update.pin === u.pin)?.reason ?? "refused";
    }
    if (result.changed) changes.push({ path, content: result.text, mode: file.mode });
  }
  if (changes.length === 0) {
    const blocked = resolved.updates.filter((u) => u.blocked);
    return blocked.length
      ? {
          status: "blocked",
          message: blocked.map((u) => `${u.pin.file}:${u.pin.line}: ${u.blocked}`).join("\n"),
          plan,
        }
      : { status: "up-to-date", message: "already up to date", plan };
  }

  // The open pull request is looked up BEFORE the closed ones: a pull request closed while this
  // run works is then either still open here (and updated, its branch deleted after) or already
  // among the closed ones, never missed by both lists (which would propose a declined version).
  const pr = await findPullRequest(deps.octokit, repo);
  // A plan that a maintainer already declined (closed without merging) is not proposed again.
  const print = fingerprint(plan.updates);
  const declined = (await closedUnmerged(deps.octokit, repo))
    .map((pr) => parseMetadata(pr.body))
    .filter((m) => m !== null);
  const target = plan.release?.version ?? null;
  if (declined.some((m) => m.fingerprint === print || (target !== null && m.target === target))) {
    return {
      status: "declined",
      message: `uv ${target ?? "(these digests)"} was declined in a closed pull request`,
      plan,
    };
  }

  const head = await branchHead(deps.octokit, repo, read.defaultBranch);
  if (head.treeSha !== read.treeSha) {
    // The branch moved while this run read it: writing now could undo someone's change. Read it
    // again, once; a branch that keeps moving is left for the next run.
    if (attempt === 0) return runRepository(repo, config, deps, mode, attempt + 1);
    return {
      status: "blocked",
      message: `${read.defaultBranch} changed twice while uv-pin-bot read it; nothing was written, the next run tries again`,
      plan,
    };
  }
  const baseSha = head.sha;
  plan.repository.baseSha = baseSha;
  const result = await ensurePullRequest(deps.octokit, repo, {
    baseBranch: read.defaultBranch,
    baseSha,
    baseTreeSha: read.treeSha,
    files: changes,
    commitMessage: commitMessage(plan),
    title: prTitle(plan),
    body: prBody(plan),
    fingerprint: print,
    currentFingerprint: (body) => parseMetadata(body)?.fingerprint ?? null,
    labels: config.labels,
    reviewers: config.reviewers,
    assignees: config.assignees,
    draft: config.draft,
    appBotLogin: deps.appBotLogin,
    rebase: mode === "rebase",
    pr,
  });
  const prRef = { number: result.number, url: result.url };
  if (result.action === "left-alone") {
    await commentOnce(
      deps.octokit,
      repo,
      result.number,
      LEFT_ALONE_MARKER,
      "Someone else pushed to this branch, so uv-pin-bot will not overwrite it. Comment `/uv-update rebase` to rebuild it from the default branch (this discards the other commits).",
    );
    return {
      status: "left-alone",
      message: `left ${result.url} alone: it has commits from someone else`,
      plan,
      pr: prRef,
    };
  }
  if (result.action !== "unchanged") {
    const output = checkRunOutput(plan, config.attestations);
    await createCheckRun(deps.octokit, repo, result.headSha, output);
  }
  const verb =
    result.action === "created"
      ? "opened"
      : result.action === "updated"
        ? "updated"
        : "already up to date:";
  return { status: result.action, message: `${verb} ${result.url}`, plan, pr: prRef };
}

/** The default branch's head commit and its tree (one request). */
async function branchHead(
  octokit: GitHub,
  repo: { owner: string; repo: string },
  branch: string,
): Promise<{ sha: string; treeSha: string }> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
    ...repo,
    branch,
  });
  return { sha: data.commit.sha, treeSha: data.commit.commit.tree.sha };
}
