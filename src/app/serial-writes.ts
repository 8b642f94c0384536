/**
 * Content-creating requests one at a time per installation, as GitHub asks ("make requests for a
 * single user or client ID serially"; concurrent writes are what trips its secondary limits).
 *
 * `@octokit/plugin-throttling`'s `write` queue does not give that: it queues a no-op before each
 * write (one at a time, `minTime` apart) and then sends the write through the `global` queue (ten
 * at once), so it spaces the STARTS of writes but a write slower than `minTime` (a large blob, a
 * slow GitHub) overlaps the next one. This plugin holds a per-installation lock for the whole
 * write, from the first byte sent to the answer, retries after a rate limit included (no other
 * write of the installation goes out while one waits out a secondary limit).
 *
 * One lock per installation per process: every Octokit of an installation (one per webhook event
 * or job) shares it. Across the replicas of a clustered deployment, the app adds the cluster's
 * lock in Redis to each installation client (`gateWrites`, cluster/write-gate.ts).
 */
import type { Octokit } from "@octokit/core";
import type { WriteGate } from "./cluster/write-gate.js";
import { KeyedQueue } from "./keyed-queue.js";

const locks = new KeyedQueue();

/** A write GitHub counts as content-creating: anything but GET/HEAD, GraphQL included. */
export function isSerialWrite(method: string | undefined, url: string | undefined): boolean {
  const verb = (method ?? "GET").toUpperCase();
  if (verb === "GET" || verb === "HEAD") return false;
  const { pathname } = new URL(url ?? "/", "http://github.test");
  // Installation tokens are made inside other requests (the auth hook): never behind a write.
  return !/^\/app\/installations\/[^/]+\/access_tokens$/.test(pathname);
}

/** The Octokit plugin (`ProbotOctokit.plugin(serialWrites)`). */
export function serialWrites(octokit: Octokit, options: { auth?: unknown }): Record<string, never> {
  const installation = (options.auth as { installationId?: number | string } | undefined)
    ?.installationId;
  const key = installation === undefined ? "app" : `installation:${installation}`;
  octokit.hook.wrap("request", (request, requestOptions) =>
    isSerialWrite(requestOptions.method, requestOptions.url)
      ? locks.run(key, async () => request(requestOptions))
      : request(requestOptions),
  );
  return {};
}

/**
 * Holds `gate` (the cluster's per-installation write lock) around every content-creating request
 * of this Octokit: registered last, it wraps the throttling and the process lock, so it is held
 * through rate-limit retries too.
 */
export function gateWrites<T extends Pick<Octokit, "hook">>(
  octokit: T,
  gate: WriteGate | undefined,
  installationId: number,
): T {
  if (!gate) return octokit;
  octokit.hook.wrap("request", (request, options) =>
    isSerialWrite(options.method, options.url)
      ? gate.run(installationId, async () => request(options))
      : request(options),
  );
  return octokit;
}
