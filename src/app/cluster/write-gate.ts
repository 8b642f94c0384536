/**
 * Content-creating requests one at a time per installation ACROSS THE CLUSTER (`REDIS_URL`): a
 * lock in Redis per installation, held from the first byte of a write to its answer (rate-limit
 * waits included), as serial-writes.ts does within one process. The lock has a lease
 * (`UV_PIN_BOT_LOCK_MS`) renewed while the write runs, so a worker that dies holding it blocks
 * the installation's writes for at most one lease. Within a process the waiters queue locally
 * first, so only one of them polls Redis.
 *
 * Fair across processes: the polling waiters of an installation hold tickets in a FIFO queue in
 * Redis, and only the oldest live ticket may take the free lock. A process that releases the lock
 * does not hand it to its own next local waiter while another process waits: that waiter takes a
 * ticket behind the other's (before, the releasing process re-took the lock at once while the
 * others polled every 10 ms, and a worker of the N=5,000 sweep bench waited up to 70 s). A ticket
 * lives as long as its waiter polls: one left by a dead worker lapses after one lease too.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { KeyedQueue } from "../keyed-queue.js";

/** Runs one installation's writes one at a time. */
export interface WriteGate {
  run<T>(installationId: number, write: () => Promise<T>): Promise<T>;
}

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
/**
 * Takes the lock for ARGV[1] if it is free and ARGV[1] holds the oldest live ticket; otherwise
 * queues the ticket (once) and keeps it alive for ARGV[3] ms. Times are Redis's own (TIME), so
 * replicas' clocks do not matter. KEYS: lock, tickets (score: order), deadlines (score: when
 * the ticket lapses), the order counter. Returns 1 when taken.
 */
const ACQUIRE = `
local t = redis.call("time")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lapsed = redis.call("zrangebyscore", KEYS[3], "-inf", now)
for _, ticket in ipairs(lapsed) do redis.call("zrem", KEYS[2], ticket) end
if #lapsed > 0 then redis.call("zremrangebyscore", KEYS[3], "-inf", now) end
if not redis.call("zscore", KEYS[2], ARGV[1]) then
  redis.call("zadd", KEYS[2], redis.call("incr", KEYS[4]), ARGV[1])
end
local head = redis.call("zrange", KEYS[2], 0, 0)[1]
if head == ARGV[1] and redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then
  redis.call("zrem", KEYS[2], ARGV[1])
  redis.call("zrem", KEYS[3], ARGV[1])
  return 1
end
redis.call("zadd", KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
local keep = tonumber(ARGV[3]) * 4
for i = 2, 4 do redis.call("pexpire", KEYS[i], keep) end
return 0`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export class RedisWriteGate implements WriteGate {
  private readonly local = new KeyedQueue();

  constructor(
    private readonly redis: Redis,
    /** Key prefix: the lock of installation N is `{prefix}:w:{N}`. */
    private readonly prefix: string,
    /** How long a lock outlives a holder that stopped renewing it (a dead worker). */
    private readonly leaseMs: number,
    private readonly pollMs = 10,
  ) {}

  run<T>(installationId: number, write: () => Promise<T>): Promise<T> {
    return this.local.run(String(installationId), async () => {
      const key = `${this.prefix}:w:${installationId}`;
      const queue = `${this.prefix}:wq:${installationId}`;
      const token = randomUUID();
      const lease = String(this.leaseMs);
      while (
        (await this.redis.eval(
          ACQUIRE,
          4,
          key,
          queue,
          `${queue}:t`,
          `${queue}:n`,
          token,
          lease,
          lease,
        )) !== 1
      )
        await new Promise((r) => setTimeout(r, this.pollMs));
      const renew = setInterval(
        () => {
          this.redis.eval(EXTEND, 1, key, token, String(this.leaseMs)).catch(() => undefined);
        },
        Math.max(20, Math.floor(this.leaseMs / 3)),
      );
      try {
        return await write();
      } finally {
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      }
    });
  }
}
