/**
 * The embedded coordinator: everything in this process, exactly the app's single-process
 * behaviour. Work on one repository is serialised by an in-process queue; delivery ids are kept
 * in memory; sweeps fire from an in-process cron; a sweep asked for while one runs joins it.
 */
import { Cron } from "croner";
import { MemoryCache } from "../../adapters/cache.js";
import { MemoryOwnCommits } from "../../adapters/own-commits.js";
import { DeliveryLog, KeyedQueue } from "../keyed-queue.js";
import {
  type Coordinator,
  type DeliveryStore,
  type Executor,
  emptySummary,
  type ReplyTarget,
  type RepoTask,
  repoKey,
  type SweepSummary,
  sweepLine,
} from "./coordinator.js";
import { AppMetrics } from "./metrics.js";
import { type Budget, DEFAULT_RATE_LIMIT_FLOOR, MemoryBudgets } from "./rate-budget.js";

export interface EmbeddedOptions {
  /** Cron (UTC) for sweeps, or null: no in-process scheduler. */
  schedule: string | null;
  /** Repositories of one installation run at once during a sweep. */
  concurrency: number;
  metrics?: AppMetrics;
  /** Remaining GitHub requests at which an installation's work waits for the reset. */
  rateLimitFloor?: number;
}

export class EmbeddedCoordinator implements Coordinator {
  readonly mode = "embedded" as const;
  private readonly deliveryLog = new DeliveryLog();
  readonly deliveries: DeliveryStore = this.deliveryLog;
  readonly cache = new MemoryCache();
  readonly ownCommits = new MemoryOwnCommits();
  readonly metricsRegistry: AppMetrics;
  private readonly queue = new KeyedQueue();
  private readonly budgets: MemoryBudgets;
  private executor: Executor | undefined;
  private cron: Cron | undefined;
  private sweeping: Promise<SweepSummary> | null = null;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EmbeddedOptions) {
    this.metricsRegistry = options.metrics ?? new AppMetrics();
    this.budgets = new MemoryBudgets(options.rateLimitFloor ?? DEFAULT_RATE_LIMIT_FLOOR);
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

  private runTask(task: RepoTask, replies: readonly ReplyTarget[]) {
    return this.queue.run(repoKey(task.owner, task.repo), async () => {
      // An installation at its rate-limit floor waits for the reset (others are not held up).
      for (let wait = this.budgets.waitMs(task.installationId); wait > 0; ) {
        await new Promise((r) => setTimeout(r, wait));
        wait = this.budgets.waitMs(task.installationId);
      }
      return this.metricsRegistry.timeJob(task.kind, () => this.exec.execute(task, replies, true));
    });
  }

  sweep(): Promise<SweepSummary> {
    this.sweeping ??= this.track(() => this.sweepOnce()).finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<SweepSummary> {
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
      const outcome = (await this.runTask(task, [])) ?? "skipped";
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
