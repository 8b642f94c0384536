/**
 * The sweep benchmark (issue 11 §3): a clustered sweep of an organisation on a simulated GitHub.
 *
 * - GitHub: the test fake (test/app/fake-github.ts) over loopback HTTP (test/app/github-http.ts)
 *   with `BENCH_SWEEP_LATENCY_MS` per answer (default 50), per-installation rate limits (5,000 +
 *   50 per repository over 20, at most 12,500 an hour) in `x-ratelimit-*` headers, ETag/304.
 * - N repositories over several installations (bench/sweep-corpus.ts: most without uv, some with
 *   1–5 pins at the newest release, a few with older pins → one PR each, a few large trees).
 * - uv's upstreams: the real local registry (docker-registry, test/registry/harness.ts) and a
 *   local release list; attestations off (the org's `.github` configuration).
 * - Redis: a real redis-server on a free port; 1, 2 and 4 worker processes (bench/sweep-worker.ts).
 *
 * Each (N, workers) run: a first sweep, then "a week later" (the rate-limit window renewed, Redis
 * keys that would have expired within a week dropped) a second sweep with nothing changed.
 * Prints wall time, repositories/s, GitHub requests per repository (without and with uv pins),
 * writes per PR, registry requests per distinct tag (whole cluster), peak RSS per process, and
 * for the second sweep requests per repository and the 304s among them; then how cost grows
 * with N. Figures only: nothing here asserts a time.
 *
 *   BENCH_SWEEP_N=100,1000,5000 BENCH_SWEEP_WORKERS=1,2,4 node .bench-build/bench/sweep-bench.js
 *   (defaults: N=200, workers 1,2,4; shares: BENCH_SWEEP_CURRENT/_OUTDATED/_LARGE)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { FakeGitHub, isContentCreating } from "../test/app/fake-github.js";
import { type AnsweredRequest, serveGitHub } from "../test/app/github-http.js";
import { freePort, startRedis } from "../test/redis/server.js";
import { startRegistry, type TestRegistry } from "../test/registry/harness.js";
import {
  type ReleasesServer,
  seedUvImages,
  serveUvReleases,
  tagLookups,
  UV_IMAGE,
  upstreamEnv,
} from "../test/registry/uv-upstream.js";
import { installHint, missingPackages } from "../test/system-packages.js";
import {
  type BenchOrg,
  DEFAULT_SHARES,
  FLOATING,
  generateOrg,
  ORG_CONFIG,
} from "./sweep-corpus.js";

const VERSIONS = ["0.9.14", "0.9.15", "0.9.16", "0.9.17", "0.9.18", "0.10.0", "0.10.1"];
const VARIANT = "python3.12-bookworm-slim";
const WEEK_MS = 7 * 86_400_000;
const LATENCY = Number(process.env.BENCH_SWEEP_LATENCY_MS ?? 50);
const WORKER = fileURLToPath(new URL("./sweep-worker.js", import.meta.url));

const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

interface RepoCount {
  all: number;
  notModified: number;
  writes: number;
  blobs: number;
  /** `METHOD /route` → requests. */
  routes: Map<string, number>;
}

/** A repository path with its variable parts named: `/git/blobs/:sha`, `/contents/:path`. */
function routeOf(rest: string): string {
  return `/repos/:o/:r${rest}`
    .replace(/\/contents\/.*/, "/contents/:path")
    .replace(/\b[0-9a-f]{40}\b/g, ":sha")
    .replace(/\/git\/trees\/[^/]+$/, "/git/trees/:ref")
    .replace(/\/(pulls|issues)\/\d+/, "/$1/:n");
}

interface SweepFigures {
  seconds: number;
  summary: Record<string, number>;
  requests: number;
  /** Requests on each repository's own paths, by repository (`owner/name`). */
  perRepo: Map<string, RepoCount>;
  /** Reads of the org-level config (`{owner}/.github`) made for other repositories. */
  orgConfigReads: number;
  notModified: number;
  rateLimited: number;
  /** Content-creating requests (GitHub's secondary limits), GraphQL mutations included. */
  writes: number;
  tagLookups: Map<string, number>;
  /** 401 challenges and token requests, whole cluster. */
  challenges: number;
  tokenRequests: number;
  releaseRequests: number;
  minRemaining: number;
}

interface RunFigures {
  n: number;
  workers: number;
  installations: number;
  first: SweepFigures;
  second: SweepFigures;
  prs: number;
  workerRssMb: number[];
  load: string;
}

async function main(): Promise<void> {
  const missing = missingPackages(["docker-registry", "openssl", "redis-server"]);
  if (missing.length > 0) {
    console.log(`sweep bench: SKIPPED: ${installHint(missing)}`);
    return;
  }
  const ns = list("BENCH_SWEEP_N", "200");
  const workerCounts = list("BENCH_SWEEP_WORKERS", "1,2,4");
  const shares = {
    current: Number(process.env.BENCH_SWEEP_CURRENT ?? DEFAULT_SHARES.current),
    outdated: Number(process.env.BENCH_SWEEP_OUTDATED ?? DEFAULT_SHARES.outdated),
    large: Number(process.env.BENCH_SWEEP_LARGE ?? DEFAULT_SHARES.large),
  };
  const registry = await startRegistry();
  const digests = await seedUvImages(registry, VERSIONS, [VARIANT]);
  const newest = digests.get(VERSIONS[VERSIONS.length - 1] as string) as string;
  await registry.tag(UV_IMAGE, newest, [...FLOATING]);
  for (const tag of FLOATING) digests.set(tag, newest);
  const now = Date.now();
  const releases = await serveUvReleases(
    VERSIONS.map((version, i) => ({
      version,
      publishedAt: new Date(now - (VERSIONS.length - i) * 9 * 86_400_000),
    })),
  );
  console.log(
    `sweep bench: GitHub latency ${LATENCY} ms; shares: ${shares.current} current pins, ${shares.outdated} outdated (a PR each), ${shares.large} large trees, the rest without uv; attestations off`,
  );
  const runs: RunFigures[] = [];
  try {
    for (const n of ns)
      for (const w of workerCounts) {
        const org = generateOrg(n, VERSIONS, digests, shares);
        const run = await runOnce(org, n, w, registry, releases);
        runs.push(run);
        report(run, org);
      }
    growth(runs);
  } finally {
    await releases.close();
    await registry.stop();
  }
  console.log(
    `sweep bench: simulator process (GitHub, registry front, releases) peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

async function runOnce(
  org: BenchOrg,
  n: number,
  workers: number,
  registry: TestRegistry,
  releases: ReleasesServer,
): Promise<RunFigures> {
  const github = new FakeGitHub(() => new Date(), { intercept: false });
  for (const inst of org.installations) github.addInstallation(inst.id, inst.account);
  for (const inst of org.installations)
    github.addRepo(`${inst.account}/.github`, { files: { ".github/uv-pin-bot.yml": ORG_CONFIG } });
  for (const r of org.repos) github.addRepo(`${r.owner}/${r.name}`, { files: r.files });
  const repoCount = new Map(org.installations.map((i) => [i.id, i.repos + 1]));

  let answers: AnsweredRequest[] = [];
  const http = await serveGitHub(github, {
    latencyMs: LATENCY,
    rateLimit: (id) => Math.min(12_500, 5000 + 50 * Math.max(0, (repoCount.get(id) ?? 0) - 20)),
    onAnswer: (a) => answers.push(a),
  });
  const redis = await startRedis();
  const env = {
    PATH: process.env.PATH ?? "",
    REDIS_URL: redis.url,
    GITHUB_URL: http.url,
    UV_PIN_BOT_ROLE: "all",
    LOG_LEVEL: "warn",
    ...upstreamEnv(registry, releases.url),
  };
  const children: Worker[] = [];
  try {
    for (let i = 0; i < workers; i++)
      children.push(await startWorker({ ...env, PORT: String(await freePort()) }));
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");

    const sweep = async (): Promise<SweepFigures> => {
      answers = [];
      registry.resetCounts();
      const releasesBefore = releases.requests();
      const t0 = performance.now();
      const summary = JSON.parse(await (children[0] as Worker).ask("sweep", "swept")) as Record<
        string,
        number
      >;
      const seconds = (performance.now() - t0) / 1000;
      return {
        seconds,
        summary,
        ...count(answers),
        tagLookups: tagLookups(registry),
        challenges: registry.count({ status: 401 }),
        tokenRequests: registry.count({ path: "/token" }),
        releaseRequests: releases.requests() - releasesBefore,
        minRemaining: Math.min(...http.remaining().values()),
      };
    };
    const first = await sweep();
    const prs = [...github.repos.values()].reduce((k, r) => k + r.pulls.length, 0);
    // A week later: a new rate-limit window; what would have expired by then is gone.
    http.newWindow();
    await expireWeek(redis.url);
    const second = await sweep();
    const workerRssMb: number[] = [];
    for (const c of children) {
      const stats = JSON.parse(await c.ask("stats", "stats")) as { maxRssKb: number };
      workerRssMb.push(stats.maxRssKb / 1024);
    }
    return {
      n,
      workers,
      installations: org.installations.length,
      first,
      second,
      prs,
      workerRssMb,
      load,
    };
  } finally {
    for (const c of children) await c.stop();
    await redis.stop();
    await http.close();
  }
}

/** Requests by repository, from the simulator's answers. */
function count(answers: readonly AnsweredRequest[]) {
  const perRepo: SweepFigures["perRepo"] = new Map();
  let orgConfigReads = 0;
  let notModified = 0;
  let rateLimited = 0;
  let writes = 0;
  for (const a of answers) {
    if (a.status === 304) notModified++;
    if (isContentCreating({ method: a.method, path: a.url.split("?")[0] ?? "" })) writes++;
    if (a.status === 403) rateLimited++;
    const path = decodeURIComponent(a.url.split("?")[0] ?? "");
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) continue;
    if (m[2] === ".github" && (m[3] ?? "").startsWith("/contents/")) {
      orgConfigReads++;
      continue;
    }
    const key = `${m[1]}/${m[2]}`;
    const entry = perRepo.get(key) ?? {
      all: 0,
      notModified: 0,
      writes: 0,
      blobs: 0,
      routes: new Map<string, number>(),
    };
    const route = `${a.method} ${routeOf(m[3] ?? "")}${a.status === 304 ? " (304)" : ""}`;
    entry.routes.set(route, (entry.routes.get(route) ?? 0) + 1);
    entry.all++;
    if (a.status === 304) entry.notModified++;
    if (isContentCreating({ method: a.method, path })) entry.writes++;
    if (a.method === "GET" && /\/git\/blobs\//.test(path)) entry.blobs++;
    perRepo.set(key, entry);
  }
  return { perRepo, orgConfigReads, notModified, rateLimited, writes, requests: answers.length };
}

/** Keys of the app (`uv-pin-bot:x:*`) that would have expired within a week are dropped. */
async function expireWeek(url: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", "uv-pin-bot:x:*", "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const ttl = await client.pttl(key);
        if (ttl > 0 && ttl <= WEEK_MS) await client.del(key);
      }
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

interface Worker {
  ask(command: string, answer: string): Promise<string>;
  stop(): Promise<void>;
}

async function startWorker(env: Record<string, string>): Promise<Worker> {
  // The V8 flag `npm start` and the image run the app with (package.json, Dockerfile).
  const child: ChildProcess = spawn(process.execPath, ["--optimize-for-size", WORKER], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let buffer = "";
  let stderr = "";
  const waiting: { prefix: string; resolve: (rest: string) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stderr?.on("data", (d) => {
    stderr = (stderr + String(d)).slice(-4000);
    if (process.env.BENCH_SWEEP_LOGS) process.stderr.write(d);
  });
  child.stdout?.on("data", (d) => {
    buffer += String(d);
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.findIndex((x) => line.startsWith(x.prefix));
      if (w >= 0) waiting.splice(w, 1)[0]?.resolve(line.slice(line.indexOf(" ") + 1));
    }
  });
  const expect = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      waiting.push({ prefix, resolve });
      exited.then(() => reject(new Error(`a worker exited: ${stderr.trim().split("\n").pop()}`)));
    });
  await expect("ready");
  return {
    ask: (command, answer) => {
      const reply = expect(answer);
      child.stdin?.write(`${command}\n`);
      return reply;
    },
    stop: async () => {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const f2 = (x: number) => x.toFixed(2);

function classes(org: BenchOrg, s: SweepFigures) {
  const cost = (pred: (r: BenchOrg["repos"][number]) => boolean) => {
    const repos = org.repos.filter(pred);
    const get = (r: (typeof repos)[number]) =>
      s.perRepo.get(`${r.owner}/${r.name}`) ?? {
        all: 0,
        notModified: 0,
        writes: 0,
        blobs: 0,
        routes: new Map<string, number>(),
      };
    const routes = new Map<string, number>();
    for (const r of repos)
      for (const [route, k] of get(r).routes) routes.set(route, (routes.get(route) ?? 0) + k);
    return {
      routes: [...routes]
        .sort((a, b) => b[1] - a[1])
        .map(([route, k]) => `${route} ${f2(k / Math.max(1, repos.length))}`)
        .join(", "),
      n: repos.length,
      requests: mean(repos.map((r) => get(r).all)),
      notModified: mean(repos.map((r) => get(r).notModified)),
      blobs: mean(repos.map((r) => get(r).blobs)),
      candidates: mean(repos.map((r) => r.candidates)),
    };
  };
  return {
    without: cost((r) => r.pins === 0),
    with: cost((r) => r.pins > 0),
    all: cost(() => true),
  };
}

function report(run: RunFigures, org: BenchOrg): void {
  const { first, second } = run;
  const out = (s: string) => console.log(s);
  const orgShare = (s: SweepFigures) => s.orgConfigReads / run.n;
  out(
    `\nsweep N=${run.n} workers=${run.workers} (installations ${run.installations}; load average at start ${run.load})`,
  );
  for (const [label, s] of [
    ["first sweep", first],
    ["second sweep, nothing changed", second],
  ] as const) {
    const c = classes(org, s);
    out(
      `  ${label}: ${s.seconds.toFixed(1)} s, ${(run.n / s.seconds).toFixed(1)} repositories/s; summary ${JSON.stringify(s.summary)}`,
    );
    out(
      `    GitHub requests: ${s.requests} in all (${f2(s.requests / run.n)} per repository, listing/tokens/org config included), ${s.notModified} were 304, ${s.rateLimited} rate-limited; lowest remaining budget ${s.minRemaining}`,
    );
    out(
      `    per repository without uv pins (${c.without.n}): ${f2(c.without.requests)} on its own paths + ${f2(orgShare(s))} org-config reads; ${f2(c.without.blobs)} blob reads for ${f2(c.without.candidates)} candidate files; target ≤ 2 + candidates = ${f2(2 + c.without.candidates)}${label.startsWith("second") ? ", target on an unchanged sweep ≤ 1 (a 304)" : ""}; 304s ${f2(c.without.notModified)}`,
    );
    out(`      by route: ${c.without.routes}`);
    out(
      `    per repository with uv pins (${c.with.n}): ${f2(c.with.requests)} on its own paths + ${f2(orgShare(s))} org-config reads; 304s ${f2(c.with.notModified)}`,
    );
    out(`      by route: ${c.with.routes}`);
    const lookups = [...s.tagLookups.values()].reduce((a, b) => a + b, 0);
    out(
      `    registry: ${s.tagLookups.size} distinct tags, ${lookups} tag lookups → ${f2(lookups / Math.max(1, s.tagLookups.size))} per distinct tag (target 1); ${s.challenges} 401 challenge(s) and ${s.tokenRequests} token request(s) for the whole cluster (token shared in Redis); release list read ${s.releaseRequests}×`,
    );
  }
  out(
    `  PRs opened: ${run.prs}; writes (content-creating requests, GraphQL included) per PR: ${f2(first.writes / Math.max(1, run.prs))} (target ≤ 5); writes in the second sweep: ${second.writes}`,
  );
  out(
    `  peak RSS per worker process: ${run.workerRssMb.map((x) => `${x.toFixed(0)} MB`).join(", ")} (target ≤ 256 MB)`,
  );
  // A sweep with failed repositories measured something else: the run is not a result.
  const failed = (first.summary.failed ?? 0) + (second.summary.failed ?? 0);
  if (failed > 0) {
    out(
      `  FAILED: ${failed} repository runs failed (first ${first.summary.failed ?? 0}, second ${second.summary.failed ?? 0}); these figures do not count`,
    );
    process.exitCode = 1;
  }
}

/** How cost grows with N, per worker count. */
function growth(runs: readonly RunFigures[]): void {
  const ns = [...new Set(runs.map((r) => r.n))];
  if (ns.length < 2) return;
  console.log("\nsweep bench: growth with N (per worker count; ratios against the smallest N)");
  for (const w of [...new Set(runs.map((r) => r.workers))]) {
    const mine = runs.filter((r) => r.workers === w).sort((a, b) => a.n - b.n);
    const base = mine[0] as RunFigures;
    for (const r of mine) {
      const perRepo = (s: SweepFigures) => s.requests / r.n;
      console.log(
        `  workers=${w} N=${r.n}: first ${r.first.seconds.toFixed(1)} s (×${f2(r.first.seconds / base.first.seconds)} for ×${f2(r.n / base.n)} repositories), ${f2(perRepo(r.first))} requests/repository; second ${r.second.seconds.toFixed(1)} s (×${f2(r.second.seconds / base.second.seconds)}), ${f2(perRepo(r.second))} requests/repository; peak worker RSS ${Math.max(...r.workerRssMb).toFixed(0)} MB`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
