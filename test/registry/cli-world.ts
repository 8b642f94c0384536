/**
 * The set-up shared by the CLI's end-to-end tests against a real registry: docker-registry on
 * 127.0.0.1 reached as ghcr.io through `UV_PIN_BOT_ORIGINS`, seeded with uv images (each digest
 * remembered with the uv version it was built for), a Sigstore test instance whose bundles GitHub's
 * attestations API (nock) returns for every digest asked about, uv's releases under nock, a fresh
 * repository directory per test, and `cli()` running `main` in process.
 *
 * Call `cliWorld()` inside `describeWithRegistry`: it registers its own beforeAll / afterAll /
 * beforeEach hooks. `mockReleases()` answers the listing of uv's releases (with the assets given,
 * each digest the sha256 of its bytes) and the release tags' commits; `mockAttestations()` signs a
 * bundle for every digest asked about (at the commit of the release that built it) but the
 * `unattested` ones; `mockGitHub()` is both.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import nock from "nock";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  type CliResult,
  commitOf,
  DOWNLOAD,
  daysAgo,
  NOW,
  releasesResponse,
  runCli,
  sha,
  type TestRelease,
  testIo,
} from "../cli-run.js";
import type { IdentityOptions } from "../sigstore/fulcio.js";
import { createTestInstance, type TestInstance } from "../sigstore/signer.js";
import { attestationsResponse, subject } from "../sigstore/variants.js";
import { type SeededImage, startRegistry, type TestRegistry } from "./harness.js";

export { commitOf, DOWNLOAD, daysAgo, NOW, sha };

export interface WorldOptions {
  /** uv releases, newest first: version, age in days, and assets by name → their bytes. */
  releases: TestRelease[];
  /**
   * Tags to seed under `astral-sh/uv` (multi-arch, labelled with the version): tag → the uv
   * version it is built for, with BuildKit's attestation manifests unless `attestations: false`.
   */
  tags: Record<string, string | { version: string; attestations?: boolean }>;
  /** More tags on seeded images: new tag → the seeded tag it points at (`latest` → `0.10.1`). */
  aliases?: Record<string, string>;
}
export type { CliResult };

export interface CliWorld {
  readonly registry: TestRegistry;
  readonly sigstore: TestInstance;
  /** Seeded tag → its image. */
  readonly seeded: Record<string, SeededImage>;
  /** The repository directory of the running test. */
  readonly repo: string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  /** Runs the CLI; `env` adds to `UV_PIN_BOT_ORIGINS=https://ghcr.io=<registry>` (origins joined). */
  cli(argv: string[], env?: { origins?: string[] }): Promise<CliResult>;
  /** Digest (image, asset) → the uv version whose release built it (what attestations say). */
  readonly versionOf: Map<string, string>;
  /** uv's releases (one listing, or every one with `persist`) and the release tags' commits. */
  mockReleases(options?: { persist?: boolean }): void;
  /** Attestations for every digest asked about but `unattested` (404), signed with `identity`. */
  mockAttestations(
    unattested?: ReadonlySet<string>,
    identity?: (digest: string) => IdentityOptions,
  ): void;
  /** `mockReleases()` and `mockAttestations()`. */
  mockGitHub(): void;
}

export function cliWorld(options: WorldOptions): CliWorld {
  let registry: TestRegistry | undefined;
  let sigstore: TestInstance | undefined;
  let repo = "";
  const seeded: Record<string, SeededImage> = {};
  const versionOf = new Map<string, string>();

  beforeAll(async () => {
    registry = await startRegistry();
    sigstore = await createTestInstance();
    for (const [tag, spec] of Object.entries(options.tags)) {
      const { version, attestations = true } = typeof spec === "string" ? { version: spec } : spec;
      const image = await registry.seedImage("astral-sh/uv", tag, {
        attestations,
        labels: { "org.opencontainers.image.version": version },
      });
      seeded[tag] = image;
      versionOf.set(image.digest, version);
    }
    for (const [tag, of] of Object.entries(options.aliases ?? {})) {
      const image = seeded[of];
      if (!image) throw new Error(`alias ${tag}: ${of} is not seeded`);
      await registry.tag("astral-sh/uv", image.digest, tag);
    }
    for (const { v, assets } of options.releases)
      for (const bytes of Object.values(assets ?? {})) versionOf.set(sha(bytes), v);
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
  }, 60_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await registry?.stop();
  });

  beforeEach(() => {
    nock.cleanAll();
    registry?.resetCounts();
    repo = mkdtempSync(join(tmpdir(), "uv-pin-bot-world-"));
    return () => rmSync(repo, { recursive: true, force: true });
  });

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (use cliWorld in a describe)`);
    return value;
  };

  return {
    get registry() {
      return need(registry, "the registry");
    },
    get sigstore() {
      return need(sigstore, "the Sigstore instance");
    },
    seeded,
    get repo() {
      return repo;
    },
    write(rel, text) {
      mkdirSync(dirname(join(repo, rel)), { recursive: true });
      writeFileSync(join(repo, rel), text);
    },
    read(rel) {
      return readFileSync(join(repo, rel), "utf8");
    },
    cli(argv, env = {}) {
      const origins = [
        `https://ghcr.io=${need(registry, "the registry").origin}`,
        ...(env.origins ?? []),
      ];
      const vars = { UV_PIN_BOT_ORIGINS: origins.join(",") };
      return runCli(argv, testIo(vars, need(sigstore, "the Sigstore instance")));
    },
    versionOf,
    mockReleases({ persist = false } = {}) {
      const api = nock("https://api.github.com");
      if (persist) api.persist();
      api
        .get("/repos/astral-sh/uv/releases")
        .query(true)
        .reply(200, releasesResponse(options.releases));
      nock("https://api.github.com")
        .persist()
        .get(/^\/repos\/astral-sh\/uv\/git\/ref\/tags\/\d+\.\d+\.\d+$/)
        .reply((uri) => {
          const v = uri.split("/").at(-1) as string;
          return [200, { ref: `refs/tags/${v}`, object: { type: "commit", sha: commitOf(v) } }];
        });
    },
    mockAttestations(
      unattested = new Set<string>(),
      identity = (digest: string) => ({
        sourceCommit: commitOf(versionOf.get(digest) ?? "unknown"),
      }),
    ) {
      const instance = need(sigstore, "the Sigstore instance");
      nock("https://api.github.com")
        .persist()
        .get(/^\/orgs\/astral-sh\/attestations\/sha256:[0-9a-f]{64}$/)
        .query(true)
        .reply((uri) => {
          const digest = /sha256:[0-9a-f]{64}/.exec(uri)?.[0] as string;
          if (unattested.has(digest)) return [404, { message: "Not Found" }];
          const bundle = instance.signAttestation({
            subjects: [subject(digest)],
            identity: identity(digest),
          });
          return [200, attestationsResponse([bundle])];
        });
    },
    mockGitHub() {
      this.mockReleases();
      this.mockAttestations();
    },
  };
}

/**
 * A local HTTP server that stands for a host that must never be contacted: it counts every
 * request and answers 503. Route a host to it with `UV_PIN_BOT_ORIGINS` (`https://host=<origin>`).
 */
export async function startTripwire(): Promise<{
  origin: string;
  requests: string[];
  stop(): Promise<void>;
}> {
  const http = await import("node:http");
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
