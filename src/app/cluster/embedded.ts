/**
 * The embedded coordinator: everything in this process, exactly the app's single-process
 * behaviour. Work on one repository is serialised by an in-process queue; delivery ids are kept
 * in memory; sweeps fire from an in-process cron; a sweep asked for while one runs joins it.
 */

import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import { MemoryBlobCache } from "../../adapters/blob-cache.js";
import { MemoryCache, MemoryNegativeAnswers } from "../../adapters/cache.js";
import { MemoryOwnCommits } from "../../adapters/own-commits.js";
import { DeliveryLog, KeyedQueue } from "../keyed-queue.js";
import {
  type Coordinator,
  type DeliveryStore,
  type Executor,
  emptySummary,
  type KeyValueStore,
  type ReplyTarget,
  type RepoTask,
  repoKey,
  resumed,
  type SweepScratch,
  type SweepSummary,
  sweepLine,
  writesBefore,
} from "./coordinator.js";
import { AppMetrics } from "./metrics.js";
import { type Budget, DEFAULT_RATE_LIMIT_FLOOR, MemoryBudgets } from "./rate-budget.js";
import { deferral, MemoryWriteBudget, type WriteWindow, writeWindows } from "./write-budget.js";

export interface EmbeddedOptions {
  /** Cron (UTC) for sweeps, or null: no in-process scheduler. */
  schedule: string | null;
  /** Repositories of one installation run at once during a sweep. */
  concurrency: number;
  metrics?: AppMetrics;
  /** Remaining GitHub requests at which an installation's work waits for the reset. */
  rateLimitFloor?: number;
  /** `UV_PIN_BOT_WRITE_BUDGET` (default: GitHub's 80 a minute, 500 an hour). */
  writeWindows?: WriteWindow[];
}

export class EmbeddedCoordinator implements Coordinator {
  readonly mode = "embedded" as const;
  private readonly deliveryLog = new DeliveryLog();
  readonly deliveries: DeliveryStore = this.deliveryLog;
  readonly cache = new MemoryCache();
  readonly ownCommits = new MemoryOwnCommits();
  readonly blobs = new MemoryBlobCache();
  readonly sweepState = new MemoryKeyValues();
  private readonly scratches = new Map<string, SweepScratch>();
  readonly metricsRegistry: AppMetrics;
  private readonly queue = new KeyedQueue();
  private readonly budgets: MemoryBudgets;
  readonly writeBudget: MemoryWriteBudget;
  private executor: Executor | undefined;
  private cron: Cron | undefined;
  private sweeping: Promise<SweepSummary> | null = null;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EmbeddedOptions) {
    this.metricsRegistry = options.metrics ?? new AppMetrics();
    this.budgets = new MemoryBudgets(options.rateLimitFloor ?? DEFAULT_RATE_LIMIT_FLOOR);
    this.writeBudget = new MemoryWriteBudget(options.writeWindows ?? writeWindows({}));
  }

  observeRateLimit(installationId: number, budget: Budget): void {
    this.budgets.observe(installationId, budget);
  }

  async start(executor: Executor): Promise<void> {
    this.executor = executor;
    const pattern = this.options.schedule;
    if (pattern) {
      this.cron = new Cron(pattern, { timezone: "UTC", protect: true }, () => {
        this.sweep().catch((error: unknown) =>
          executor.log.error({ err: error }, "uv-pin-bot sweep failed"),
        );
      });
      executor.log.info(
        {},
        `uv-pin-bot: sweeps on "${pattern}" (UTC), next ${this.cron.nextRun()?.toISOString()}`,
      );
    }
  }

  private get exec(): Executor {
    if (!this.executor) throw new Error("the coordinator is not started");
    return this.executor;
  }

  submit(task: RepoTask, reply?: ReplyTarget): Promise<void> {
    return this.track(async () => {
      await this.runTask(task, reply ? [reply] : []);
    });
  }

  later(task: RepoTask, notBefore: number): Promise<void> {
    this.track(async () => {
      await new Promise((r) => setTimeout(r, Math.max(0, notBefore - Date.now())));
      await this.runTask(task, []);
    }).catch((error: unknown) =>
      this.exec.log.error(
        { err: error, repository: `${task.owner}/${task.repo}` },
        `uv-pin-bot: ${task.kind} failed`,
      ),
    );
    return Promise.resolve();
  }

  private runTask(first: RepoTask, replies: readonly ReplyTarget[]) {
    let task = first;
    return this.queue.run(repoKey(task.owner, task.repo), async () => {
      // An installation at its rate-limit floor waits for the reset (others are not held up).
      for (let wait = this.budgets.waitMs(task.installationId); wait > 0; ) {
        await new Promise((r) => setTimeout(r, wait));
        wait = this.budgets.waitMs(task.installationId);
      }
      // No room in this hour's write budget for a pull request, or the hour's budget (or
      // GitHub's rate limit) ran out mid-run: a timer, then the repository runs again.
      for (;;) {
        const room = await this.writeBudget.roomIn(task.installationId, writesBefore(task));
        if (room > 0) {
          this.deferred(task, Date.now() + room);
          await new Promise((r) => setTimeout(r, room));
        }
        try {
          return await this.metricsRegistry.timeJob(task.kind, () =>
            this.exec.execute(task, replies, true),
          );
        } catch (error) {
          const retryAt = deferral(error);
          if (retryAt === null) throw error;
          task = resumed(task, error);
          this.deferred(task, retryAt);
          await new Promise((r) => setTimeout(r, Math.max(0, retryAt - Date.now())));
        }
      }
    });
  }

  private deferred(task: RepoTask, retryAt: number): void {
    this.exec.log.info(
      { installation: task.installationId, repository: `${task.owner}/${task.repo}`, retryAt },
      `uv-pin-bot: ${task.owner}/${task.repo} waits for GitHub's budget of installation ${task.installationId}, until ${new Date(retryAt).toISOString()} (delayed, not failed)`,
    );
  }

  sweep(): Promise<SweepSummary> {
    this.sweeping ??= this.track(() => this.sweepOnce()).finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  scratch(sweepId: string): SweepScratch {
    let scratch = this.scratches.get(sweepId);
    if (!scratch) {
      const values = new Map<string, Promise<unknown>>();
      scratch = {
        negatives: new MemoryNegativeAnswers(),
        once: <T>(key: string, load: () => Promise<T>) => {
          let value = values.get(key) as Promise<T> | undefined;
          if (!value) {
            value = load();
            values.set(key, value);
            // A failure is not kept: the next repository asks again.
            value.catch(() => values.delete(key));
          }
          return value;
        },
      };
      this.scratches.set(sweepId, scratch);
    }
    return scratch;
  }

  private async sweepOnce(): Promise<SweepSummary> {
    const sweepId = randomUUID();
    try {
      return await this.sweepWith(sweepId);
    } finally {
      this.scratches.delete(sweepId);
    }
  }

  private async sweepWith(sweepId: string): Promise<SweepSummary> {
    const exec = this.exec;
    const summary = emptySummary();
    const requests = exec.upstreamRequests();
    const github = exec.githubRequests();
    const { failed } = await exec.fanOut(async (task, archived) => {
      summary.repositories++;
      this.metricsRegistry.sweepProgress(summary.repositories, 0);
      if (archived) {
        summary.skipped++;
        return;
      }
      const outcome = (await this.runTask({ ...task, sweepId }, [])) ?? "skipped";
      summary[outcome]++;
    });
    summary.failed += failed;
    summary.requests = exec.upstreamRequests() - requests;
    summary.githubRequests = exec.githubRequests() - github;
    exec.log.info(summary, sweepLine(summary));
    return summary;
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async ready(): Promise<boolean> {
    return true;
  }

  metrics() {
    return this.metricsRegistry.text();
  }

  async stop(): Promise<void> {
    this.cron?.stop();
  }

  async drain(): Promise<void> {
    while (this.running > 0 || this.deliveryLog.size > 0)
      await Promise.all([this.idle(), this.deliveryLog.idle()]);
  }

  async close(): Promise<void> {
    await this.stop();
    await this.drain();
  }
}

/** Strings with a lifetime, in this process; at most `max` (the oldest written go first). */
export class MemoryKeyValues implements KeyValueStore {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  constructor(
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
  }
}
