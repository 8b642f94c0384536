/**
 * Clustered-mode settings from the environment: `REDIS_URL` (clustered when set),
 * `UV_PIN_BOT_ROLE` (`web` | `worker` | `all`, default `all`), `UV_PIN_BOT_CONCURRENCY` (jobs a
 * worker runs at once, default 4), `UV_PIN_BOT_JOB_ATTEMPTS` (tries before a job lands in the
 * failed set, default 3), `UV_PIN_BOT_LOCK_MS` (how long a dead worker's job and repository
 * lock stay claimed before another worker takes over, default 30000),
 * `UV_PIN_BOT_RATE_LIMIT_FLOOR` (rate-limit-budget.ts). A bad value is a one-line
 * error at start-up. On SIGTERM a worker's running jobs get half of `UV_PIN_BOT_SHUTDOWN_TIMEOUT`
 * (src/app/shutdown.ts) to finish; the rest are handed back and the connections closed.
 */
import { UsageError } from "../../errors.js";
import { shutdownTimeoutMs } from "../shutdown.js";
import { DEFAULT_RATE_LIMIT_FLOOR } from "./rate-budget.js";

export type Role = "web" | "worker" | "all";

export interface ClusterSettings {
  redisUrl: string;
  role: Role;
  concurrency: number;
  attempts: number;
  lockMs: number;
  rateLimitFloor: number;
  /** How long a stopping worker's running jobs may take before they are handed back. */
  drainMs: number;
}

/** `UV_PIN_BOT_RATE_LIMIT_FLOOR`: remaining GitHub requests at which an installation waits. */
export function rateLimitFloor(env: NodeJS.ProcessEnv): number {
  return integer(env, "UV_PIN_BOT_RATE_LIMIT_FLOOR", DEFAULT_RATE_LIMIT_FLOOR, 0, 1_000_000);
}

export function clusterSettings(env: NodeJS.ProcessEnv): ClusterSettings | null {
  const redisUrl = env.REDIS_URL?.trim();
  if (!redisUrl) return null;
  if (!/^rediss?:\/\//.test(redisUrl))
    throw new UsageError("REDIS_URL: expected redis://host:port (or rediss://)");
  const role = (env.UV_PIN_BOT_ROLE?.trim() || "all") as Role;
  if (!["web", "worker", "all"].includes(role))
    throw new UsageError(`UV_PIN_BOT_ROLE: expected web, worker or all, not \`${role}\``);
  return {
    redisUrl,
    role,
    concurrency: integer(env, "UV_PIN_BOT_CONCURRENCY", 4, 1, 256),
    attempts: integer(env, "UV_PIN_BOT_JOB_ATTEMPTS", 3, 1, 100),
    lockMs: integer(env, "UV_PIN_BOT_LOCK_MS", 30_000, 500, 3_600_000),
    rateLimitFloor: rateLimitFloor(env),
    drainMs: Math.floor(shutdownTimeoutMs(env) / 2),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, not \`${raw}\``);
  return n;
}
