/**
 * The CLI in process for tests: `runCli(argv, io)` captures its output as `{code, out, err}`;
 * `offlineCli()` registers the hooks of a test file whose upstreams are all under nock (no
 * network, a Sigstore test instance whose root the CLI trusts, nock cleaned before each test) and
 * returns a runner whose upstreams reach only what nock answers, without retry waits.
 */
import { createHash } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createUpstreams } from "../src/adapters/upstreams.js";
import type { Io } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { createTestInstance, type TestInstance } from "./sigstore/signer.js";
import { trustMaterialOf } from "./sigstore/verify.js";

export const NOW = new Date("2026-11-28T12:00:00Z");
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
export const sha = (bytes: string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
/** The commit uv's release tag `v` points to: its attestations name it (Fulcio 1.13). */
export const commitOf = (v: string) => createHash("sha1").update(`uv ${v}`).digest("hex");
export const DOWNLOAD = "https://github.com/astral-sh/uv/releases/download";

/** A uv release for `releasesResponse`: version, age in days, assets by name → their bytes. */
export interface TestRelease {
  v: string;
  age: number;
  assets?: Record<string, string>;
}

/** GitHub's listing of uv's releases: each asset's `digest` is the sha256 of its bytes. */
export function releasesResponse(releases: readonly TestRelease[]) {
  return releases.map(({ v, age, assets }) => ({
    tag_name: v,
    draft: false,
    prerelease: false,
    published_at: daysAgo(age),
    html_url: `https://github.com/astral-sh/uv/releases/tag/${v}`,
    body: `## ${v}\n- changes`,
    assets: Object.entries(assets ?? {}).map(([name, bytes]) => ({
      name,
      digest: sha(bytes),
      browser_download_url: `${DOWNLOAD}/${v}/${name}`,
    })),
  }));
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `uv-pin-bot argv` in process; `io` gives its environment, clock and upstreams. */
export async function runCli(argv: string[], io: Omit<Io, "out" | "err"> = {}): Promise<CliResult> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    ...io,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

/** The `Io` of a test run: `env`, the test clock, upstreams built from `env` without retry waits. */
export function testIo(
  env: Record<string, string>,
  sigstore: TestInstance,
  now: Date = NOW,
): Omit<Io, "out" | "err"> {
  return {
    env,
    now: () => now,
    upstreams: createUpstreams({ env, http: { sleep: async () => undefined } }),
    trustMaterial: trustMaterialOf(sigstore.trustedRoot),
  };
}

export interface OfflineCli {
  /** The Sigstore test instance (once `beforeAll` ran). */
  readonly sigstore: TestInstance;
  cli(argv: string[], env?: Record<string, string>): Promise<CliResult>;
}

/** Hooks for a file whose upstreams are all under nock; see the module comment. */
export function offlineCli(): OfflineCli {
  let sigstore: TestInstance | undefined;
  beforeAll(async () => {
    sigstore = await createTestInstance();
    nock.disableNetConnect();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    nock.cleanAll();
  });
  const started = () => {
    if (!sigstore) throw new Error("offlineCli() runs in a describe block's hooks");
    return sigstore;
  };
  return {
    get sigstore() {
      return started();
    },
    cli: (argv, env = {}) => runCli(argv, testIo(env, started())),
  };
}
