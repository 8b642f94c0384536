/**
 * The seam between the app's handlers and where their work runs: one small interface, chosen
 * once at start-up (`chooseCoordinator`): the embedded coordinator (one process: an in-process
 * per-repository queue, delivery ids in memory, an in-process cron, a per-process lookup cache)
 * or the Redis one (BullMQ jobs, locks, delivery ids, the sweep scheduler and the lookup cache in
 * Redis, shared by every replica). The pipeline does not know which one runs it.
 */
import type { BlobCache } from "../../adapters/blob-cache.js";
import type { LookupCache, NegativeAnswers } from "../../adapters/cache.js";
import type { KnownRepository } from "../../adapters/github-files.js";
import type { Reaction } from "../../adapters/github-prs.js";
import type { OwnCommits } from "../../adapters/own-commits.js";
import type { RunMode } from "../../pipeline/run-repository.js";
import type { AppMetrics } from "./metrics.js";
import type { Budget } from "./rate-budget.js";
import { PR_WRITES, type WriteBudget } from "./write-budget.js";
import type { WriteGate } from "./write-gate.js";

/** Where a command's answer goes: the issue or pull request, and the comment to react on. */
export interface ReplyTarget {
  issue: number;
  commentId: number;
}

/** One of the app's answers to a command: a comment on the issue, or a reaction on the command. */
export type AnswerWrite =
  | { reply: { issue: number; body: string } }
  | { react: { commentId: number; content: Reaction } };

/**
 * A run's answer to its commands, kept when GitHub's budget stopped it part-way: the re-run
 * sends the rest of it instead of running again (which would answer "already proposed").
 */
export interface PendingAnswer {
  body: string;
  ok: boolean;
  /** Writes already sent (a reply, then a reaction, per command in the replies list). */
  sent: number;
}

/** Work on one repository, serialisable (a job's data in Redis). */
export type RepoTask =
  | {
      kind: "run";
      installationId: number;
      owner: string;
      repo: string;
      mode: RunMode;
      /** From the webhook payload (so the run does not ask `GET /repos/{o}/{r}`). */
      repository?: KnownRepository;
      /** The run has ended with this answer; only the answer is left to send. */
      answer?: PendingAnswer;
    }
  | {
      /** A webhook handler's own answers that did not fit GitHub's budget, in order. */
      kind: "answer";
      installationId: number;
      owner: string;
      repo: string;
      writes: AnswerWrite[];
    }
  | {
      kind: "closed";
      installationId: number;
      owner: string;
      repo: string;
      pr: { number: number; merged: boolean; headSha: string; target: string | null };
    }
  | {
      kind: "sweep-repo";
      installationId: number;
      owner: string;
      repo: string;
      fullName: string;
      /** From the installation's listing (so the run does not ask `GET /repos/{o}/{r}`). */
      defaultBranch?: string | null;
      nodeId?: string;
      /** The sweep it belongs to (set by the coordinator). */
      sweepId?: string;
    };

export type SweepRepoTask = Extract<RepoTask, { kind: "sweep-repo" }>;

/**
 * A task stopped by GitHub's budget (its `cause`, which `deferral` reads) that must go on as
 * `next` (what is left of it) rather than start over.
 */
export class DeferredTask extends Error {
  constructor(
    readonly next: RepoTask,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "DeferredTask";
  }
}

/** What a deferred task runs as: its rest when it said so, else itself again. */
export const resumed = (task: RepoTask, error: unknown): RepoTask =>
  error instanceof DeferredTask ? error.next : task;

/** Writes a task needs room for in the hour before it starts (a pull request, or its answers). */
export function writesBefore(task: RepoTask): number {
  if (task.kind === "answer") return Math.min(PR_WRITES, Math.max(1, task.writes.length));
  if (task.kind === "run" && task.answer) return 2;
  return PR_WRITES;
}

export type SweepOutcome = "opened" | "updated" | "skipped" | "failed";

export interface SweepSummary {
  repositories: number;
  opened: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Upstream requests (registry, uv releases, attestations). */
  requests: number;
  /** GitHub API requests (installations, repositories, config, files, pull requests). */
  githubRequests: number;
}

/** What the app gives a coordinator: how to do each kind of work. */
export interface Executor {
  /**
   * Does a repository task. `replies` are the commands waiting for this run's answer; `final`
   * is false when a failure will be retried (then the replies wait for the retry).
   */
  execute(
    task: RepoTask,
    replies: readonly ReplyTarget[],
    final: boolean,
  ): Promise<SweepOutcome | undefined>;
  /** Lists installations and their repositories, calling `visit` for each (a sweep's fan-out). */
  fanOut(visit: (task: SweepRepoTask, archived: boolean) => Promise<void>): Promise<{
    /** Installations whose repositories could not be listed. */
    failed: number;
  }>;
  /** Upstream requests made so far by this process (for the sweep summary). */
  upstreamRequests(): number;
  /** GitHub requests made so far by this process's installation clients (sweep summary). */
  githubRequests(): number;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

/**
 * Delivery ids: a delivery counts as handled only once its handler FINISHED. One that failed runs
 * again when redelivered; a copy arriving while the first runs waits for it and runs only if the
 * first failed.
 */
export interface DeliveryStore {
  handle(id: string | undefined, task: () => Promise<void>): Promise<void>;
  /** Resolves when no delivery of this process is being handled. */
  idle(): Promise<void>;
}

/** Small strings kept between runs (a sweep's per-repository state), each with a lifetime. */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
}

/** What the repositories of one sweep share, for that sweep only. */
export interface SweepScratch {
  /** Upstream 404s seen in this sweep (a missing digest is asked once per sweep). */
  negatives: NegativeAnswers;
  /** A value loaded once for the whole sweep (e.g. an organisation's fallback config). */
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export interface Coordinator {
  readonly mode: "embedded" | "redis";
  readonly deliveries: DeliveryStore;
  readonly metricsRegistry: AppMetrics;
  /** The commits the app pushed (shared by every worker when clustered). */
  readonly ownCommits: OwnCommits;
  /** The lookup cache shared by every run (per process, or in Redis). */
  readonly cache: LookupCache | undefined;
  /** Git blob contents by SHA, bounded (per process, or in Redis). */
  readonly blobs: BlobCache;
  /**
   * Content-creating requests one at a time per installation across the cluster (Redis); none
   * embedded, where the process's own lock (serial-writes.ts) is the whole story.
   */
  readonly writeGate?: WriteGate;
  /** GitHub's secondary limits on content-creating requests, per installation (write-budget.ts). */
  readonly writeBudget: WriteBudget;
  /** Per-repository state kept from one sweep to the next (ETags, what the run saw). */
  readonly sweepState: KeyValueStore;
  /** What the repositories of sweep `sweepId` share (dropped when the sweep ends). */
  scratch(sweepId: string): SweepScratch;
  /** Starts the scheduler and (for the worker role) taking work. */
  start(executor: Executor): Promise<void>;
  /**
   * Runs a repository task exclusively (one at a time per repository). Embedded: now, resolving
   * when done. Redis: a durable job (a burst for one repository collapses into one waiting job),
   * resolving once enqueued. A `reply` target gets this run's answer.
   */
  submit(task: RepoTask, reply?: ReplyTarget): Promise<void>;
  /**
   * Runs a task not before `notBefore` (epoch ms), without holding the caller: embedded, a timer
   * in this process; Redis, a delayed job. Resolves once it is scheduled.
   */
  later(task: RepoTask, notBefore: number): Promise<void>;
  /** Starts a sweep, or joins the one running; resolves with its summary when it has finished. */
  sweep(): Promise<SweepSummary>;
  /** Resolves when no work is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  /** An installation's GitHub rate-limit budget, from the headers of an answer. */
  observeRateLimit(installationId: number, budget: Budget): void;
  /** Readiness: false while a backing store is unreachable. */
  ready(): Promise<boolean>;
  /** Prometheus text for `GET /metrics`. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Shutdown, phase 1: no new sweeps from the scheduler, no new jobs taken. */
  stop(): Promise<void>;
  /** Shutdown, phase 2: deliveries, sweeps and runs of this process finish. */
  drain(): Promise<void>;
  /** Stops, drains (a bounded wait; clustered jobs still running are handed back), closes connections. */
  close(): Promise<void>;
}

export const repoKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

export function emptySummary(): SweepSummary {
  return {
    repositories: 0,
    opened: 0,
    updated: 0,
    skipped: 0,
    failed: 0,
    requests: 0,
    githubRequests: 0,
  };
}

export function sweepLine(s: SweepSummary): string {
  return `uv-pin-bot sweep: ${s.repositories} repositories, ${s.opened} opened, ${s.updated} updated, ${s.skipped} skipped, ${s.failed} failed, ${s.requests} upstream requests, ${s.githubRequests} GitHub requests`;
}
