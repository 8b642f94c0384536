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
 *
 * A pull request's writes are reserved in the longest window before its first write
 * (`reserveWrites`): the reservation counts as used for every other writer until its writes are
 * made or it is released (or its lease lapses: a dead worker's), so the hour cannot run out
 * between the pull request's creation and its labels, assignees and reviewers. A reservation that
 * does not fit throws `WriteBudgetError` before anything is written.
 */
import { randomUUID } from "node:crypto";
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

/** How long a reservation holds its writes when its holder neither uses nor releases them. */
export const RESERVATION_LEASE_MS = 10 * 60_000;

export interface WriteBudget {
  readonly windows: readonly WriteWindow[];
  /**
   * Counts one write now if every window has room. With `reservation` (an id `reserve` granted),
   * the write uses one of its reserved writes instead of the longest window's free room.
   */
  take(installationId: number, reservation?: string): Promise<Taken>;
  /**
   * Milliseconds until the longest window has room for `reserve` writes (at most its count), 0:
   * now.
   */
  roomIn(installationId: number, reserve: number): Promise<number>;
  /**
   * Reserves `count` writes (at most the longest window's count) of the longest window for
   * `reservation` if it has room for them, counted as used by every other writer until taken or
   * released; replaces a reservation of the same id. Short windows are not reserved (their
   * writes wait for room).
   */
  reserve(
    installationId: number,
    reservation: string,
    count: number,
    leaseMs?: number,
  ): Promise<Taken>;
  /** Gives back what is left of a reservation. */
  release(installationId: number, reservation: string): Promise<void>;
}

/** The wait until `reserve` slots are free in a window holding `times` (ascending). */
function waitForRoom(times: readonly number[], w: WriteWindow, reserve: number, now: number) {
  const inWindow = times.filter((t) => t > now - w.ms);
  const over = inWindow.length + reserve - w.count;
  if (over <= 0) return 0;
  // Past the window's writes (reservations): no room before the window has passed.
  const freeing = over <= inWindow.length ? inWindow[over - 1] : undefined;
  return freeing === undefined ? w.ms : Math.max(1, freeing + w.ms - now);
}

export class MemoryWriteBudget implements WriteBudget {
  private readonly log = new Map<number, number[]>();
  /** Per installation: reservation id → writes left and when it lapses. */
  private readonly reservations = new Map<number, Map<string, { left: number; until: number }>>();

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

  /** The live reservations of an installation: `mine` (left of `reservation`) and the others'. */
  private reserved(installationId: number, reservation?: string) {
    const all = this.reservations.get(installationId);
    let others = 0;
    let mine = 0;
    if (!all) return { others, mine };
    const now = this.now();
    for (const [id, r] of all) {
      if (r.until <= now || r.left <= 0) all.delete(id);
      else if (id === reservation) mine = r.left;
      else others += r.left;
    }
    if (all.size === 0) this.reservations.delete(installationId);
    return { others, mine };
  }

  async take(installationId: number, reservation?: string): Promise<Taken> {
    const times = this.times(installationId);
    const now = this.now();
    const { others, mine } = this.reserved(installationId, reservation);
    const last = this.windows.length - 1;
    for (const [i, w] of this.windows.entries()) {
      // The longest window: a reserved write has its room; others leave the reservations' room.
      if (i === last && mine > 0) continue;
      const waitMs = waitForRoom(times, w, 1 + (i === last ? others : 0), now);
      if (waitMs > 0) return { ok: false, waitMs, longest: i === last };
    }
    times.push(now);
    const held = reservation ? this.reservations.get(installationId)?.get(reservation) : undefined;
    if (held && mine > 0) held.left--;
    return { ok: true };
  }

  async roomIn(installationId: number, reserve: number): Promise<number> {
    const longest = this.windows.at(-1);
    if (!longest) return 0;
    const times = this.times(installationId);
    const { others } = this.reserved(installationId);
    return waitForRoom(times, longest, Math.min(reserve, longest.count) + others, this.now());
  }

  async reserve(
    installationId: number,
    reservation: string,
    count: number,
    leaseMs = RESERVATION_LEASE_MS,
  ): Promise<Taken> {
    const longest = this.windows.at(-1);
    if (!longest) return { ok: true };
    const times = this.times(installationId);
    const { others } = this.reserved(installationId, reservation);
    const want = Math.min(count, longest.count);
    const waitMs = waitForRoom(times, longest, want + others, this.now());
    if (waitMs > 0) return { ok: false, waitMs, longest: true };
    let all = this.reservations.get(installationId);
    if (!all) {
      all = new Map();
      this.reservations.set(installationId, all);
    }
    all.set(reservation, { left: want, until: this.now() + leaseMs });
    return { ok: true };
  }

  async release(installationId: number, reservation: string): Promise<void> {
    this.reservations.get(installationId)?.delete(reservation);
  }
}

/**
 * One sorted set per installation (`{prefix}:wb:{id}`, scores = times), checked and added to in
 * one script: every replica counts against the same windows. Reservations in a hash
 * (`{prefix}:wb:{id}:r`, id → "left:lapses-at").
 *
 * ARGV: now, member, n, n × (count, ms), reservation id ("" none), reserve (0: take one write;
 * k > 0: reserve k writes of the longest window), lease ms. Returns {-1, 0} when done, else
 * {index of the full window, wait ms}.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local longest = tonumber(ARGV[3 + 2 * n])
local res = ARGV[4 + 2 * n]
local reserve = tonumber(ARGV[5 + 2 * n])
local lease = tonumber(ARGV[6 + 2 * n])
redis.call("zremrangebyscore", KEYS[1], "-inf", now - longest)
local others, mine, mineUntil = 0, 0, 0
local all = redis.call("hgetall", KEYS[2])
for i = 1, #all, 2 do
  local left, untilAt = string.match(all[i + 1], "^(%d+):(%d+)$")
  left = tonumber(left or "0")
  untilAt = tonumber(untilAt or "0")
  if untilAt <= now or left <= 0 then redis.call("hdel", KEYS[2], all[i])
  elseif all[i] == res then mine, mineUntil = left, untilAt
  else others = others + left end
end
local function full(i, extra)
  local count = tonumber(ARGV[4 + 2 * i])
  local ms = tonumber(ARGV[5 + 2 * i])
  local used = redis.call("zcount", KEYS[1], "(" .. (now - ms), "+inf")
  local over = used + extra - count
  if over <= 0 then return nil end
  local wait = ms
  if over <= used then
    local oldest = redis.call("zrangebyscore", KEYS[1], "(" .. (now - ms), "+inf", "WITHSCORES", "LIMIT", over - 1, 1)
    if oldest[2] then wait = tonumber(oldest[2]) + ms - now end
  end
  if wait < 1 then wait = 1 end
  return wait
end
if reserve > 0 then
  local wait = full(n - 1, reserve + others)
  if wait then return {n - 1, wait} end
  redis.call("hset", KEYS[2], res, reserve .. ":" .. (now + lease))
  redis.call("pexpire", KEYS[2], math.max(longest, lease))
  return {-1, 0}
end
for i = 0, n - 1 do
  local wait = nil
  if i < n - 1 then wait = full(i, 1)
  elseif mine == 0 then wait = full(i, 1 + others) end
  if wait then return {i, wait} end
end
redis.call("zadd", KEYS[1], now, ARGV[2])
redis.call("pexpire", KEYS[1], longest)
if mine > 0 then redis.call("hset", KEYS[2], res, (mine - 1) .. ":" .. mineUntil) end
return {-1, 0}`;

export class RedisWriteBudget implements WriteBudget {
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly windows: readonly WriteWindow[],
  ) {}

  private async script(
    installationId: number,
    reservation: string,
    reserve: number,
    leaseMs: number,
  ): Promise<Taken> {
    const now = Date.now();
    const member = `${now}-${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 8)}`;
    const args = this.windows.flatMap((w) => [String(w.count), String(w.ms)]);
    const key = `${this.prefix}:wb:${installationId}`;
    const [index, waitMs] = (await this.redis.eval(
      TAKE,
      2,
      key,
      `${key}:r`,
      String(now),
      member,
      String(this.windows.length),
      ...args,
      reservation,
      String(reserve),
      String(leaseMs),
    )) as [number, number];
    if (index < 0) return { ok: true };
    return { ok: false, waitMs: Number(waitMs), longest: index === this.windows.length - 1 };
  }

  take(installationId: number, reservation?: string): Promise<Taken> {
    return this.script(installationId, reservation ?? "", 0, 0);
  }

  async reserve(
    installationId: number,
    reservation: string,
    count: number,
    leaseMs = RESERVATION_LEASE_MS,
  ): Promise<Taken> {
    const longest = this.windows.at(-1);
    if (!longest || count < 1) return { ok: true };
    return this.script(installationId, reservation, Math.min(count, longest.count), leaseMs);
  }

  async release(installationId: number, reservation: string): Promise<void> {
    await this.redis.hdel(`${this.prefix}:wb:${installationId}:r`, reservation);
  }

  async roomIn(installationId: number, reserve: number): Promise<number> {
    const longest = this.windows.at(-1);
    if (!longest) return 0;
    const now = Date.now();
    const key = `${this.prefix}:wb:${installationId}`;
    const [scores, held] = await Promise.all([
      this.redis.zrangebyscore(key, `(${now - longest.ms}`, "+inf"),
      this.redis.hvals(`${key}:r`),
    ]);
    // Members start with their time (see `take`).
    const times = scores.map((m) => Number(m.split("-")[0])).sort((a, b) => a - b);
    let others = 0;
    for (const value of held) {
      const [left, until] = value.split(":").map(Number);
      if ((until ?? 0) > now && (left ?? 0) > 0) others += left ?? 0;
    }
    return waitForRoom(times, longest, Math.min(reserve, longest.count) + others, now);
  }
}

/** Reserves a pull request's writes for one Octokit's next writes (see `reserveWrites`). */
export type ReserveWrites = (count: number) => Promise<() => Promise<void>>;

const reservers = new WeakMap<object, ReserveWrites>();

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
  let reservation: string | undefined;
  reservers.set(octokit, async (count) => {
    // A call inside another (a racing delivery's pull request, updated instead): one reservation.
    const id = reservation ?? randomUUID();
    const taken = await budget.reserve(installationId, id, count);
    if (!taken.ok) throw new WriteBudgetError(installationId, Date.now() + taken.waitMs);
    reservation = id;
    return async () => {
      if (reservation === id) reservation = undefined;
      await budget.release(installationId, id);
    };
  });
  octokit.hook.wrap("request", async (request, options) => {
    if (!isSerialWrite(options.method, options.url)) return request(options);
    for (;;) {
      const taken = await budget.take(installationId, reservation);
      if (taken.ok) return request(options);
      if (taken.longest) throw new WriteBudgetError(installationId, Date.now() + taken.waitMs);
      await new Promise((r) => setTimeout(r, taken.waitMs));
    }
  });
  return octokit;
}

/**
 * The reservation of an Octokit that `budgetWrites` counts: `count` writes of the hour kept for
 * its next writes (throws `WriteBudgetError`, nothing written, when the hour has no room for
 * them); the function it resolves to gives back what was not used. Undefined: no budget.
 */
export function reserveWrites(octokit: object): ReserveWrites | undefined {
  return reservers.get(octokit);
}

/**
 * The earliest a run deferred to GitHub's reset runs again, from now: a reset GitHub says has
 * passed (clocks differ, or the window has just reset) must not make an immediate re-run loop.
 */
export const DEFERRAL_FLOOR_MS = 5_000;

/**
 * When a failed run should simply run again (epoch ms, never before `now`), or null: the write
 * budget of the hour used up (when the budget has room), or GitHub's primary rate limit
 * (`x-ratelimit-remaining: 0`) whose reset is further away than the throttling waits (its
 * reset, and at least `DEFERRAL_FLOOR_MS` from now).
 */
export function deferral(error: unknown, now = Date.now(), depth = 0): number | null {
  if (error instanceof WriteBudgetError) return Math.max(error.retryAt, now);
  // Adapters wrap GitHub's errors (an `UpstreamError` with the answer as its cause).
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause !== undefined && depth < 4) {
    const found = deferral(cause, now, depth + 1);
    if (found !== null) return found;
  }
  const e = error as { status?: number; response?: { headers?: Record<string, string> } };
  if (e?.status !== 403 && e?.status !== 429) return null;
  const headers = e.response?.headers ?? {};
  if (headers["x-ratelimit-remaining"] !== "0") return null;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (!Number.isFinite(reset) || reset <= 0) return null;
  return Math.max(reset * 1000, now + DEFERRAL_FLOOR_MS);
}
