/**
 * GitHub's secondary limits on content-creating requests, per installation: at most 80 a minute
 * and 500 an hour (`UV_PIN_BOT_WRITE_BUDGET`, default `80/60,500/3600`: count/seconds pairs),
 * counted in a sliding window: in Redis when clustered (one count for every replica), in memory
 * otherwise. A write that does not fit a short window waits for its room; one that does not fit
 * the longest (the hour) is not sent: `WriteBudgetError` ends the run, and the coordinator runs
 * the repository again when the window has room (a delayed job, or a timer embedded). A
 * repository job is also delayed before it starts when the hour has no room for one pull
 * request (`PR_WRITES`). A primary rate limit GitHub answered with (`x-ratelimit-remaining: 0`)
 * is turned into the same deferral, to its reset, instead of a failure.
 */
import type { Octokit } from "@octokit/core";
import type { Redis } from "ioredis";
import { UsageError } from "../../errors.js";
import { isSerialWrite } from "../serial-writes.js";

export interface WriteWindow {
  count: number;
  ms: number;
}

/** Content-creating requests one pull request costs at most (github-prs.ts). */
export const PR_WRITES = 5;

export const DEFAULT_WRITE_BUDGET = "80/60,500/3600";

/** `UV_PIN_BOT_WRITE_BUDGET`: `count/seconds` pairs, shortest window first. */
export function writeWindows(env: NodeJS.ProcessEnv): WriteWindow[] {
  const raw = env.UV_PIN_BOT_WRITE_BUDGET?.trim() || DEFAULT_WRITE_BUDGET;
  const windows = raw.split(",").map((part) => {
    const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(part);
    const count = Number(m?.[1]);
    const seconds = Number(m?.[2]);
    if (!m || count < 1 || seconds < 1)
      throw new UsageError(
        `UV_PIN_BOT_WRITE_BUDGET: expected count/seconds pairs such as ${DEFAULT_WRITE_BUDGET}, not \`${raw}\``,
      );
    return { count, ms: seconds * 1000 };
  });
  return windows.sort((a, b) => a.ms - b.ms);
}

/** A write (or a job) that does not fit the installation's budget until `retryAt`. */
export class WriteBudgetError extends Error {
  readonly code = "write-budget";
  constructor(
    readonly installationId: number,
    readonly retryAt: number,
  ) {
    super(
      `installation ${installationId}: GitHub's budget of content-creating requests for this hour is used up; the run waits until ${new Date(retryAt).toISOString()}`,
    );
  }
}

/** What `take` answers: taken, or how long until the window that is full has room. */
export type Taken = { ok: true } | { ok: false; waitMs: number; longest: boolean };

export interface WriteBudget {
  readonly windows: readonly WriteWindow[];
  /** Counts one write now if every window has room. */
  take(installationId: number): Promise<Taken>;
  /**
   * Milliseconds until the longest window has room for `reserve` writes (at most its count), 0:
   * now.
   */
  roomIn(installationId: number, reserve: number): Promise<number>;
}

/** The wait until `reserve` slots are free in a window holding `times` (ascending). */
function waitForRoom(times: readonly number[], w: WriteWindow, reserve: number, now: number) {
  const inWindow = times.filter((t) => t > now - w.ms);
  const over = inWindow.length + reserve - w.count;
  if (over <= 0) return 0;
  const freeing = inWindow[Math.min(over, inWindow.length) - 1];
  return freeing === undefined ? w.ms : Math.max(1, freeing + w.ms - now);
}

export class MemoryWriteBudget implements WriteBudget {
  private readonly log = new Map<number, number[]>();

  constructor(
    readonly windows: readonly WriteWindow[],
    private readonly now: () => number = Date.now,
  ) {}

  private times(installationId: number): number[] {
    const longest = this.windows.at(-1)?.ms ?? 0;
    const now = this.now();
    const kept = (this.log.get(installationId) ?? []).filter((t) => t > now - longest);
    this.log.set(installationId, kept);
    return kept;
  }

  async take(installationId: number): Promise<Taken> {
    const times = this.times(installationId);
    const now = this.now();
    for (const [i, w] of this.windows.entries()) {
      const waitMs = waitForRoom(times, w, 1, now);
      if (waitMs > 0) return { ok: false, waitMs, longest: i === this.windows.length - 1 };
    }
    times.push(now);
    return { ok: true };
  }

  async roomIn(installationId: number, reserve: number): Promise<number> {
    const longest = this.windows.at(-1);
    if (!longest) return 0;
    const times = this.times(installationId);
    return waitForRoom(times, longest, Math.min(reserve, longest.count), this.now());
  }
}

/**
 * One sorted set per installation (`{prefix}:wb:{id}`, scores = times), checked and added to in
 * one script: every replica counts against the same windows.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local longest = tonumber(ARGV[3 + 2 * n])
redis.call("zremrangebyscore", KEYS[1], "-inf", now - longest)
for i = 0, n - 1 do
  local count = tonumber(ARGV[4 + 2 * i])
  local ms = tonumber(ARGV[5 + 2 * i])
  local used = redis.call("zcount", KEYS[1], "(" .. (now - ms), "+inf")
  if used >= count then
    local oldest = redis.call("zrangebyscore", KEYS[1], "(" .. (now - ms), "+inf", "WITHSCORES", "LIMIT", used - count, 1)
    local wait = ms
    if oldest[2] then wait = tonumber(oldest[2]) + ms - now end
    if wait < 1 then wait = 1 end
    return {i, wait}
  end
end
redis.call("zadd", KEYS[1], now, ARGV[2])
redis.call("pexpire", KEYS[1], longest)
return {-1, 0}`;

export class RedisWriteBudget implements WriteBudget {
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly windows: readonly WriteWindow[],
  ) {}

  async take(installationId: number): Promise<Taken> {
    const now = Date.now();
    const member = `${now}-${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 8)}`;
    const args = this.windows.flatMap((w) => [String(w.count), String(w.ms)]);
    const [index, waitMs] = (await this.redis.eval(
      TAKE,
      1,
      `${this.prefix}:wb:${installationId}`,
      String(now),
      member,
      String(this.windows.length),
      ...args,
    )) as [number, number];
    if (index < 0) return { ok: true };
    return { ok: false, waitMs: Number(waitMs), longest: index === this.windows.length - 1 };
  }

  async roomIn(installationId: number, reserve: number): Promise<number> {
    const longest = this.windows.at(-1);
    if (!longest) return 0;
    const now = Date.now();
    const scores = await this.redis.zrangebyscore(
      `${this.prefix}:wb:${installationId}`,
      `(${now - longest.ms}`,
      "+inf",
    );
    // Members start with their time (see `take`).
    const times = scores.map((m) => Number(m.split("-")[0])).sort((a, b) => a - b);
    return waitForRoom(times, longest, Math.min(reserve, longest.count), now);
  }
}

/**
 * Counts every content-creating request of this Octokit against `budget`: a full short window is
 * waited for; a full hour throws `WriteBudgetError` (nothing sent). Register it before
 * `gateWrites` so that the count happens inside the installation's write lock.
 */
export function budgetWrites<T extends Pick<Octokit, "hook">>(
  octokit: T,
  budget: WriteBudget,
  installationId: number,
): T {
  octokit.hook.wrap("request", async (request, options) => {
    if (!isSerialWrite(options.method, options.url)) return request(options);
    for (;;) {
      const taken = await budget.take(installationId);
      if (taken.ok) return request(options);
      if (taken.longest) throw new WriteBudgetError(installationId, Date.now() + taken.waitMs);
      await new Promise((r) => setTimeout(r, taken.waitMs));
    }
  });
  return octokit;
}

/**
 * When a failed run should simply run again (epoch ms), or null: the write budget of the hour
 * used up, or GitHub's primary rate limit (`x-ratelimit-remaining: 0`) whose reset is further
 * away than the throttling waits.
 */
export function deferral(error: unknown, depth = 0): number | null {
  if (error instanceof WriteBudgetError) return error.retryAt;
  // Adapters wrap GitHub's errors (an `UpstreamError` with the answer as its cause).
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause !== undefined && depth < 4) {
    const found = deferral(cause, depth + 1);
    if (found !== null) return found;
  }
  const e = error as { status?: number; response?: { headers?: Record<string, string> } };
  if (e?.status !== 403 && e?.status !== 429) return null;
  const headers = e.response?.headers ?? {};
  if (headers["x-ratelimit-remaining"] !== "0") return null;
  const reset = Number(headers["x-ratelimit-reset"]);
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : null;
}
