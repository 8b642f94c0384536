/**
 * Graceful shutdown, owned by the app (so `docker stop` works with or without an init as PID 1):
 * on SIGTERM or SIGINT the registered hooks run in three phases, all within one bound:
 *
 * 1. `stop`  — stop taking new work (the cron, a queue worker's intake); should be quick;
 * 2. `drain` — finish running work (the HTTP server closes and waits for in-flight deliveries,
 *              the app waits for sweeps and repository runs, a worker finishes or hands back jobs);
 * 3. `close` — release connections (Redis).
 *
 * Hooks of one phase run at once. When the bound passes, the hooks still running are named in a
 * warning and the process exits anyway: their work is handed back (GitHub shows the delivery as
 * failed and it can be redelivered; the next sweep picks the repository up again). Exit code 0
 * (stopped, on time or after handing work back), 1 when a hook failed; a second signal while
 * stopping exits at once with 1.
 *
 * ```ts
 * const shutdown = new ShutdownRegistry();
 * shutdown.register("bullmq worker", () => worker.close(), "drain");
 * shutdown.register("redis", () => connection.quit(), "close");
 * ```
 */

export type ShutdownPhase = "stop" | "drain" | "close";
export const SHUTDOWN_PHASES: readonly ShutdownPhase[] = ["stop", "drain", "close"];

/** Default bound: inside Docker's and Kubernetes' default grace periods (10 s and 30 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000;

export type ShutdownHook = () => unknown;

export interface ShutdownResult {
  /** Hooks that finished, in order of finishing. */
  finished: string[];
  /** Hooks still running when the bound passed (their work is handed back). */
  unfinished: string[];
  failed: { name: string; error: unknown }[];
}

interface Registered {
  name: string;
  hook: ShutdownHook;
  phase: ShutdownPhase;
}

export class ShutdownRegistry {
  private readonly hooks: Registered[] = [];
  private running: Promise<ShutdownResult> | undefined;

  /** Adds a hook; returns a function that removes it again (e.g. when a component closes itself). */
  register(name: string, hook: ShutdownHook, phase: ShutdownPhase = "drain"): () => void {
    const entry: Registered = { name, hook, phase };
    this.hooks.push(entry);
    return () => {
      const at = this.hooks.indexOf(entry);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** Names of the registered hooks, by phase (for logs and tests). */
  names(phase?: ShutdownPhase): string[] {
    return this.hooks.filter((h) => phase === undefined || h.phase === phase).map((h) => h.name);
  }

  /** Whether `run` has been called (components may refuse new work once it has). */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  /** Runs every hook, phase by phase, within `timeoutMs`; once only (later calls share the result). */
  run(timeoutMs: number): Promise<ShutdownResult> {
    this.running ??= this.runOnce(timeoutMs);
    return this.running;
  }

  private async runOnce(timeoutMs: number): Promise<ShutdownResult> {
    const result: ShutdownResult = { finished: [], unfinished: [], failed: [] };
    const deadline = Date.now() + timeoutMs;
    for (const phase of SHUTDOWN_PHASES) {
      const hooks = this.hooks.filter((h) => h.phase === phase);
      if (hooks.length === 0) continue;
      const pending = new Set(hooks.map((h) => h.name));
      const all = Promise.all(
        hooks.map(async ({ name, hook }) => {
          try {
            await hook();
            result.finished.push(name);
          } catch (error) {
            result.failed.push({ name, error });
          } finally {
            pending.delete(name);
          }
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<"expired">((resolve) => {
        timer = setTimeout(() => resolve("expired"), Math.max(0, deadline - Date.now()));
      });
      const outcome = await Promise.race([all, expired]);
      clearTimeout(timer);
      if (outcome === "expired") {
        // Later phases are not started: exiting closes their connections anyway.
        result.unfinished.push(...pending);
        for (const later of SHUTDOWN_PHASES.slice(SHUTDOWN_PHASES.indexOf(phase) + 1))
          result.unfinished.push(...this.names(later));
        return result;
      }
    }
    return result;
  }
}

/** `UV_PIN_BOT_SHUTDOWN_TIMEOUT` (seconds, > 0) or the default, in milliseconds. */
export function shutdownTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.UV_PIN_BOT_SHUTDOWN_TIMEOUT?.trim();
  if (!raw) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(
      `UV_PIN_BOT_SHUTDOWN_TIMEOUT must be a number of seconds greater than 0, got "${raw}"`,
    );
  return Math.round(seconds * 1000);
}

export interface SignalOptions {
  timeoutMs: number;
  /** One line per event (the app's logger in production). */
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** Default `process.exit`. */
  exit?: (code: number) => void;
  /** Default `process` (tests pass an EventEmitter). */
  target?: Pick<NodeJS.Process, "on" | "off" | "listeners">;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Takes over SIGTERM and SIGINT: the first runs the registry and exits (0, or 1 when a hook
 * failed), a second exits at once with 1. Returns a function that removes the handlers.
 */
export function handleSignals(registry: ShutdownRegistry, options: SignalOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.target ?? process;
  const signals = options.signals ?? (["SIGTERM", "SIGINT"] as const);
  const { log, timeoutMs } = options;
  const onSignal = (signal: NodeJS.Signals) => {
    if (registry.stopping) {
      log.warn(`uv-pin-bot: ${signal} again while stopping; exiting now`);
      exit(1);
      return;
    }
    log.info(
      `uv-pin-bot: ${signal}: stopping (no new work; running work has ${timeoutMs / 1000} s to finish)`,
    );
    void registry.run(timeoutMs).then((result) => {
      for (const { name, error } of result.failed)
        log.error(`uv-pin-bot: stopping ${name} failed: ${oneLine(error)}`);
      if (result.unfinished.length > 0)
        log.warn(
          `uv-pin-bot: ${result.unfinished.join(", ")} did not finish within ${timeoutMs / 1000} s; their work is handed back`,
        );
      log.info("uv-pin-bot: stopped");
      exit(result.failed.length > 0 ? 1 : 0);
    });
  };
  for (const signal of signals) target.on(signal, onSignal);
  return () => {
    for (const signal of signals) target.off(signal, onSignal);
  };
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
