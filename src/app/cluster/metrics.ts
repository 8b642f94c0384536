/**
 * Prometheus metrics for `GET /metrics` (prom-client), one registry per app (so that several
 * apps in one process, as in tests, keep their own): jobs by kind and outcome, run duration,
 * queue depth (filled in by the coordinator when scraped), pull requests opened/updated, upstream
 * and GitHub requests by status, rate-limit remaining per installation, sweep progress.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type QueueDepth = Partial<Record<"waiting" | "active" | "delayed" | "failed", number>>;

export class AppMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<"kind" | "outcome">;
  private readonly duration: Histogram<"kind">;
  private readonly pulls: Counter<"action">;
  private readonly github: Counter<"status">;
  private readonly upstream: Counter<"status">;
  private readonly rateLimit: Gauge<"installation">;
  private readonly sweep: Gauge<"state">;
  /** Asked at scrape time for the queue's depth (the Redis coordinator sets it). */
  depth: (() => Promise<QueueDepth>) | undefined;

  constructor() {
    const registers = [this.registry];
    this.jobs = new Counter({
      name: "uv_pin_bot_jobs_total",
      help: "Repository jobs by kind (run, closed, sweep-repo, sweep) and outcome",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.duration = new Histogram({
      name: "uv_pin_bot_run_duration_seconds",
      help: "Duration of repository jobs",
      labelNames: ["kind"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    const self = this;
    new Gauge({
      name: "uv_pin_bot_queue_jobs",
      help: "Jobs in the queue by state (waiting, active, delayed, failed)",
      labelNames: ["state"],
      registers,
      async collect() {
        if (!self.depth) return;
        const depth = await self.depth().catch(() => undefined);
        for (const [state, n] of Object.entries(depth ?? {})) this.set({ state }, n ?? 0);
      },
    });
    this.pulls = new Counter({
      name: "uv_pin_bot_pull_requests_total",
      help: "Pull requests opened or updated",
      labelNames: ["action"],
      registers,
    });
    this.github = new Counter({
      name: "uv_pin_bot_github_requests_total",
      help: "GitHub API requests by HTTP status",
      labelNames: ["status"],
      registers,
    });
    this.upstream = new Counter({
      name: "uv_pin_bot_upstream_requests_total",
      help: "Upstream requests (registry, releases, attestations) by HTTP status",
      labelNames: ["status"],
      registers,
    });
    this.rateLimit = new Gauge({
      name: "uv_pin_bot_rate_limit_remaining",
      help: "x-ratelimit-remaining of the latest GitHub answer, per installation",
      labelNames: ["installation"],
      registers,
    });
    this.sweep = new Gauge({
      name: "uv_pin_bot_sweep_repositories",
      help: "The current (or last) sweep: repositories in it (total) and finished (done)",
      labelNames: ["state"],
      registers,
    });
  }

  async timeJob<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ kind });
    try {
      const result = await fn();
      this.jobs.inc({ kind, outcome: typeof result === "string" ? result : "done" });
      return result;
    } catch (error) {
      this.jobs.inc({ kind, outcome: "error" });
      throw error;
    } finally {
      end();
    }
  }

  job(kind: string, outcome: string): void {
    this.jobs.inc({ kind, outcome });
  }

  pullRequest(action: "created" | "updated"): void {
    this.pulls.inc({ action: action === "created" ? "opened" : "updated" });
  }

  githubResponse(status: number, installation: number | undefined, remaining: string | null) {
    this.github.inc({ status: String(status) });
    if (installation !== undefined && remaining !== null && /^\d+$/.test(remaining))
      this.rateLimit.set({ installation: String(installation) }, Number(remaining));
  }

  upstreamResponse(status: number | "error"): void {
    this.upstream.inc({ status: String(status) });
  }

  sweepProgress(total: number, done: number): void {
    this.sweep.set({ state: "total" }, total);
    this.sweep.set({ state: "done" }, done);
  }

  /** `fetch` that counts each answer's status (or a network error) as an upstream request. */
  countingFetch(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      try {
        const res = await inner(input, init);
        this.upstreamResponse(res.status);
        return res;
      } catch (error) {
        this.upstreamResponse("error");
        throw error;
      }
    };
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
