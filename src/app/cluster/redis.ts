/**
 * The Redis coordinator (`REDIS_URL`): durable BullMQ jobs shared by every replica.
 * - One job per repository run: a burst of triggers for one repository and mode collapses into
 *   one waiting job (BullMQ deduplication, keeping one next run while one is active); commands
 *   leave their reply targets in a list the run answers.
 * - A per-repository lock in Redis (a run of another kind waits for it, delayed, not failed).
 * - Retries with exponential backoff; a job that keeps failing stays in the failed set with its
 *   error. A worker that dies mid-run leaves its job stalled: another worker takes it over.
 * - Delivery ids in Redis (handled only once a handler finished); the lookup cache in Redis.
 * - One sweep per firing for the whole cluster: a BullMQ job scheduler on the cron, the route
 *   enqueues the same job, a sweep asked for while one runs joins it; the sweep fans out one job
 *   per repository and its summary is kept in Redis, so a restart loses nothing.
 * Roles: `web` enqueues only, `worker` and `all` also take jobs.
 */
import { randomUUID } from "node:crypto";
import { DelayedError, type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { OwnCommits } from "../../adapters/own-commits.js";
import {
  type Coordinator,
  type DeliveryStore,
  type Executor,
  emptySummary,
  type ReplyTarget,
  type RepoTask,
  repoKey,
  resumed,
  type SweepOutcome,
  type SweepRepoTask,
  type SweepScratch,
  type SweepSummary,
  sweepLine,
  writesBefore,
} from "./coordinator.js";
import { AppMetrics } from "./metrics.js";
import { type Budget, MemoryBudgets, waitFor } from "./rate-budget.js";
import { RedisCache } from "./redis-cache.js";
import { RedisBlobCache, RedisKeyValues, RedisNegativeAnswers } from "./redis-stores.js";
import type { ClusterSettings } from "./settings.js";
import { deferral, RedisWriteBudget, type WriteWindow, writeWindows } from "./write-budget.js";
import { RedisWriteGate } from "./write-gate.js";

export const QUEUE = "uv-pin-bot";
const PREFIX = "uv-pin-bot";
const KEYS = `${PREFIX}:x`;
const SCHEDULER_ID = "uv-pin-bot-sweep";
const DELIVERY_RUNNING_MS = 10 * 60_000;
const DELIVERY_DONE_MS = 8 * 24 * 60 * 60_000;
const SWEEP_MAX_MS = 12 * 60 * 60_000;
const POLL_MS = 25;

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
/**
 * A sweep's repository job finished for good: counted once (KEYS[2], the set of counted jobs), so
 * a job that ran again after its worker died, or that both its run and the failure handler
 * report, never pushes `done` past the total. Returns {done, total}; done is -1 when counted.
 */
const SWEEP_DONE = `
if redis.call("sadd", KEYS[2], ARGV[1]) == 0 then return {-1, 0} end
redis.call("pexpire", KEYS[2], ARGV[5])
redis.call("hincrby", KEYS[1], ARGV[2], 1)
redis.call("hincrby", KEYS[1], "requests", ARGV[3])
redis.call("hincrby", KEYS[1], "githubRequests", ARGV[4])
local done = redis.call("hincrby", KEYS[1], "done", 1)
return {done, tonumber(redis.call("hget", KEYS[1], "total") or "0")}`;

type JobData = { task: RepoTask; replies?: string; sweepId?: string } | { sweep: true };

export interface RedisCoordinatorOptions extends ClusterSettings {
  schedule: string | null;
  /** `UV_PIN_BOT_WRITE_BUDGET` (default: GitHub's 80 a minute, 500 an hour). */
  writeWindows?: WriteWindow[];
}

const redisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;

/** Delivery ids in Redis, for every replica: `running` while handled, `done` once finished. */
class RedisDeliveries implements DeliveryStore {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly redis: Redis) {}

  handle(id: string | undefined, task: () => Promise<void>): Promise<void> {
    const run = this.handleOnce(id, task);
    this.running.add(run);
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async handleOnce(id: string | undefined, task: () => Promise<void>): Promise<void> {
    if (!id) return task();
    const key = `${KEYS}:d:${id}`;
    const deadline = Date.now() + DELIVERY_RUNNING_MS;
    for (;;) {
      if ((await this.redis.set(key, "running", "PX", DELIVERY_RUNNING_MS, "NX")) === "OK") break;
      // Handled already, or being handled by a replica: wait for it to finish or fail.
      if ((await this.redis.get(key)) === "done" || Date.now() > deadline) return;
      await sleep(POLL_MS);
    }
    try {
      await task();
    } catch (error) {
      await this.redis.del(key);
      throw error;
    }
    await this.redis.set(key, "done", "PX", DELIVERY_DONE_MS);
  }
}

/** The commits the app pushed, per repository, for every worker (kept 30 days). */
class RedisOwnCommits implements OwnCommits {
  constructor(private readonly redis: Redis) {}

  async add(repository: string, sha: string): Promise<void> {
    const key = `${KEYS}:own:${repository.toLowerCase()}`;
    await this.redis
      .multi()
      .sadd(key, sha)
      .pexpire(key, 30 * 24 * 3600_000)
      .exec();
  }

  async has(repository: string, sha: string): Promise<boolean> {
    return (await this.redis.sismember(`${KEYS}:own:${repository.toLowerCase()}`, sha)) === 1;
  }
}

export class RedisCoordinator implements Coordinator {
  readonly mode = "redis" as const;
  readonly deliveries: RedisDeliveries;
  private closed = false;
  /** The worker stopped with jobs still running (left to other workers). */
  private handedBack = false;
  readonly cache: RedisCache;
  readonly blobs: RedisBlobCache;
  readonly sweepState: RedisKeyValues;
  readonly ownCommits: OwnCommits;
  /** One installation's content-creating requests at a time, cluster-wide. */
  readonly writeGate: RedisWriteGate;
  /** GitHub's secondary limits per installation, counted for the cluster. */
  readonly writeBudget: RedisWriteBudget;
  readonly metricsRegistry = new AppMetrics();
  /** Commands, the cache, locks, sweeps. */
  readonly redis: Redis;
  readonly queue: Queue;
  private worker: Worker | undefined;
  private executor: Executor | undefined;
  private readonly budgets: MemoryBudgets;
  /** This process's request counters already added to a sweep's summary. */
  private flushed = { upstream: 0, github: 0 };

  constructor(private readonly o: RedisCoordinatorOptions) {
    this.redis = new Redis(o.redisUrl, redisOptions);
    this.redis.on("error", () => undefined); // reconnects; readiness reports it
    this.queue = new Queue(QUEUE, {
      connection: this.connection(),
      prefix: PREFIX,
    });
    this.queue.on("error", () => undefined);
    this.deliveries = new RedisDeliveries(this.redis);
    this.ownCommits = new RedisOwnCommits(this.redis);
    this.writeGate = new RedisWriteGate(this.redis, KEYS, o.lockMs);
    this.writeBudget = new RedisWriteBudget(this.redis, KEYS, o.writeWindows ?? writeWindows({}));
    this.budgets = new MemoryBudgets(o.rateLimitFloor);
    this.cache = new RedisCache(this.redis, KEYS);
    this.blobs = new RedisBlobCache(this.redis, KEYS);
    this.sweepState = new RedisKeyValues(this.redis, `${KEYS}:st`);
    this.metricsRegistry.depth = async () => {
      const c = await this.queue.getJobCounts(
        "waiting",
        "active",
        "delayed",
        "failed",
        "prioritized",
      );
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    };
  }

  private readonly connections: Redis[] = [];

  /** A connection of its own (BullMQ blocks on the worker's). */
  private connection(): Redis {
    const redis = new Redis(this.o.redisUrl, redisOptions);
    redis.on("error", () => undefined);
    this.connections.push(redis);
    return redis;
  }

  private get exec(): Executor {
    if (!this.executor) throw new Error("the coordinator is not started");
    return this.executor;
  }

  async start(executor: Executor): Promise<void> {
    this.executor = executor;
    if (this.o.schedule) {
      await this.queue.upsertJobScheduler(
        SCHEDULER_ID,
        { pattern: this.o.schedule, tz: "UTC" },
        { name: "sweep", data: { sweep: true }, opts: { removeOnComplete: 100 } },
      );
      executor.log.info(
        {},
        `uv-pin-bot: sweeps on "${this.o.schedule}" (UTC), one per firing for the cluster`,
      );
    }
    if (this.o.role === "web") return;
    this.worker = new Worker(QUEUE, (job, token) => this.process(job, token), {
      connection: this.connection(),
      prefix: PREFIX,
      concurrency: this.o.concurrency,
      lockDuration: this.o.lockMs,
      stalledInterval: this.o.lockMs,
      maxStalledCount: 2,
    });
    this.worker.on("error", (error) =>
      executor.log.warn({ err: error }, "uv-pin-bot worker: Redis error"),
    );
    this.worker.on("failed", (job, error) => {
      if (!job || error instanceof DelayedError || error.name === "DelayedError") return;
      // `finishedOn` is set when BullMQ does not retry: the last attempt, or a job it failed
      // without running it (stalled more often than maxStalledCount).
      const last = Boolean(job.finishedOn);
      if (last) this.failedForGood(job, error).catch(() => undefined);
      executor.log.error(
        { err: error, job: job.id, kind: job.name, attempts: job.attemptsMade },
        last
          ? "uv-pin-bot job failed (kept in the failed set)"
          : "uv-pin-bot job failed, retried later",
      );
    });
  }

  private jobOptions() {
    return {
      attempts: this.o.attempts,
      backoff: { type: "exponential", delay: Math.min(1_000, this.o.lockMs) },
      removeOnComplete: { age: 24 * 3600, count: 20_000 },
      removeOnFail: { count: 5_000 },
    };
  }

  async submit(task: RepoTask, reply?: ReplyTarget): Promise<void> {
    const dedup = dedupId(task);
    if (reply && dedup) {
      const list = `${KEYS}:r:${dedup}`;
      await this.redis
        .multi()
        .rpush(list, JSON.stringify(reply))
        .pexpire(list, DELIVERY_DONE_MS)
        .exec();
    }
    await this.queue.add(
      task.kind,
      { task, ...(dedup ? { replies: dedup } : {}) } satisfies JobData,
      {
        ...this.jobOptions(),
        ...(dedup ? { deduplication: { id: dedup, keepLastIfActive: true } } : {}),
      },
    );
  }

  async later(task: RepoTask, notBefore: number): Promise<void> {
    await this.queue.add(task.kind, { task } satisfies JobData, {
      ...this.jobOptions(),
      delay: Math.max(0, notBefore - Date.now()),
    });
  }

  observeRateLimit(installationId: number, budget: Budget): void {
    this.budgets.observe(installationId, budget);
    const key = `${KEYS}:rl:${installationId}`;
    this.redis
      .multi()
      .hset(key, { remaining: budget.remaining, resetAt: budget.resetAt })
      .pexpireat(key, budget.resetAt + 60_000)
      .exec()
      .catch(() => undefined);
  }

  /** How long an installation's work waits for its rate limit to reset (what any replica saw). */
  private async rateLimitWait(installationId: number): Promise<number> {
    const local = this.budgets.waitMs(installationId);
    if (local > 0) return local;
    const [remaining, resetAt] = await this.redis.hmget(
      `${KEYS}:rl:${installationId}`,
      "remaining",
      "resetAt",
    );
    if (remaining === null || resetAt === null) return 0;
    return waitFor(
      { remaining: Number(remaining), resetAt: Number(resetAt) },
      this.o.rateLimitFloor,
      Date.now(),
    );
  }

  /** One job. Repository jobs hold the repository's lock; the sweep job fans out. */
  private async process(job: Job, token: string | undefined): Promise<unknown> {
    const data = job.data as JobData;
    if ("sweep" in data) return this.fanOut(job);
    const task = data.task;
    const wait = await this.rateLimitWait(task.installationId);
    if (wait > 0) {
      // This installation is at its rate-limit floor: its jobs wait for the reset, others go on.
      this.exec.log.info(
        { installation: task.installationId, waitMs: wait },
        "uv-pin-bot: installation at its rate-limit floor, its jobs wait for the reset",
      );
      await job.moveToDelayed(Date.now() + wait + Math.floor(Math.random() * 250), token);
      throw new DelayedError();
    }
    // No room in this hour's write budget for a pull request: run when there is.
    const room = await this.writeBudget.roomIn(task.installationId, writesBefore(task));
    if (room > 0) {
      this.deferred(task, Date.now() + room);
      await job.moveToDelayed(Date.now() + room + Math.floor(Math.random() * 250), token);
      throw new DelayedError();
    }
    const lockKey = `${KEYS}:lock:${repoKey(task.owner, task.repo)}`;
    const lockToken = randomUUID();
    const taken = await this.redis.set(lockKey, lockToken, "PX", this.o.lockMs, "NX");
    if (taken !== "OK") {
      // Another job works on this repository: try again shortly, without using up an attempt.
      await job.moveToDelayed(Date.now() + 200 + Math.floor(Math.random() * 300), token);
      throw new DelayedError();
    }
    const renew = setInterval(
      () => {
        this.redis
          .eval(EXTEND, 1, lockKey, lockToken, String(this.o.lockMs))
          .catch(() => undefined);
      },
      Math.max(100, Math.floor(this.o.lockMs / 3)),
    );
    try {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const list = data.replies ? `${KEYS}:r:${data.replies}` : null;
      const replies = list
        ? (await this.redis.lrange(list, 0, -1)).map((r) => JSON.parse(r) as ReplyTarget)
        : [];
      // A final failure is counted towards its sweep by the worker's `failed` handler.
      let outcome: Awaited<ReturnType<Executor["execute"]>>;
      try {
        outcome = await this.metricsRegistry.timeJob(task.kind, () =>
          this.exec.execute(task, replies, final),
        );
      } catch (error) {
        // The hour's write budget used up, or GitHub's rate limit until its reset: the job runs
        // again then (its replies wait with it), without using up an attempt.
        const retryAt = deferral(error);
        if (retryAt === null) throw error;
        // What is left of it (e.g. a run's answer) runs then, not the whole task again.
        const next = resumed(task, error);
        if (next !== task) await job.updateData({ ...data, task: next });
        this.deferred(next, retryAt);
        await job.moveToDelayed(retryAt + Math.floor(Math.random() * 250), token);
        throw new DelayedError();
      }
      // The answered commands leave the list (commands that came during the run stay for the next).
      if (list && replies.length) await this.redis.ltrim(list, replies.length, -1);
      if (data.sweepId) await this.sweepDone(data.sweepId, String(job.id), outcome ?? "skipped");
      return outcome ?? null;
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, lockToken).catch(() => undefined);
    }
  }

  private deferred(task: RepoTask, retryAt: number): void {
    this.exec.log.info(
      { installation: task.installationId, repository: `${task.owner}/${task.repo}`, retryAt },
      `uv-pin-bot: ${task.owner}/${task.repo} waits for GitHub's budget of installation ${task.installationId}, until ${new Date(retryAt).toISOString()} (delayed, not failed)`,
    );
  }

  // --- sweeps -------------------------------------------------------------------------------

  scratch(sweepId: string): SweepScratch {
    return {
      negatives: new RedisNegativeAnswers(this.redis, `${KEYS}:sweep:${sweepId}:neg`, SWEEP_MAX_MS),
      // One loader in the cluster; the key names the sweep, so the next sweep reads afresh. The
      // loader records the key, so the sweep's end drops what it stored (dropSweepValues).
      once: (key, load) => {
        const cacheKey = `sweep:${sweepId}:${key}`;
        return this.cache.memo(cacheKey, SWEEP_MAX_MS, async () => {
          const stored = `${KEYS}:sweep:${sweepId}:once`;
          await this.redis.multi().sadd(stored, cacheKey).pexpire(stored, SWEEP_MAX_MS).exec();
          return load();
        });
      },
    };
  }

  /** A sweep's values loaded once for it (its pinned lookups, org configs) end with it. */
  private async dropSweepValues(sweepId: string): Promise<void> {
    const stored = `${KEYS}:sweep:${sweepId}:once`;
    await this.cache.forget(await this.redis.smembers(stored));
    await this.redis.del(stored);
  }

  private sweeping: Promise<SweepSummary> | null = null;
  /** The sweep `sweeping` waits for; once it has finished, a new call starts a new one. */
  private awaiting: string | null = null;

  /** Starts a sweep for the cluster, or joins the one running (this process's callers share one). */
  sweep(): Promise<SweepSummary> {
    if (this.sweeping) return this.sweeping;
    const sweeping = this.sweepOnce().finally(() => {
      if (this.sweeping === sweeping) this.sweeping = null;
    });
    this.sweeping = sweeping;
    return sweeping;
  }

  private async sweepOnce(): Promise<SweepSummary> {
    const job = await this.queue.add("sweep", { sweep: true } satisfies JobData, {
      deduplication: { id: "sweep" },
      removeOnComplete: 100,
      removeOnFail: 100,
      attempts: this.o.attempts,
      backoff: { type: "exponential", delay: 1_000 },
    });
    // The sweep this request started or joined, then its end.
    const deadline = Date.now() + SWEEP_MAX_MS;
    let sweepId: string | null = null;
    while (!sweepId) {
      if (Date.now() > deadline) throw new Error("the sweep did not start");
      const current = await this.redis.get(`${KEYS}:sweep:current`);
      const fresh = job.id ? await this.queue.getJob(job.id) : undefined;
      const returned = fresh?.returnvalue as { sweepId?: string } | null | undefined;
      // A sweep job that failed for good: its own sweep, which `failedForGood` closed.
      const failed = fresh?.finishedOn && fresh.failedReason ? sweepIdOf(fresh.id) : null;
      sweepId = returned?.sweepId ?? failed ?? (fresh?.finishedOn ? current : null);
      if (!sweepId) await sleep(POLL_MS);
    }
    this.awaiting = sweepId;
    for (;;) {
      const [done, error] = await this.redis.mget(
        `${KEYS}:sweep:${sweepId}:summary`,
        `${KEYS}:sweep:${sweepId}:error`,
      );
      if (done) return JSON.parse(done) as SweepSummary;
      if (error) throw new Error(`uv-pin-bot sweep failed: ${error}`);
      if (Date.now() > deadline) throw new Error(`sweep ${sweepId} did not finish`);
      await sleep(POLL_MS);
    }
  }

  /** The sweep job: one sweep at a time for the cluster; one job per repository. */
  private async fanOut(job: Job): Promise<{ sweepId: string }> {
    const sweepId = sweepIdOf(job.id);
    const current = `${KEYS}:sweep:current`;
    const mine = await this.redis.set(current, sweepId, "PX", SWEEP_MAX_MS, "NX");
    let holder = mine === "OK" ? sweepId : await this.redis.get(current);
    if (
      holder &&
      holder !== sweepId &&
      (await this.redis.exists(`${KEYS}:sweep:${holder}:summary`))
    ) {
      // That sweep has just finished (its summary is out, its claim not yet released): take over.
      await this.redis.set(current, sweepId, "PX", SWEEP_MAX_MS);
      holder = sweepId;
    }
    if (holder && holder !== sweepId) {
      this.exec.log.info({ sweep: holder }, "uv-pin-bot sweep: joins the sweep in progress");
      return { sweepId: holder };
    }
    const exec = this.exec;
    const githubBefore = exec.githubRequests();
    const tasks: SweepRepoTask[] = [];
    let archived = 0;
    const { failed } = await exec.fanOut(async (task, isArchived) => {
      if (isArchived) archived++;
      else tasks.push(task);
    });
    const hash = `${KEYS}:sweep:${sweepId}`;
    await this.redis
      .multi()
      .hset(hash, {
        total: tasks.length,
        repositories: tasks.length + archived,
        skipped: archived,
        failed,
        githubRequests: exec.githubRequests() - githubBefore,
      })
      .pexpire(hash, SWEEP_MAX_MS)
      .exec();
    this.flushed.github += exec.githubRequests() - githubBefore;
    this.metricsRegistry.sweepProgress(tasks.length, 0);
    if (tasks.length === 0) {
      await this.finishSweep(sweepId);
      return { sweepId };
    }
    const options = this.jobOptions();
    for (let i = 0; i < tasks.length; i += 500) {
      await this.queue.addBulk(
        tasks.slice(i, i + 500).map((task) => ({
          name: task.kind,
          data: { task: { ...task, sweepId }, sweepId } satisfies JobData,
          opts: {
            ...options,
            jobId: `s.${sweepId}.${task.installationId}.${task.owner}.${task.repo}`.replace(
              /:/g,
              "-",
            ),
          },
        })),
      );
    }
    return { sweepId };
  }

  /**
   * A job BullMQ will not retry. A sweep's repository counts as failed (the run may not have
   * said so: BullMQ fails a job that stalled too often without running it); a sweep job that
   * failed closes its sweep with the error and releases the cluster's claim, so the next sweep
   * is a new one instead of joining a dead one for 12 hours.
   */
  private async failedForGood(job: Job, error: Error): Promise<void> {
    const data = job.data as JobData;
    if ("task" in data) {
      if (data.sweepId) await this.sweepDone(data.sweepId, String(job.id), "failed");
      return;
    }
    const sweepId = sweepIdOf(job.id);
    // A job that joined another sweep, then failed, holds no claim: RELEASE leaves it alone.
    // One transaction: whoever sees the error sees the claim released (a sweep asked for at
    // once is a new one, not a join of the failed one).
    await this.redis
      .multi()
      .set(`${KEYS}:sweep:${sweepId}:error`, error.message, "PX", SWEEP_MAX_MS)
      .del(`${KEYS}:sweep:${sweepId}:neg`)
      .eval(RELEASE, 1, `${KEYS}:sweep:current`, sweepId)
      .exec();
    if (this.awaiting === sweepId) this.sweeping = null;
    this.exec.log.error(
      { err: error, sweep: sweepId },
      "uv-pin-bot sweep failed; its claim is released",
    );
    await this.dropSweepValues(sweepId);
  }

  /** A repository of a sweep finished (for good): count it once; the last one closes the sweep. */
  private async sweepDone(sweepId: string, jobId: string, outcome: SweepOutcome): Promise<void> {
    const hash = `${KEYS}:sweep:${sweepId}`;
    const exec = this.exec;
    // This process's requests since it last reported (taken before any await: jobs run at once).
    const upstream = exec.upstreamRequests();
    const github = exec.githubRequests();
    const delta = {
      upstream: upstream - this.flushed.upstream,
      github: github - this.flushed.github,
    };
    this.flushed = { upstream, github };
    const [done, total] = (await this.redis.eval(
      SWEEP_DONE,
      2,
      hash,
      `${hash}:counted`,
      jobId,
      outcome,
      String(delta.upstream),
      String(delta.github),
      String(SWEEP_MAX_MS),
    )) as [number, number];
    if (done < 0) return;
    this.metricsRegistry.sweepProgress(total, done);
    if (done === total) await this.finishSweep(sweepId);
  }

  private async finishSweep(sweepId: string): Promise<void> {
    const fields = await this.redis.hgetall(`${KEYS}:sweep:${sweepId}`);
    const summary = emptySummary();
    for (const key of Object.keys(summary) as (keyof SweepSummary)[])
      summary[key] = Number(fields[key] ?? 0);
    // This process's callers of the finished sweep resolve; a new call starts a new sweep.
    if (this.awaiting === sweepId) this.sweeping = null;
    this.exec.log.info({ ...summary, sweep: sweepId }, sweepLine(summary));
    // One transaction: whoever sees the summary sees the claim released.
    await this.redis
      .multi()
      .set(`${KEYS}:sweep:${sweepId}:summary`, JSON.stringify(summary), "PX", SWEEP_MAX_MS)
      .del(`${KEYS}:sweep:${sweepId}:neg`, `${KEYS}:sweep:${sweepId}:counted`)
      .eval(RELEASE, 1, `${KEYS}:sweep:current`, sweepId)
      .exec();
    await this.dropSweepValues(sweepId);
  }

  // --- the rest of the interface --------------------------------------------------------------

  async idle(): Promise<void> {
    for (;;) {
      const c = await this.queue.getJobCounts(
        "waiting",
        "active",
        "delayed",
        "prioritized",
        "waiting-children",
      );
      // The scheduler's next firing always waits, delayed: it is not work in progress.
      if ((c.delayed ?? 0) > 0) {
        const delayed = await this.queue.getDelayed(0, (c.delayed ?? 0) - 1);
        // Subtracted (a job that left the delayed set meanwhile was counted where it went).
        c.delayed = (c.delayed ?? 0) - delayed.filter((j) => j.repeatJobKey).length;
      }
      const busy = Object.values(c).some((n) => n > 0);
      if (!busy && !(await this.redis.exists(`${KEYS}:sweep:current`))) return;
      await sleep(POLL_MS);
    }
  }

  async ready(): Promise<boolean> {
    if (this.redis.status === "end" || this.redis.status === "reconnecting") return false;
    const pong = await Promise.race([
      this.redis.ping().catch(() => null),
      sleep(1_000).then(() => null),
    ]);
    return pong === "PONG";
  }

  metrics() {
    return this.metricsRegistry.text();
  }

  /** Shutdown 1: this replica takes no new jobs (the cluster's scheduler lives in Redis). */
  async stop(): Promise<void> {
    await this.worker?.pause(true).catch(() => undefined);
  }

  /**
   * Shutdown 2: deliveries in flight are queued; running jobs get `drainMs` to finish, then are
   * handed back (the worker stops renewing their locks once its connections close, so another
   * worker takes them over after `lockMs`: a run is idempotent).
   */
  async drain(): Promise<void> {
    await this.deliveries.idle();
    await this.closeWorker(this.o.drainMs);
  }

  /** Stops the worker; false when its running jobs did not finish within `bound` ms. */
  private async closeWorker(bound: number): Promise<boolean> {
    const worker = this.worker;
    if (!worker) return true;
    if (this.handedBack) return false;
    // BullMQ's close() waits for running jobs; a later close(true) only returns that same wait,
    // so the bound is kept here: past it, the jobs are left to their lapsing locks.
    const finished = worker.close().then(
      () => true,
      () => true,
    );
    const inTime = await Promise.race([finished, sleep(bound).then(() => false)]);
    this.handedBack = !inTime;
    if (!inTime)
      this.executor?.log.warn(
        { runningMs: bound },
        "uv-pin-bot worker: running jobs did not finish in time; handed back to other workers",
      );
    return inTime;
  }

  /** Shutdown 3: stops taking jobs (running ones: as in `drain`), closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeWorker(Math.min(this.o.drainMs, this.o.lockMs));
    await this.queue.close().catch(() => undefined);
    await Promise.all([this.redis, ...this.connections].map(closeConnection));
  }
}

/** QUIT, then the socket's end (at most a second): closed before the process exits. */
async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  const ended = new Promise<void>((resolve) => redis.once("end", () => resolve()));
  await redis.quit().catch(() => redis.disconnect());
  await Promise.race([ended, sleep(1_000)]);
}

/** A sweep's id: its sweep job's id, as a Redis key part. */
const sweepIdOf = (jobId: string | undefined) => String(jobId).replace(/[^A-Za-z0-9_.-]/g, "-");

/** The id that collapses a burst: one waiting run per installation, repository and mode. */
function dedupId(task: RepoTask): string | null {
  if (task.kind !== "run") return null;
  return `run.${task.installationId}.${repoKey(task.owner, task.repo)}.${task.mode}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
