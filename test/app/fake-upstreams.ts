/**
 * In-memory upstreams for the app's tests: uv's releases, the `ghcr.io/astral-sh/uv` registry and
 * GitHub's artifact attestations, implementing exactly the methods the repository run uses
 * (`registry.tags/digest/manifest/platforms/platformOf/versionLabel`, `releases.list/checksum`,
 * `attestations.list`, `cache`, `http.stats`). The registry client itself is tested against a real
 * registry (test/registry, test/check-update.test.ts); here the point is the app's GitHub side.
 *
 * Attestations are REAL Sigstore bundles from the test instance (test/sigstore), verified by the
 * app with `trustMaterial` as in production, for every digest or checksum not marked `unattested`.
 */
import { createHash } from "node:crypto";
import { MemoryCache } from "../../src/adapters/cache.js";
import type { IndexEntry, Manifest, Platform } from "../../src/adapters/oci-registry.js";
import type { TrustMaterial } from "../../src/adapters/sigstore-verify.js";
import type { Upstreams } from "../../src/adapters/upstreams.js";
import type { Release } from "../../src/core/types.js";
import { UpstreamError } from "../../src/errors.js";
import { createTestInstance, type TestInstance } from "../sigstore/signer.js";
import { attestationsResponse, subject } from "../sigstore/variants.js";
import { trustMaterialOf } from "../sigstore/verify.js";

export const UV_IMAGE = "ghcr.io/astral-sh/uv";
const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];

export const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** The multi-arch index digest the fake registry serves for a tag (deterministic). */
export const indexDigest = (tag: string, image = UV_IMAGE) => sha256(`index ${image}:${tag}`);
/** One platform's manifest digest under a tag. */
export const platformDigest = (tag: string, p: Platform, image = UV_IMAGE) =>
  sha256(`manifest ${image}:${tag} ${p.os}/${p.architecture}`);
/** What `https://astral.sh/uv/{version}/install.sh` serves. */
export const installerText = (version: string) => `#!/bin/sh\n# uv ${version} installer\n`;
/** The release archives a Dockerfile may check per architecture, and what each serves. */
export const ARCHIVES = [
  "uv-x86_64-unknown-linux-gnu.tar.gz",
  "uv-aarch64-unknown-linux-gnu.tar.gz",
] as const;
export const archiveText = (version: string, asset: string) => `uv ${version} ${asset}\n`;
/** The release's `dist-manifest.json` (what a version-only pin is verified by). */
export const distManifestText = (version: string) =>
  JSON.stringify({ announcement_tag: version, releases: [] });
/** The commit uv's release tag `{version}` points to (attestations are signed with it). */
export const releaseCommit = (version: string) =>
  createHash("sha1").update(`uv release ${version}`).digest("hex");

export interface PublishOptions {
  /** Publication time (ISO); default `now` minus `daysAgo` days. */
  publishedAt?: string;
  daysAgo?: number;
  notes?: string;
  /** Extra tags under the image (besides `{version}`), e.g. `0.9.18-python3.12-bookworm-slim`. */
  tags?: string[];
}

export interface CallCounts {
  tags: number;
  digest: number;
  manifest: number;
  platforms: number;
  platformOf: number;
  versionLabel: number;
  releases: number;
  checksum: number;
  attestations: number;
  releaseCommits: number;
}

export class FakeUpstreams {
  readonly releases: Release[] = [];
  /** image → tag → index digest. */
  readonly images = new Map<string, Map<string, string>>();
  /** index digest → its platform entries; platform digest → its platform. */
  private readonly indexes = new Map<string, { image: string; tag: string; version: string }>();
  private readonly platformsByDigest = new Map<string, Platform>();
  /** Digests and checksums GitHub has no attestation for. */
  readonly unattested = new Set<string>();
  /** Upstream calls made, by method (each also counts in `http.stats.requests`). */
  readonly calls: CallCounts = {
    tags: 0,
    digest: 0,
    manifest: 0,
    platforms: 0,
    platformOf: 0,
    versionLabel: 0,
    releases: 0,
    checksum: 0,
    attestations: 0,
    releaseCommits: 0,
  };
  /** digest → the uv version whose release built it (its attestation names that release's commit). */
  readonly versionOf = new Map<string, string>();
  /** Make `releases.list()` fail (an outage) while set. */
  releasesDown: Error | null = null;
  /** Make `attestations.list()` fail (a 502, a rate limit) while set. */
  attestationsDown: Error | null = null;
  readonly cache = new MemoryCache();
  readonly http = { stats: { requests: 0, retries: 0, byOrigin: new Map<string, number>() } };
  private readonly signed = new Map<string, unknown[]>();

  private constructor(
    readonly sigstore: TestInstance,
    readonly trustMaterial: TrustMaterial,
    private readonly now: () => Date,
  ) {}

  static async create(now: () => Date): Promise<FakeUpstreams> {
    const sigstore = await createTestInstance();
    return new FakeUpstreams(sigstore, trustMaterialOf(sigstore.trustedRoot), now);
  }

  /**
   * Publishes a uv release: the GitHub release (notes, an installer asset with its digest) and
   * the image tags `{version}` plus `tags`. Releases are listed newest version first.
   */
  publish(version: string, options: PublishOptions = {}): Release {
    const publishedAt =
      options.publishedAt ??
      new Date(this.now().getTime() - (options.daysAgo ?? 1) * 86_400_000).toISOString();
    const release: Release = {
      version,
      publishedAt,
      prerelease: false,
      url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
      notes: options.notes ?? `## ${version}\n\n- Changes in ${version}`,
      assets: [
        {
          name: "uv-installer.sh",
          digest: sha256(installerText(version)),
          url: `https://github.com/astral-sh/uv/releases/download/${version}/uv-installer.sh`,
        },
        {
          name: "dist-manifest.json",
          digest: sha256(distManifestText(version)),
          url: `https://github.com/astral-sh/uv/releases/download/${version}/dist-manifest.json`,
        },
        ...ARCHIVES.map((name) => ({
          name,
          digest: sha256(archiveText(version, name)),
          url: `https://github.com/astral-sh/uv/releases/download/${version}/${name}`,
        })),
      ],
    };
    for (const name of ARCHIVES) this.versionOf.set(sha256(archiveText(version, name)), version);
    this.versionOf.set(sha256(installerText(version)), version);
    this.versionOf.set(sha256(distManifestText(version)), version);
    this.releases.push(release);
    this.releases.sort((a, b) => compare(b.version, a.version));
    for (const tag of [version, ...(options.tags ?? [])]) this.tag(UV_IMAGE, tag, version);
    return release;
  }

  /** Points `image:tag` at a fresh index (e.g. a rebuilt tag: same version, new digest). */
  tag(image: string, tag: string, version: string, salt = ""): string {
    const digest = salt ? sha256(`index ${image}:${tag} ${salt}`) : indexDigest(tag, image);
    const tags = this.images.get(image) ?? new Map<string, string>();
    this.images.set(image, tags);
    tags.set(tag, digest);
    this.indexes.set(digest, { image, tag, version });
    this.versionOf.set(digest, version);
    for (const p of PLATFORMS) this.platformsByDigest.set(platformDigest(tag, p, image), p);
    return digest;
  }

  /** The index digest of `image:tag` now. */
  digestOf(tag: string, image = UV_IMAGE): string {
    const digest = this.images.get(image)?.get(tag);
    if (!digest) throw new Error(`no tag ${image}:${tag}`);
    return digest;
  }

  private count(what: keyof CallCounts, origin: string) {
    this.calls[what]++;
    this.http.stats.requests++;
    this.http.stats.byOrigin.set(origin, (this.http.stats.byOrigin.get(origin) ?? 0) + 1);
  }

  /** What `createApp({ upstreams })` takes. */
  asUpstreams(): Upstreams {
    const notFound = (what: string) =>
      Object.assign(new Error(`registry: ${what} not found`), { code: "not-found" });
    const registry = {
      tags: async (image: string) => {
        this.count("tags", "https://ghcr.io");
        const tags = this.images.get(image);
        if (!tags) throw notFound(image);
        return [...tags.keys()].sort();
      },
      digest: async (image: string, reference: string) => {
        this.count("digest", "https://ghcr.io");
        const digest = reference.startsWith("sha256:")
          ? reference
          : this.images.get(image)?.get(reference);
        if (!digest) throw notFound(`${image}:${reference}`);
        return { digest, mediaType: this.indexes.has(digest) ? INDEX : MANIFEST };
      },
      manifest: async (image: string, reference: string): Promise<Manifest> => {
        this.count("manifest", "https://ghcr.io");
        const digest = reference.startsWith("sha256:")
          ? reference
          : this.images.get(image)?.get(reference);
        const index = digest ? this.indexes.get(digest) : undefined;
        if (!digest || !index) throw notFound(`${image}@${reference}`);
        return { digest, mediaType: INDEX, json: { manifests: this.entries(index) } };
      },
      platforms: async (image: string, reference: string): Promise<IndexEntry[]> => {
        this.count("platforms", "https://ghcr.io");
        const digest = reference.startsWith("sha256:")
          ? reference
          : this.images.get(image)?.get(reference);
        const index = digest ? this.indexes.get(digest) : undefined;
        if (!index) throw notFound(`${image}@${reference}`);
        return this.entries(index);
      },
      platformOf: async (_image: string, digest: string): Promise<Platform | null> => {
        this.count("platformOf", "https://ghcr.io");
        if (this.indexes.has(digest)) return null;
        const platform = this.platformsByDigest.get(digest);
        if (!platform) throw notFound(digest);
        return platform;
      },
      versionLabel: async (_image: string, reference: string) => {
        this.count("versionLabel", "https://ghcr.io");
        return this.indexes.get(reference)?.version ?? null;
      },
    };
    const releases = {
      // Not cached (production caches 10 minutes): a release published mid-test is seen.
      list: async () => {
        this.count("releases", "https://api.github.com");
        if (this.releasesDown) throw this.releasesDown;
        return this.releases.map((r) => ({ ...r, assets: r.assets.map((a) => ({ ...a })) }));
      },
      checksum: async (url: string, assetDigest: string | null) => {
        this.count("checksum", "https://astral.sh");
        const archive = /\/releases\/download\/(\d+\.\d+\.\d+)\/([^/]+)$/.exec(url);
        const version = /\/uv\/(\d+\.\d+\.\d+)\//.exec(url)?.[1] ?? archive?.[1];
        if (!version) throw new Error(`${url}: not found`);
        const checksum = (ARCHIVES as readonly string[]).includes(archive?.[2] ?? "")
          ? sha256(archiveText(version, archive?.[2] as string))
          : sha256(installerText(version));
        if (assetDigest !== null && assetDigest !== checksum)
          throw new Error(`${url} serves ${checksum}, the release asset says ${assetDigest}`);
        return { checksum, assetDigest };
      },
    };
    const attestations = {
      list: async (digest: string) => {
        this.count("attestations", "https://api.github.com");
        if (this.attestationsDown) throw this.attestationsDown;
        if (this.unattested.has(digest)) return [];
        let bundles = this.signed.get(digest);
        if (!bundles) {
          const version = this.versionOf.get(digest);
          const bundle = this.sigstore.signAttestation({
            subjects: [subject(digest)],
            identity: version ? { sourceCommit: releaseCommit(version) } : {},
          });
          bundles = attestationsResponse([bundle]).attestations.map((a) => a.bundle);
          this.signed.set(digest, bundles);
        }
        return bundles;
      },
    };
    const releaseCommits = {
      commitOf: async (repository: string, tag: string) => {
        this.count("releaseCommits", "https://api.github.com");
        if (repository !== "astral-sh/uv" || !this.releases.some((r) => r.version === tag))
          throw new UpstreamError(
            "not-found",
            `${repository} tag ${tag}: not found (404)`,
            "",
            404,
          );
        return releaseCommit(tag);
      },
    };
    return {
      http: this.http,
      cache: this.cache,
      registry,
      releases,
      attestations,
      releaseCommits,
    } as unknown as Upstreams;
  }

  private entries(index: { image: string; tag: string }): IndexEntry[] {
    return PLATFORMS.map((platform) => ({
      digest: platformDigest(index.tag, platform, index.image),
      mediaType: MANIFEST,
      platform,
    }));
  }
}

function compare(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
