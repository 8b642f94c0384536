/**
 * Keeps the trusted root warm for a long-running process: the first load starts when the keeper
 * is made (at app start-up, not inside the first run), and a timer refreshes it. A run asks for
 * the material only when it verifies, and waits only while the first load has not ended. A failed
 * refresh keeps the root it has (a refreshed root is never replaced by the embedded fallback).
 */
import type { TrustMaterial } from "./sigstore-verify.js";
import type { TrustRoot } from "./trust-root.js";

export const TRUST_ROOT_REFRESH_MS = 6 * 60 * 60_000;

export interface TrustRootKeeperOptions {
  /** One load attempt (never rejects: a failure is the embedded root with a warning). */
  load: () => Promise<TrustRoot>;
  /** Interval between refreshes; default 6 hours. */
  refreshMs?: number;
  onWarning?: (warning: string) => void;
}

export class TrustRootKeeper {
  private latest: TrustRoot | null = null;
  private readonly first: Promise<TrustRoot>;
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  /** Load attempts started (the first one and every refresh). */
  loads = 0;

  constructor(private readonly options: TrustRootKeeperOptions) {
    this.first = this.attempt();
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? TRUST_ROOT_REFRESH_MS);
    this.timer.unref();
  }

  /** Whether a root is loaded (a run that verifies now does not wait). */
  get ready(): boolean {
    return this.latest !== null;
  }

  /** The newest root: at once when one is loaded, else when the first load ends. */
  material(): Promise<TrustMaterial> {
    return this.latest ? Promise.resolve(this.latest.material) : this.first.then((r) => r.material);
  }

  /** One more load now (the timer calls this); overlapping calls share one attempt. */
  refresh(): Promise<void> {
    this.refreshing ??= this.attempt().then(
      () => {
        this.refreshing = null;
      },
      () => {
        this.refreshing = null;
      },
    );
    return this.refreshing;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async attempt(): Promise<TrustRoot> {
    this.loads++;
    const root = await this.options.load();
    if (root.warning) this.options.onWarning?.(root.warning);
    // A refreshed (or configured) root is not given up for the embedded one after a failure.
    if (!this.latest || root.source !== "embedded" || this.latest.source === "embedded")
      this.latest = root;
    return root;
  }
}
