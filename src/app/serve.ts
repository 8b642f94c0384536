/**
 * Serves the app the way `npm start` and the image do: Probot's `run()` (which reads APP_ID,
 * PRIVATE_KEY, WEBHOOK_SECRET, HOST, PORT, LOG_LEVEL, … from the environment), then the app takes
 * over SIGTERM and SIGINT (src/app/shutdown.ts) — Probot's own SIGINT handler exits at once and
 * is removed — and logs the address the server really bound.
 */
import { type ApplicationFunction, run } from "probot";
import { appOctokit } from "./github-client.js";
import { handleSignals, type ShutdownRegistry, shutdownTimeoutMs } from "./shutdown.js";

type LineLog = { info(m: string): void; warn(m: string): void; error(m: string): void };

export interface Served {
  /** The bound address as the socket reports it, e.g. `0.0.0.0` or `[::1]`. */
  host: string;
  port: number;
}

export async function serve(
  appFn: ApplicationFunction,
  shutdown: ShutdownRegistry,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Served> {
  const timeoutMs = shutdownTimeoutMs(env);
  // The app's logger once Probot loaded the app (not in the set-up flow, which never loads it).
  let appLog: LineLog | undefined;
  const log: LineLog = {
    info: (m) => (appLog ? appLog.info(m) : console.info(m)),
    warn: (m) => (appLog ? appLog.warn(m) : console.warn(m)),
    error: (m) => (appLog ? appLog.error(m) : console.error(m)),
  };
  const loaded: ApplicationFunction = (app, options) => {
    appLog = app.log;
    return appFn(app, options);
  };

  const before = new Set(process.listeners("SIGINT"));
  // The app's Octokit: GitHub's rate limits retried after `retry-after` (github-client.ts).
  const server = await run(loaded, { Octokit: appOctokit() });
  for (const listener of process.listeners("SIGINT"))
    if (!before.has(listener)) process.off("SIGINT", listener);

  // Stops accepting connections at once; resolves when in-flight requests have been answered.
  shutdown.register("http server", () => server.stop(), "drain");
  handleSignals(shutdown, { timeoutMs, log });
  log.info(`uv-pin-bot: listening on ${server.host}:${server.port}`);
  return { host: server.host, port: server.port };
}
