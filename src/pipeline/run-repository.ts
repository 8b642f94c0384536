/**
 * One repository run, shared by every trigger (comment, sweep, installation): read the default
 * branch → extract pins → resolve targets → verify → plan → rewrite → render → ensure the PR and
 * its check run. Decisions live in core/; this file only sequences them.
 */

import { createHash } from "node:crypto";
import type { BlobCache } from "../adapters/blob-cache.js";
import { provenOurs, type Sign, withProof } from "../adapters/commit-proof.js";
import { type KnownRepository, type Listing, readRepository } from "../adapters/github-files.js";
import {
  BRANCH,
  closedPullRequests,
  commentOnce,
  ensurePullRequest,
  findPullRequest,
  type GitHub,
  RuleViolationError,
  WorkflowPermissionError,
} from "../adapters/github-prs.js";
import type { OwnCommits } from "../adapters/own-commits.js";
import type { Upstreams } from "../adapters/upstreams.js";
import { type Config, pathFilter, policyFrom } from "../core/config.js";
import { scanText } from "../core/extract.js";
import { scanOptionsFor } from "../core/mirrors.js";
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
import { withBuildArgs } from "../core/rescan.js";
import { rewriteFile } from "../core/rewrite.js";
import type { Pin, Release, ScanOptions, ScanResult, Skipped } from "../core/types.js";
import type { AttestDeps } from "./attest.js";
import { resolveVerified, rewriteInLockstep } from "./lockstep.js";
import type { Plan, PlannedUpdate, ReleaseLookups } from "./resolve.js";

export type RunMode = "run" | "check" | "rebase";

export interface RunDeps {
  octokit: GitHub;
  upstreams: Pick<Upstreams, "registry" | "releases">;
  attest: AttestDeps;
  now: () => Date;
  /** The commits the app pushed (see `OwnCommits`); its pull requests' metadata adds to it. */
  ownCommits: OwnCommits;
  /** Blob contents by SHA, shared by every run (none: every blob is read). */
  blobs?: BlobCache;
  /** The repository as the caller knows it (listing, payload): no `GET /repos/{o}/{r}`. */
  repository?: KnownRepository;
  /** The default branch's top tree listing, when the caller has just read it. */
  listing?: Listing;
  /** Told what the run read and resolved (a sweep keeps it to skip an unchanged repository). */
  observe?: (seen: RunSeen) => void;
  /**
   * The app's commit proof (commit-proof.ts: an HMAC under its webhook secret): its commits carry
   * one, and a commit the ids above do not know is the app's when its proof holds (after a restart).
   */
  sign?: Sign;
  /**
   * Whether the installation granted `workflows: write` (its token's permissions), or undefined
   * when unknown. False: workflow files are left out before anything is written; GitHub's refusal
   * stays the fallback when this says yes (or nothing) and GitHub says no.
   */
  canWriteWorkflows?: () => Promise<boolean | undefined>;
  /** Keeps a pull request's writes in the installation's budget before the first (github-prs.ts). */
  reserveWrites?: (count: number) => Promise<() => Promise<void>>;
}

/** What a run saw: the tree's ETag, the pins, and what the upstreams answered for them. */
export interface RunSeen {
  etag: string | null;
  pins: Pin[];
  /** `upstreamPrint` of the resolved plan. */
  upstream: string;
}

export type RunOutcome =
  | { status: "archived" | "empty" | "missing"; message: string }
  | {
      status: "up-to-date";
      message: string;
      plan: PrPlan;
      /** Pins whose targets could not be looked up (an upstream down, say), with the reason. */
      unchecked?: Skipped[];
    }
  | { status: "checked"; message: string; plan: PrPlan }
  | { status: "declined"; message: string; plan: PrPlan }
  | {
      status: "blocked";
      message: string;
      plan: PrPlan;
      /** `rule`: GitHub refused the commit (a repository rule, e.g. signed commits required). */
      refusedBy?: "rule";
    }
  | {
      status: "created" | "updated" | "unchanged" | "left-alone";
      message: string;
      plan: PrPlan;
      pr: { number: number; url: string };
    };

export const LEFT_ALONE_MARKER = "left-alone";
/** Pins handled per repository and run (see the loop that reads them). */
export const MAX_PINS = 500;
/** Why a workflow file's update is held when the installation lacks `workflows: write`. */
export const NEEDS_WORKFLOWS =
  "needs the workflows permission (this installation of uv-pin-bot has not granted `workflows: write`; an owner can approve it in the installation's settings)";

const isWorkflowFile = (path: string) => path.startsWith(".github/workflows/");

export async function runRepository(
  repo: { owner: string; repo: string },
  config: Config,
  deps: RunDeps,
  mode: RunMode,
  /** Runs so far for this call: a default branch that moves mid-run is read once more. */
  attempt = 0,
): Promise<RunOutcome> {
  const accept = pathFilter(config);
  let scanOptions: ScanOptions = scanOptionsFor(config.images);
  // Each file is scanned as soon as its blob arrives, while the others are still being read; the
  // first pin starts the lookup of uv's releases (which resolving asks for in every run that gets
  // that far), so it overlaps the rest of the reading. A run without pins asks nothing early.
  const scans = new Map<string, ScanResult>();
  const releases = earlyReleases(deps.upstreams.releases);
  const read = await readRepository(deps.octokit, repo, {
    accept,
    ...(deps.repository ? { repository: deps.repository } : {}),
    ...(deps.blobs ? { blobs: deps.blobs } : {}),
    ...(deps.listing && attempt === 0 ? { listing: deps.listing } : {}),
    onFile: (file) => {
      const found = scanText(file.path, file.text, scanOptions);
      scans.set(file.path, found);
      if (found.pins.length > 0) releases.start();
    },
  });
  if (read.status === "not-modified") throw new Error("unexpected 304 on an unconditional read");
  if (read.status !== "ok")
    return { status: read.status, message: `the repository is ${read.status}` };

  for (const file of read.files)
    if (!scans.has(file.path)) scans.set(file.path, scanText(file.path, file.text, scanOptions));
  // Overrides of the Dockerfile ARGs that feed pins are pins too: their files are read again.
  scanOptions = withBuildArgs(read.files, scans, scanOptions);
  const pins: Pin[] = [];
  const skipped: Skipped[] = [...read.skipped];
  const texts = new Map(read.files.map((f) => [f.path, f]));
  // At most MAX_PINS pins per run (whole files, in reading order): each distinct tag or digest is
  // an upstream lookup, and a repository of 10,000 digests must not cost 10,000 of them.
  const leftOut: string[] = [];
  for (const file of read.files) {
    const found = scans.get(file.path) ?? scanText(file.path, file.text, scanOptions);
    if (pins.length + found.pins.length > MAX_PINS) {
      leftOut.push(file.path);
      texts.delete(file.path);
      continue;
    }
    pins.push(...found.pins);
    skipped.push(...found.skipped);
  }
  if (leftOut.length > 0)
    skipped.push({
      file: leftOut[0] as string,
      line: null,
      reason: `left out: this and ${leftOut.length - 1} more file${leftOut.length === 2 ? "" : "s"} were not updated (a run handles at most ${MAX_PINS} pins per repository)`,
    });
  const verify = {
    deps: deps.attest,
    mode: config.attestations,
    settings: config.attestationPolicy,
  };
  const resolved = await resolveVerified(
    pins,
    { registry: deps.upstreams.registry, releases },
    policyFrom(config, deps.now()),
    verify,
    {
      subjects: config.attestations !== "off",
    },
  );
  // What the sweep keeps: kept only when nothing is blocked, so the attestations (which can
  // only block) leave it as resolving alone would (`sweep-repo.ts` resolves without them).
  deps.observe?.({ etag: read.etag, pins, upstream: upstreamPrint(resolved) });
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

  // Rewrite each file with its unblocked updates; what cannot be written joins the blocked list,
  // with the updates that must move together with it (then the files are rewritten without them).
  const changes = await rewriteInLockstep(resolved, async () => ({
    result: rewriteFiles(texts, resolved.updates, scanOptions),
    held: [],
  }));
  if (changes.length === 0) {
    const blocked = resolved.updates.filter((u) => u.blocked);
    return blocked.length
      ? {
          status: "blocked",
          message: blocked.map((u) => `${u.pin.file}:${u.pin.line}: ${u.blocked}`).join("\n"),
          plan,
        }
      : {
          status: "up-to-date",
          message: "already up to date",
          plan,
          unchecked: resolved.skipped.filter((s) => !seen.has(`${s.file}:${s.line}`)),
        };
  }

  // The open pull request is looked up BEFORE the closed ones: a pull request closed while this
  // run works is then either still open here (and updated, its branch deleted after) or already
  // among the closed ones, never missed by both lists (which would propose a declined version).
  const pr = await findPullRequest(deps.octokit, repo);
  // A plan that a maintainer already declined (closed without merging) is not proposed again.
  const print = fingerprint(plan.updates);
  const closed = await closedPullRequests(deps.octokit, repo);
  const declined = closed
    .filter((c) => !c.merged)
    .map((c) => parseMetadata(c.body))
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
  // The app's own commits: the heads its pull requests record, what was pushed (the store), and
  // any commit carrying the app's proof (one read, only for a head the first two do not know).
  const fullName = `${repo.owner}/${repo.repo}`;
  const sign = deps.sign;
  const recorded = new Set(
    [pr?.body ?? "", ...closed.map((c) => c.body)]
      .map((body) => parseMetadata(body)?.head)
      .filter((sha): sha is string => typeof sha === "string"),
  );
  const ensure = (files: typeof changes) =>
    ensurePullRequest(deps.octokit, repo, {
      baseBranch: read.defaultBranch,
      baseSha,
      baseTreeSha: read.treeSha,
      repositoryId: read.nodeId,
      files,
      commitMessage: commitMessage(plan),
      title: prTitle(plan),
      body: (head) =>
        prBody({
          ...plan,
          repository: { ...plan.repository, headSha: head.sha, headVerified: head.verified },
        }),
      // Made with the pull request, in one request (built then: the plan's blocks are final).
      checkRun: () => checkRunOutput(plan, config.attestations),
      fingerprint: fingerprint(plan.updates),
      currentFingerprint: (body) => parseMetadata(body)?.fingerprint ?? null,
      labels: config.labels,
      reviewers: config.reviewers,
      assignees: config.assignees,
      draft: config.draft,
      seal: sign ? (commit) => withProof(sign, fullName, commit) : undefined,
      isOurs: async (sha) =>
        recorded.has(sha) ||
        (await deps.ownCommits.has(fullName, sha)) ||
        (sign !== undefined && (await provenOurs(deps.octokit, repo, sign, sha))),
      pushed: (sha) => deps.ownCommits.add(fullName, sha),
      rebase: mode === "rebase",
      pr,
      ...(deps.reserveWrites ? { reserveWrites: deps.reserveWrites } : {}),
    });
  // Without `workflows: write`, GitHub refuses any commit that touches `.github/workflows/`: the
  // other files still go ahead (known up front from the token, or from GitHub's refusal).
  let writing = changes;
  const holdWorkflows = () => {
    const held = writing.filter((c) => isWorkflowFile(c.path));
    const rest = writing.filter((c) => !isWorkflowFile(c.path));
    for (const u of resolved.updates)
      if (!u.blocked && isWorkflowFile(u.pin.file)) u.blocked = NEEDS_WORKFLOWS;
    return { held, rest };
  };
  const workflowsBlocked = (held: typeof changes): RunOutcome => ({
    status: "blocked",
    message: `${held.map((c) => c.path).join(", ") || "a workflow file"}: ${NEEDS_WORKFLOWS}`,
    plan,
  });
  if (writing.some((c) => isWorkflowFile(c.path)) && (await deps.canWriteWorkflows?.()) === false) {
    const { held, rest } = holdWorkflows();
    if (rest.length === 0) return workflowsBlocked(held);
    writing = rest;
  }
  let result: Awaited<ReturnType<typeof ensurePullRequest>>;
  try {
    result = await ensure(writing);
  } catch (error) {
    if (error instanceof RuleViolationError) return ruleBlocked(error, plan);
    if (!(error instanceof WorkflowPermissionError)) throw error;
    const { held, rest } = holdWorkflows();
    if (held.length === 0 || rest.length === 0) return workflowsBlocked(held);
    try {
      result = await ensure(rest);
    } catch (again) {
      if (again instanceof RuleViolationError) return ruleBlocked(again, plan);
      throw again;
    }
  }
  if (result.action === "branch-taken")
    return {
      status: "blocked",
      message: `the branch ${BRANCH} holds commit ${result.headSha.slice(0, 12)}, which uv-pin-bot did not make, and no pull request: uv-pin-bot will not move it (delete the branch to let uv-pin-bot open its pull request)`,
      plan,
    };
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
  const verb =
    result.action === "created"
      ? "opened"
      : result.action === "updated"
        ? "updated"
        : "already up to date:";
  return { status: result.action, message: `${verb} ${result.url}`, plan, pr: prRef };
}

/**
 * A repository rule refused the app's commit (e.g. "require signed commits" and GitHub did not
 * sign it): the run ends with GitHub's reason, nothing else retried; the branch did not move.
 */
function ruleBlocked(error: RuleViolationError, plan: PrPlan): RunOutcome {
  return {
    status: "blocked",
    message: `${error.message} (uv-pin-bot's branch ${BRANCH} was not moved; a rule that requires signed commits needs GitHub to sign the app's commits, or an exemption for the app)`,
    plan,
    refusedBy: "rule",
  };
}

/**
 * What the upstreams answered for a repository's pins, as one hash: the release, each update's
 * target and block (and the release they move to), and what could not be resolved. Equal prints for the same pins, config and
 * tree mean a run would plan the same thing again (before attestations, which only run on updates).
 */
export function upstreamPrint(plan: Plan): string {
  // The release matters only through updates: a repository without any has nothing to propose.
  const text = JSON.stringify([
    plan.updates.length > 0 ? (plan.release?.version ?? null) : null,
    plan.updates.map((u) => [
      u.pin.file,
      u.pin.line,
      u.type,
      u.to,
      u.blocked,
      u.attestationSubject,
    ]),
    plan.skipped.map((s) => [s.file, s.line, s.reason]),
  ]);
  return createHash("sha256").update(text).digest("hex");
}

/** Rewrites each file with its unblocked updates; a refused update is marked blocked. */
function rewriteFiles(
  texts: ReadonlyMap<string, { text: string; mode: "100644" | "100755" }>,
  all: readonly PlannedUpdate[],
  scanOptions: ScanOptions,
): { path: string; content: string; mode: "100644" | "100755" }[] {
  const changes: { path: string; content: string; mode: "100644" | "100755" }[] = [];
  const applicable = all.filter((u) => !u.blocked);
  for (const [path, file] of texts) {
    const updates = applicable.filter((u) => u.pin.file === path);
    if (updates.length === 0) continue;
    const result = rewriteFile(
      path,
      file.text,
      updates.map((u) => ({ pin: u.pin, target: u.target })),
      scanOptions,
    );
    const refusedPins = new Set(result.refused.map((r) => r.update.pin));
    for (const u of updates) {
      if (result.error) u.blocked = result.error;
      else if (refusedPins.has(u.pin))
        u.blocked = result.refused.find((r) => r.update.pin === u.pin)?.reason ?? "refused";
    }
    if (result.changed) changes.push({ path, content: result.text, mode: file.mode });
  }
  return changes;
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

/**
 * uv's releases for one run, whose list lookup may start early (`start`): the first `list()` then
 * takes that lookup's answer (or failure) instead of asking again, so an early start never adds a
 * request; later calls ask as before.
 */
function earlyReleases(upstream: ReleaseLookups): ReleaseLookups & { start(): void } {
  let early: Promise<Release[]> | null = null;
  let used = false;
  return {
    start() {
      if (early || used) return;
      early = upstream.list();
      // Its failure is the first `list()` caller's to handle.
      early.catch(() => {});
    },
    list() {
      const answer = !used && early ? early : upstream.list();
      used = true;
      return answer;
    },
    checksum: (url, assetDigest) => upstream.checksum(url, assetDigest),
  };
}
