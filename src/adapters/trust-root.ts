/**
 * The trusted root for attestation verification: `UV_PIN_BOT_TRUSTED_ROOT` (a file) when set;
 * otherwise the public-good root refreshed through TUF from Sigstore's repository when the network
 * allows (once per process, bounded by a timeout), falling back to the root embedded in
 * `@sigstore/tuf` when it does not. `UV_PIN_BOT_TUF=off` skips the refresh.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { DEFAULT_MIRROR_URL, getTrustedRoot } from "@sigstore/tuf";
import { toTrustMaterial } from "@sigstore/verify";
import { resolveTrustMaterial, type TrustMaterial } from "./sigstore-verify.js";

export const TUF_MIRROR = DEFAULT_MIRROR_URL;

export interface TrustRoot {
  material: TrustMaterial;
  source: "file" | "tuf" | "embedded";
  /** Why the refresh did not happen, when it was tried and failed. */
  warning: string | null;
}

export interface TrustRootOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** For tests: the TUF client call. */
  fetchRoot?: (options: { cachePath: string; timeout: number }) => Promise<TrustedRoot>;
  /** Ask TUF again instead of taking this process's earlier answer (a timed refresh). */
  fresh?: boolean;
}

let refreshed: Promise<TrustRoot> | undefined;

/** The trust root for this process (refreshed at most once). */
export function trustRoot(options: TrustRootOptions = {}): Promise<TrustRoot> {
  const env = options.env ?? process.env;
  if (env.UV_PIN_BOT_TRUSTED_ROOT) {
    return Promise.resolve({
      material: resolveTrustMaterial({ env }),
      source: "file",
      warning: null,
    });
  }
  if (env.UV_PIN_BOT_TUF === "off") {
    return Promise.resolve({
      material: resolveTrustMaterial({ env }),
      source: "embedded",
      warning: null,
    });
  }
  if (!options.fetchRoot && !options.fresh && refreshed) return refreshed;
  const attempt = refresh(env, options);
  if (!options.fetchRoot && !options.fresh) refreshed = attempt;
  return attempt;
}

async function refresh(env: NodeJS.ProcessEnv, options: TrustRootOptions): Promise<TrustRoot> {
  const timeout = options.timeoutMs ?? 5000;
  const cachePath = env.UV_PIN_BOT_TUF_CACHE || join(tmpdir(), "uv-pin-bot-tuf");
  const fetchRoot =
    options.fetchRoot ??
    ((o: { cachePath: string; timeout: number }) =>
      getTrustedRoot({
        mirrorURL: TUF_MIRROR,
        cachePath: o.cachePath,
        timeout: o.timeout,
        retry: false,
      }));
  let timer: NodeJS.Timeout | undefined;
  try {
    const root = await Promise.race([
      fetchRoot({ cachePath, timeout }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
        timer.unref();
      }),
    ]);
    return {
      material: toTrustMaterial(TrustedRoot.fromJSON(TrustedRoot.toJSON(root))),
      source: "tuf",
      warning: null,
    };
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return {
      material: resolveTrustMaterial({ env }),
      source: "embedded",
      warning: `the trusted root could not be refreshed from ${TUF_MIRROR} (${why}); using the root embedded in @sigstore/tuf`,
    };
  } finally {
    clearTimeout(timer);
  }
}
