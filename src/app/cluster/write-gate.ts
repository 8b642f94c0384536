/**
 * Content-creating requests one at a time per installation ACROSS THE CLUSTER (`REDIS_URL`): a
 * lock in Redis per installation, held from the first byte of a write to its answer (rate-limit
 * waits included), as serial-writes.ts does within one process. The lock has a lease
 * (`UV_PIN_BOT_LOCK_MS`) renewed while the write runs, so a worker that dies holding it blocks
 * the installation's writes for at most one lease. Within a process the waiters queue locally
 * first, so only one of them polls Redis.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { KeyedQueue } from "../keyed-queue.js";

/** Runs one installation's writes one at a time. */
export interface WriteGate {
  run<T>(installationId: number, write: () => Promise<T>): Promise<T>;
}

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
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
      const token = randomUUID();
      while ((await this.redis.set(key, token, "PX", this.leaseMs, "NX")) !== "OK")
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
