/** What a CLI command reads and writes: its output streams, environment, clock and upstreams. */
import type { TrustMaterial } from "../adapters/sigstore-verify.js";
import type { Upstreams } from "../adapters/upstreams.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The environment (UV_PIN_BOT_ORIGINS, GITHUB_API_URL, GITHUB_TOKEN); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The clock, for release ages; default now. */
  now?: () => Date;
  /** Upstream adapters; default built from `env`. */
  upstreams?: CliUpstreams;
  /** Trust material for attestations; default `UV_PIN_BOT_TRUSTED_ROOT` or the public-good root. */
  trustMaterial?: TrustMaterial;
}

export type CliUpstreams = Pick<
  Upstreams,
  "registry" | "releases" | "attestations" | "cache" | "releaseCommits"
>;
