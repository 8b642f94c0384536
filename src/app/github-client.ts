/**
 * The Octokit the app runs with: Probot's, with GitHub's rate limits handled as GitHub asks.
 * Probot's own defaults only log a secondary rate limit (403/429 "You have exceeded a secondary
 * rate limit"), so a sweep could push a branch and then fail to open its pull request. Here both
 * limits are retried through `@octokit/plugin-throttling` (bundled with Probot): after the
 * `retry-after` GitHub sends, or a minute when it sends none, up to `retries` times.
 * Content-creating requests (POST/PATCH/PUT/DELETE, GraphQL) go one at a time per installation,
 * each held from sending to its answer (serial-writes.ts); the plugin's `write` queue on its own
 * only spaces their starts a second apart.
 *
 * Throttling stays in each process even when Probot is given `REDIS_URL`: Probot would hand the
 * plugin a Bottleneck in Redis mode, and Bottleneck 2.19.5 never recovers when Redis forgets a
 * client (it compares Redis's error text with "UNKNOWN_CLIENT", while Redis 7 answers
 * "ERR UNKNOWN_CLIENT"): the process's limiter then fails every new request and never settles
 * the queued ones. The cluster is held by the app's own Redis write lock (cluster/write-gate.ts),
 * write budget (cluster/write-budget.ts) and rate-limit floor instead.
 *
 * Every attempt sent to GitHub has a time limit (`requestTimeoutMs`, default 60 s), so no run
 * waits forever on a connection GitHub never answers: the attempt fails and the run is retried.
 */
import { ProbotOctokit } from "probot";
import { serialWrites } from "./serial-writes.js";

export interface ThrottleTuning {
  /** Retries per request after a rate limit (default 3). */
  retries?: number;
  /** Milliseconds per second of `retry-after` (tests shrink it; default 1000). */
  retryAfterBaseValue?: number;
  /** A primary-limit wait longer than this many seconds is not waited for (default 15 minutes). */
  maxWaitSeconds?: number;
  /** Milliseconds one attempt may take before it is aborted (default 60,000). */
  requestTimeoutMs?: number;
}

export const GITHUB_REQUEST_TIMEOUT_MS = 60_000;

type Fetch = typeof globalThis.fetch;

/** `fetch` with a time limit on every attempt, on top of any signal the caller gave. */
export function fetchWithTimeout(ms: number, inner?: Fetch): Fetch {
  return (input, init) => {
    const limit = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit;
    // The global looked up per call: test interceptors replace it after the app is built.
    return (inner ?? globalThis.fetch)(input, { ...init, signal });
  };
}

interface LimitedRequest {
  method?: string;
  url?: string;
}
interface Logged {
  log: { warn(message: string): void };
}

export function throttleOptions(tuning: ThrottleTuning = {}) {
  const retries = tuning.retries ?? 3;
  const maxWait = tuning.maxWaitSeconds ?? 15 * 60;
  return {
    enabled: true,
    fallbackSecondaryRateRetryAfter: 60,
    ...(tuning.retryAfterBaseValue !== undefined
      ? { retryAfterBaseValue: tuning.retryAfterBaseValue }
      : {}),
    onSecondaryRateLimit: (
      retryAfter: number,
      options: LimitedRequest,
      octokit: Logged,
      retryCount: number,
    ) => {
      const again = retryCount < retries;
      octokit.log.warn(
        `GitHub secondary rate limit on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter} s` : "giving up"} (retry ${retryCount + 1} of ${retries})`,
      );
      return again;
    },
    onRateLimit: (
      retryAfter: number,
      options: LimitedRequest,
      octokit: Logged,
      retryCount: number,
    ) => {
      const again = retryCount < retries && retryAfter <= maxWait;
      octokit.log.warn(
        `GitHub rate limit on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter} s` : "giving up"}`,
      );
      return again;
    },
  };
}

/** Probot's Octokit with the throttling above and serial writes (pass it to Probot as `Octokit`). */
export function appOctokit(tuning: ThrottleTuning = {}): typeof ProbotOctokit {
  const throttle = throttleOptions(tuning);
  const timeoutMs = tuning.requestTimeoutMs ?? GITHUB_REQUEST_TIMEOUT_MS;
  // A function: Probot passes its own `throttle` (log-only) to the constructor; ours wins.
  return ProbotOctokit.plugin(serialWrites).defaults((options: Record<string, unknown>) => {
    const request = (options.request ?? {}) as { fetch?: Fetch };
    return {
      ...options,
      request: { ...request, fetch: fetchWithTimeout(timeoutMs, request.fetch) },
      // In memory: no `connection` (Probot's Redis) and the plugin's own Bottleneck.
      throttle: {
        ...(options.throttle as object),
        connection: undefined,
        Bottleneck: undefined,
        ...throttle,
      },
    };
  });
}
