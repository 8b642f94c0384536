/**
 * uv's upstreams served locally for the real upstream adapters (src/adapters/upstreams.ts): the
 * image `astral-sh/uv` seeded into the real registry (test/registry/harness.ts), and uv's release
 * list (`GET /repos/astral-sh/uv/releases`) from a small loopback server that counts what it is
 * asked. `upstreamEnv()` is what the app (or the CLI) needs to reach both: ghcr.io rewritten to
 * the registry, the GitHub API for releases at the local server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestRegistry } from "./harness.js";

export const UV_IMAGE = "astral-sh/uv";

export interface UvRelease {
  version: string;
  /** When it was published. */
  publishedAt: Date;
}

/**
 * Seeds `astral-sh/uv:{version}` (an OCI index, two platforms) for each version, and each
 * `{version}-{variant}`; returns tag → index digest.
 */
export async function seedUvImages(
  registry: TestRegistry,
  versions: readonly string[],
  variants: readonly string[] = [],
): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const v of versions) {
    digests.set(v, (await registry.seedImage(UV_IMAGE, v)).digest);
    for (const variant of variants)
      digests.set(
        `${v}-${variant}`,
        (await registry.seedImage(UV_IMAGE, `${v}-${variant}`)).digest,
      );
  }
  return digests;
}

export interface ReleasesServer {
  url: string;
  /** Requests for the release list so far. */
  requests: () => number;
  close(): Promise<void>;
}

/** uv's release list (newest first, as GitHub lists it) on a loopback server. */
export async function serveUvReleases(releases: readonly UvRelease[]): Promise<ReleasesServer> {
  const list = [...releases]
    .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime())
    .map((r) => ({
      tag_name: r.version,
      name: r.version,
      draft: false,
      prerelease: false,
      published_at: r.publishedAt.toISOString(),
      html_url: `https://github.com/astral-sh/uv/releases/tag/${r.version}`,
      body: `## ${r.version}`,
      assets: [
        {
          name: "uv-installer.sh",
          browser_download_url: `https://github.com/astral-sh/uv/releases/download/${r.version}/uv-installer.sh`,
        },
      ],
    }));
  let count = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/repos/astral-sh/uv/releases") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    count++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The environment that points the real upstream adapters at the registry and the releases. */
export function upstreamEnv(registry: TestRegistry, releasesUrl: string): Record<string, string> {
  return {
    UV_PIN_BOT_ORIGINS: `https://ghcr.io=${registry.origin}`,
    GITHUB_API_URL: releasesUrl,
  };
}

/**
 * Registry requests that look a tag up (`HEAD|GET /v2/astral-sh/uv/manifests/{tag}`), by tag:
 * those answered (`status: "answered"`, the default: a 401 challenge that the client answers
 * with a token and the same request again is one lookup), or only the 401 challenges.
 */
export function tagLookups(
  registry: TestRegistry,
  status: "answered" | "challenged" = "answered",
): Map<string, number> {
  const byTag = new Map<string, number>();
  for (const r of registry.requests) {
    const m = /^\/v2\/astral-sh\/uv\/manifests\/([^/?]+)$/.exec(r.path);
    if (!m || (m[1] as string).startsWith("sha256:")) continue;
    if ((r.status === 401) !== (status === "challenged")) continue;
    byTag.set(m[1] as string, (byTag.get(m[1] as string) ?? 0) + 1);
  }
  return byTag;
}
