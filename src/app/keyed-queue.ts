/**
 * Runs tasks one at a time per key (a repository), so that a comment racing a sweep, or a
 * redelivered webhook, never works on one repository twice at once. Keys are forgotten when idle.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.tails.size;
  }

  /** Resolves once no task runs or waits (tasks added meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

/**
 * Remembers the webhook deliveries that were handled (bounded), so that a redelivery of one that
 * finished is not handled again. A delivery is recorded only when its handling FINISHED: one that
 * failed (GitHub shows it failed; someone presses "Redeliver") runs again, and a copy that arrives
 * while the first is still running waits for it and runs only if it failed.
 */
export class DeliveryLog {
  private readonly done = new Set<string>();
  private readonly running = new Map<string | symbol, Promise<unknown>>();

  constructor(private readonly limit = 10_000) {}

  /** Runs `task` for delivery `id` unless a delivery with that id already finished. */
  async handle(id: string | undefined, task: () => Promise<void>): Promise<void> {
    if (!id) {
      const run = task();
      const key = Symbol("delivery without id");
      this.running.set(key, run);
      return run.finally(() => this.running.delete(key));
    }
    for (;;) {
      if (this.done.has(id)) return;
      const running = this.running.get(id);
      if (!running) break;
      await running.catch(() => undefined);
    }
    const run = task();
    this.running.set(id, run);
    try {
      await run;
      this.remember(id);
    } finally {
      this.running.delete(id);
    }
  }

  /** Deliveries being handled now. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves once no delivery is being handled (failed ones count as done here). */
  async idle(): Promise<void> {
    while (this.running.size > 0)
      await Promise.all([...this.running.values()].map((run) => run.catch(() => undefined)));
  }

  /** Whether delivery `id` finished. */
  finished(id: string): boolean {
    return this.done.has(id);
  }

  private remember(id: string): void {
    this.done.add(id);
    if (this.done.size > this.limit) {
      const oldest = this.done.values().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}
