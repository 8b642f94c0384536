/**
 * The organisation the sweep benchmark sweeps: N repositories over several installations, seeded
 * and deterministic. The mix (shares adjustable): most repositories without uv (a few source files,
 * often a Dockerfile or a CI workflow that pins nothing of uv: candidate files all the same); some
 * with 1–5 uv pins at the newest release (nothing to change); a few with pins at older releases
 * (one pull request each); a few large trees (thousands of files, one Dockerfile deep inside).
 * Each installation's account has a `.github` repository whose `uv-pin-bot.yml` turns
 * attestations off (the benchmark's upstreams serve none).
 */
import { mulberry32 } from "../src/bench/corpus.js";
import { fileKind } from "../src/core/file-kind.js";

export type RepoKind = "plain" | "current" | "outdated" | "large";

export interface BenchRepo {
  installation: number;
  owner: string;
  name: string;
  kind: RepoKind;
  files: Record<string, string>;
  /** uv pins written. */
  pins: number;
  /** Files whose names can hold a uv pin (what the app reads). */
  candidates: number;
}

export interface BenchOrg {
  installations: { id: number; account: string; repos: number }[];
  repos: BenchRepo[];
}

export interface Shares {
  current: number;
  outdated: number;
  large: number;
}

export const DEFAULT_SHARES: Shares = { current: 0.2, outdated: 0.02, large: 0.02 };
export const ORG_CONFIG = "attestations: off\n";
const VARIANT = "python3.12-bookworm-slim";
/** Floating tags of the newest release that `current` repositories may pin (by digest). */
export const FLOATING = ["latest", "0.10"] as const;

/** Installations for N repositories: at least 3, about 750 repositories each, uneven sizes. */
export function installationCount(n: number): number {
  return Math.max(3, Math.ceil(n / 750));
}

export function generateOrg(
  n: number,
  versions: readonly string[],
  digests: ReadonlyMap<string, string>,
  shares: Shares = DEFAULT_SHARES,
  seed = 0x5eed2026,
): BenchOrg {
  const random = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const latest = versions[versions.length - 1] as string;
  const older = versions.slice(0, -1);
  const k = installationCount(n);
  // Weights k, k-1, …, 1: the first installation is the biggest.
  const weights = Array.from({ length: k }, (_, i) => k - i);
  const total = weights.reduce((a, b) => a + b, 0);
  const installations = weights.map((_w, i) => ({
    id: 1000 + i,
    account: `org${i}`,
    repos: 0,
  }));
  const repos: BenchRepo[] = [];
  for (let r = 0; r < n; r++) {
    let x = random() * total;
    let i = 0;
    while (x >= (weights[i] as number)) x -= weights[i++] as number;
    const inst = installations[i] as (typeof installations)[number];
    inst.repos++;
    const owner = inst.account;
    const name = `repo-${r}`;
    const roll = random();
    const kind: RepoKind =
      roll < shares.large
        ? "large"
        : roll < shares.large + shares.outdated
          ? "outdated"
          : roll < shares.large + shares.outdated + shares.current
            ? "current"
            : "plain";
    const files: Record<string, string> = {
      "README.md": `# ${name}\n\nService ${r} of ${owner}.\n`,
      "pyproject.toml": `[project]\nname = "${name}"\nversion = "0.${int(1, 30)}.0"\nrequires-python = ">=3.12"\n`,
    };
    for (let f = int(2, 12); f > 0; f--)
      files[`src/${name.replace("-", "_")}/mod${f}.py`] =
        `def f${f}():\n    return ${r * 31 + f}\n`;
    let pins = 0;
    const version = kind === "outdated" ? pick(older) : latest;
    const image = (tag: string) => `ghcr.io/astral-sh/uv:${tag}@${digests.get(tag)}`;
    if (kind === "plain" || kind === "large") {
      if (random() < 0.5)
        files.Dockerfile = `FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD ["python", "-m", "${name.replace("-", "_")}"]\n`;
      if (random() < 0.6)
        files[".github/workflows/ci.yml"] =
          random() < 0.3
            ? "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n      - run: pip install . && pytest\n"
            : `name: ci-${name}\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make test-${r}\n`;
    } else {
      const count = int(1, 5);
      const lines = ["FROM python:3.12-slim"];
      // Pins: COPY --from (digest), a variant stage, setup-uv, `pip install uv==`, more COPYs.
      // Some follow a floating tag (`latest`, the minor line) by digest.
      const floating = kind === "current" && random() < 0.3;
      lines.push(`COPY --from=${image(floating ? pick(FLOATING) : version)} /uv /uvx /bin/`);
      pins++;
      if (pins < count) {
        lines.unshift(`FROM ${image(`${version}-${VARIANT}`)} AS uv`);
        pins++;
      }
      if (pins < count) {
        lines.push(`RUN pip install uv==${version}`);
        pins++;
      }
      files.Dockerfile = `${lines.join("\n")}\nRUN uv sync --locked\n`;
      if (pins < count) {
        files[".github/workflows/ci.yml"] =
          `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: "${version}"\n      - run: uv run pytest\n`;
        pins++;
      }
      if (pins < count) {
        files["docker/worker.Dockerfile"] =
          `FROM python:3.12-slim\nCOPY --from=${image(version)} /uv /bin/\nRUN uv sync\n`;
        pins++;
      }
    }
    if (kind === "large") {
      // A monorepo: thousands of files in nested packages, a service's Dockerfile deep inside.
      const size = int(1500, 4000);
      for (let f = 0; f < size; f++)
        files[`packages/p${f % 40}/src/m${Math.floor(f / 40)}/f${f}.py`] = `X = ${f}\n`;
      files["packages/p7/deploy/Dockerfile"] =
        `FROM python:3.12-slim\nCOPY --from=${image(latest)} /uv /bin/\n`;
      pins++;
    }
    const candidates = Object.keys(files).filter((p) => fileKind(p) !== null).length;
    repos.push({ installation: inst.id, owner, name, kind, files, pins, candidates });
  }
  return { installations, repos };
}
