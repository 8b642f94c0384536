/**
 * The resolve benchmark: plans updates for N simulated repositories (a few pins each) against a
 * real registry (docker-registry on 127.0.0.1, reached as ghcr.io through UV_PIN_BOT_ORIGINS) and a
 * local releases server, sharing one set of upstream adapters as a sweep does. Prints request
 * counts per distinct tag and per repository, and the time; asserts nothing about time.
 *
 *   npm run bench                       (BENCH_REPOS=1000 by default)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createUpstreams } from "../src/adapters/upstreams.js";
import { mulberry32 } from "../src/bench/corpus.js";
import { scanText } from "../src/core/extract.js";
import { DEFAULT_POLICY } from "../src/core/policy.js";
import type { Pin } from "../src/core/types.js";
import { resolvePlan } from "../src/pipeline/resolve.js";
import { startRegistry } from "../test/registry/harness.js";

const REPOS = Number(process.env.BENCH_REPOS ?? 1000);
const VERSIONS = ["0.9.12", "0.9.13", "0.9.14", "0.9.15", "0.9.16", "0.9.17", "0.10.0", "0.10.1"];
const NOW = new Date("2026-11-28T12:00:00Z");

async function main(): Promise<void> {
  const started = performance.now();
  const registry = await startRegistry();
  const digests = new Map<string, string>();
  for (const v of VERSIONS) {
    const image = await registry.seedImage("astral-sh/uv", v, { attestations: true });
    digests.set(v, image.digest);
    const variant = v.startsWith("0.9.") ? "python3.12-bookworm-slim" : "python3.12-trixie-slim";
    digests.set(
      `${v}-${variant}`,
      (await registry.seedImage("astral-sh/uv", `${v}-${variant}`)).digest,
    );
  }
  await registry.tag("astral-sh/uv", digests.get("0.10.1") as string, ["latest", "0.10"]);
  await registry.tag("astral-sh/uv", digests.get("0.9.17") as string, "0.9");
  const seededMs = performance.now() - started;

  let releaseRequests = 0;
  const releases = VERSIONS.map((v, i) => ({
    tag_name: v,
    draft: false,
    prerelease: false,
    published_at: new Date(NOW.getTime() - (VERSIONS.length - i) * 7 * 86_400_000).toISOString(),
    html_url: `https://github.com/astral-sh/uv/releases/tag/${v}`,
    body: `## ${v}`,
    assets: [
      { name: "uv-installer.sh", browser_download_url: `https://astral.sh/uv/${v}/install.sh` },
    ],
  })).reverse();
  // Also serves the installer downloads (as astral.sh): the resolver hashes what a checksum-less
  // installer URL serves, since that digest is what its attestation is looked up by.
  let downloads = 0;
  const api = createServer((req, res) => {
    if (req.url?.startsWith("/uv/")) downloads++;
    else releaseRequests++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(releases));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  const upstreams = createUpstreams({
    env: {
      UV_PIN_BOT_ORIGINS: `https://ghcr.io=${registry.origin},https://astral.sh=${apiUrl}`,
      GITHUB_API_URL: apiUrl,
    },
  });
  const random = mulberry32(0x5eed2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const repos: Pin[][] = [];
  for (let r = 0; r < REPOS; r++) {
    const v = pick(VERSIONS.slice(0, 6));
    const lines = [
      `FROM ghcr.io/astral-sh/uv:${v}-python3.12-bookworm-slim@${digests.get(`${v}-python3.12-bookworm-slim`)} AS uv`,
      "FROM python:3.12-slim",
      `COPY --from=ghcr.io/astral-sh/uv:${v}@${digests.get(v)} /uv /uvx /bin/`,
      random() < 0.5
        ? `COPY --from=ghcr.io/astral-sh/uv:latest@${digests.get(pick(VERSIONS))} /uv /bin/`
        : "",
      `RUN curl -LsSf https://astral.sh/uv/${v}/install.sh | sh`,
      "",
    ];
    repos.push(scanText("Dockerfile", lines.join("\n")).pins);
  }
  const pins = repos.reduce((n, p) => n + p.length, 0);

  registry.resetCounts();
  const t0 = performance.now();
  let updates = 0;
  let firstRepoRequests = 0;
  for (const [i, repoPins] of repos.entries()) {
    const plan = await resolvePlan(repoPins, upstreams, { ...DEFAULT_POLICY, now: NOW });
    updates += plan.updates.length;
    if (i === 0) firstRepoRequests = registry.requests.length;
  }
  const ms = performance.now() - t0;

  const heads = registry.requests.filter((q) => q.method === "HEAD" && q.status === 200);
  const distinctTags = new Set(heads.map((q) => q.path)).size;
  const gets = registry.requests.filter(
    (q) => q.method === "GET" && q.status === 200 && !q.path.startsWith("/token"),
  );
  const total = registry.requests.length;
  const line = (label: string, value: string | number) => console.log(`${label}: ${value}`);
  line("repositories", REPOS);
  line("pins", pins);
  line("updates planned", updates);
  line("registry seeding", `${seededMs.toFixed(0)} ms`);
  line("distinct tags asked (HEAD)", distinctTags);
  line("HEAD requests", heads.length);
  line(
    "registry requests per distinct tag (target 1)",
    (heads.length / Math.max(1, distinctTags)).toFixed(2),
  );
  line(
    "tags/list requests",
    registry.count({ method: "GET", path: "/v2/astral-sh/uv/tags/list", status: 200 }),
  );
  line(
    "manifest/blob GET requests",
    gets.length - registry.count({ path: /tags\/list/, status: 200 }),
  );
  line("token requests", registry.count({ path: "/token" }));
  line("401 challenges", registry.count({ status: 401 }));
  line("releases requests (target 1)", releaseRequests);
  line("installer downloads (target: 1 per distinct new URL)", downloads);
  line("registry requests, first repository", firstRepoRequests);
  line("registry requests, all repositories", total);
  line(
    "extra registry requests per further repository (target 0)",
    ((total - firstRepoRequests) / Math.max(1, REPOS - 1)).toFixed(3),
  );
  line("resolve time", `${ms.toFixed(0)} ms (${(ms / REPOS).toFixed(2)} ms per repository)`);
  await registry.stop();
  api.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
