/**
 * Latency of `/uv-update` → the reply with the PR link, through the app harness (the real Probot
 * server over HTTP on 127.0.0.1, GitHub as a recording fake under nock, uv's upstreams in memory
 * with real Sigstore bundles from the test instance), and the time to verify one real bundle with
 * the trusted root loaded. Each sample is a fresh Node process: its first command is the cold
 * figure (first run after start: module warm-up, installation token, GET /app, the trusted root
 * loading in the background since start-up), the following ones on fresh repositories are warm.
 * Figures only: medians over processes; nothing here asserts a time.
 *
 *   node .bench-build/bench/latency-bench.js        (BENCH_RUNS processes, default 5)
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { loadTrustMaterial, verifyAttestation } from "../src/adapters/sigstore-verify.js";
import type { TrustRoot } from "../src/adapters/trust-root.js";
import { defaultPolicy } from "../src/core/attestation-policy.js";
import { BOT_LOGIN, startApp } from "../test/app/harness.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARM = 5;
const NOW = new Date("2026-11-30T04:00:30Z");
const FIXTURES = new URL("../../fixtures/attestations/", import.meta.url);

interface Sample {
  coldMs: number;
  warmMs: number[];
  verifyColdMs: number;
  verifyMs: number;
  /** CPU time of one verification (user + system), less sensitive to a busy machine. */
  verifyCpuMs: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function one(): Promise<Sample> {
  let resolveRoot: ((r: TrustRoot) => void) | undefined;
  const root = new Promise<TrustRoot>((resolve) => {
    resolveRoot = resolve;
  });
  const h = await startApp({ now: () => NOW, app: { loadTrustRoot: () => root } });
  try {
    // The root "arrives" as soon as the app is up (a real deployment reads a file or TUF).
    resolveRoot?.({ material: h.upstreams.trustMaterial, source: "file", warning: null });
    h.upstreams.publish("0.9.17", { daysAgo: 40 });
    h.upstreams.publish("0.9.18", { daysAgo: 10 });
    const command = async (n: number): Promise<number> => {
      const repo = h.github.addRepo(`acme/app-${n}`, {
        files: {
          Dockerfile: `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17@${h.upstreams.digestOf("0.9.17")} /uv /uvx /bin/\nRUN uv sync --locked\n`,
          ".github/workflows/ci.yml":
            'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: "0.9.17"\n',
        },
        permissions: { alice: "write" },
      });
      const issue = repo.openIssue("uv").number;
      const start = performance.now();
      const status = await h.comment(repo, issue, "/uv-update", { user: "alice" });
      const ms = performance.now() - start;
      const reply = repo.comments.filter((c) => c.issue === issue && c.user.login === BOT_LOGIN);
      if (status !== 200 || !reply.some((c) => /\/pull\/\d+/.test(c.body)))
        throw new Error(`no PR link in the reply: ${reply.map((c) => c.body).join(" | ")}`);
      return ms;
    };
    const coldMs = await command(0);
    const warmMs: number[] = [];
    for (let i = 1; i <= WARM; i++) warmMs.push(await command(i));

    // One real bundle (sigstore-js 2.1.0) against the public-good root it was logged under.
    const trustMaterial = loadTrustMaterial(
      JSON.parse(readFileSync(new URL("trusted_root.json", FIXTURES), "utf8")),
    );
    const bundle = JSON.parse(
      readFileSync(new URL("sigstore-js-2.1.0-bundle.json", FIXTURES), "utf8"),
    ) as unknown;
    const digests = {
      sha512:
        "90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f",
    };
    let cpu = 0;
    const verify = () => {
      const before = process.cpuUsage();
      const start = performance.now();
      const s = verifyAttestation({
        bundle,
        digests,
        policy: defaultPolicy("sigstore"),
        trustMaterial,
      });
      if (!s.verified) throw new Error(`the fixture bundle did not verify: ${s.reason}`);
      const ms = performance.now() - start;
      const used = process.cpuUsage(before);
      cpu = (used.user + used.system) / 1000;
      return ms;
    };
    const verifyColdMs = verify();
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < 20; i++) {
      times.push(verify());
      cpus.push(cpu);
    }
    return { coldMs, warmMs, verifyColdMs, verifyMs: median(times), verifyCpuMs: median(cpus) };
  } finally {
    await h.stop();
  }
}

function child(): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--one"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`sample process exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as Sample);
    });
  });
}

async function main(): Promise<number> {
  if (process.argv.includes("--one")) {
    process.stdout.write(`${JSON.stringify(await one())}\n`);
    return 0;
  }
  console.log("== /uv-update → PR link (app harness, loopback), and verifying one bundle ==");
  console.log(`load average (1 min) before: ${loadavg()[0]?.toFixed(2)}`);
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await child());
  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(
    `cold (first command after start, ${RUNS} processes): median ${f(median(samples.map((s) => s.coldMs)))} (${samples.map((s) => s.coldMs.toFixed(0)).join(", ")}) (target <= 3000 ms)`,
  );
  const warm = samples.flatMap((s) => s.warmMs);
  console.log(
    `warm (next ${WARM} commands on fresh repositories, each process): median ${f(median(warm))} (min ${f(Math.min(...warm))}, max ${f(Math.max(...warm))}) (target <= 1000 ms)`,
  );
  console.log(
    `verify one bundle, root loaded: median ${median(samples.map((s) => s.verifyMs)).toFixed(1)} ms wall, ${median(samples.map((s) => s.verifyCpuMs)).toFixed(1)} ms CPU; first in a process ${median(samples.map((s) => s.verifyColdMs)).toFixed(1)} ms (target <= 50 ms)`,
  );
  return 0;
}

process.exitCode = await main();
