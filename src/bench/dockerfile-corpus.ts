/**
 * The seeded corpus of the side-by-side benchmark (our `scan` against Renovate's dockerfile
 * extractor): 3,000 files, 80 % of them Dockerfiles of 10–200 lines, 40 % of those with 1–3 uv
 * pins in the forms people write (image tags and digests in FROM, COPY --from and RUN
 * --mount=from, ARG-templated stages, pip, installer URLs, release archives), lookalikes elsewhere
 * (uvicorn, uvloop, other astral-sh images, commented pins, `uv sync` commands, README text).
 * Every pin is counted by construction, and so is each image pin that Renovate can see.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileKind } from "../core/file-kind.js";
import { mulberry32 } from "./corpus.js";

export const DOCKERFILE_SEED = 0xd0c3f11e;

export interface DockerfileCorpus {
  dir: string;
  seed: number;
  files: number;
  dockerfiles: number;
  /** Dockerfiles with at least one uv pin. */
  pinnedDockerfiles: number;
  bytes: number;
  /** Files with a kind our scanner reads. */
  candidates: number;
  /** Pins written, by construction, per file (relative, `/`-separated). */
  expectedByFile: Map<string, number>;
  expectedPins: number;
  /** uv image references in FROM / COPY --from / RUN --mount=from (what Renovate can find). */
  expectedImagePins: number;
}

type R = () => number;
const int = (r: R, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const hex = (r: R, n: number) => {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(r() * 16)];
  return s;
};

const VERSIONS = ["0.9.17", "0.9.16", "0.9.11", "0.8.24", "0.8.3", "0.7.22", "0.6.17", "0.5.31"];
const PYTHONS = ["3.10", "3.11", "3.12", "3.13"];
const DISTROS = ["bookworm-slim", "bookworm", "trixie-slim", "alpine"];
const WORDS =
  "api auth billing cache catalog gateway ingest jobs ledger media notify orders portal search sync worker".split(
    " ",
  );

interface Form {
  /** Lines to put in the builder stage (before WORKDIR); `pre` lines go before the first FROM. */
  pre?: string[];
  /** A stage of its own before the builder (e.g. `FROM uv-image AS uv`). */
  stage?: string[];
  lines: string[];
  pins: number;
  images: number;
  /** Replaces the builder's base image (a uv image as the base). */
  base?: string;
}

/** One uv pin in one of the common forms (`n` keeps variable and stage names apart). */
function uvForm(r: R, n: number): Form {
  const v = pick(r, VERSIONS);
  const py = pick(r, PYTHONS);
  const sha = () => `sha256:${hex(r, 64)}`;
  const repo = pick(r, ["ghcr.io/astral-sh/uv", "ghcr.io/astral-sh/uv", "docker.io/astral/uv"]);
  switch (int(r, 0, 11)) {
    case 0:
      return { lines: [`COPY --from=${repo}:${v} /uv /uvx /bin/`], pins: 1, images: 1 };
    case 1:
      return { lines: [`COPY --from=${repo}:${v}@${sha()} /uv /uvx /bin/`], pins: 1, images: 1 };
    case 2:
      return {
        lines: [`COPY --from=astral/uv:${v} /uv /bin/uv`],
        pins: 1,
        images: 1,
      };
    case 3:
      return {
        base: `${repo}:${v}-python${py}-${pick(r, DISTROS)}${r() < 0.5 ? `@${sha()}` : ""}`,
        lines: [],
        pins: 1,
        images: 1,
      };
    case 4:
      return {
        pre: [`ARG UV_VERSION_${n}=${v}`],
        stage: [`FROM ghcr.io/astral-sh/uv:\${UV_VERSION_${n}} AS uv${n}`, ""],
        lines: [`COPY --from=uv${n} /uv /uvx /bin/`],
        pins: 1,
        images: 1,
      };
    case 5:
      return {
        lines: [
          `RUN --mount=from=ghcr.io/astral-sh/uv:${v},source=/uv,target=/bin/uv \\`,
          "    --mount=type=cache,target=/root/.cache/uv \\",
          "    uv pip install --system -r requirements.txt",
        ],
        pins: 1,
        images: 1,
      };
    case 6:
      return { lines: [`RUN pip install --no-cache-dir uv==${v}`], pins: 1, images: 0 };
    case 7:
      return {
        lines: [`RUN curl -LsSf https://astral.sh/uv/${v}/install.sh | sh`],
        pins: 1,
        images: 0,
      };
    case 8:
      return {
        lines: [
          `ADD https://astral.sh/uv/${v}/install.sh /uv-installer-${n}.sh`,
          `RUN sh /uv-installer-${n}.sh && rm /uv-installer-${n}.sh`,
        ],
        pins: 1,
        images: 0,
      };
    case 9:
      return {
        lines: [
          `ENV UV_VERSION_${n}=${v}`,
          `RUN curl -LsSf https://astral.sh/uv/\${UV_VERSION_${n}}/install.sh \\`,
          "    | env UV_INSTALL_DIR=/usr/local/bin sh",
        ],
        pins: 1,
        images: 0,
      };
    case 10:
      return {
        lines: [
          `ADD --checksum=${sha()} https://github.com/astral-sh/uv/releases/download/${v}/uv-x86_64-unknown-linux-gnu.tar.gz /tmp/uv${n}.tar.gz`,
          `RUN tar -xzf /tmp/uv${n}.tar.gz -C /usr/local/bin --strip-components=1 && rm /tmp/uv${n}.tar.gz`,
        ],
        pins: 1,
        images: 0,
      };
    default:
      return {
        lines: [`COPY --from=${repo}:${v}-python${py}-${pick(r, DISTROS)} /uv /bin/uv`],
        pins: 1,
        images: 1,
      };
  }
}

/** Lines that fill a Dockerfile up to its length: none of them pins uv, some look like it. */
function filler(r: R, app: string): string[] {
  switch (int(r, 0, 13)) {
    case 0:
      return [
        "RUN apt-get update \\",
        " && apt-get install -y --no-install-recommends \\",
        `      ${pick(r, ["curl", "git", "gcc", "libpq-dev", "tini"])} ca-certificates \\`,
        " && rm -rf /var/lib/apt/lists/*",
      ];
    case 1:
      return [`RUN pip install --no-cache-dir uvicorn==0.${int(r, 20, 34)}.${int(r, 0, 9)}`];
    case 2:
      return ["RUN --mount=type=cache,target=/root/.cache/uv \\", "    uv sync --locked --no-dev"];
    case 3:
      return [
        `# Pinned elsewhere: COPY --from=ghcr.io/astral-sh/uv:${pick(r, VERSIONS)} /uv /bin/`,
      ];
    case 4:
      return [`ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy PYTHONDONTWRITEBYTECODE=1`];
    case 5:
      return [`LABEL org.opencontainers.image.source="https://github.com/acme/${app}"`];
    case 6:
      return [`COPY --chown=app:app ${app}/ /app/${app}/`];
    case 7:
      return ['RUN python -m pip install "uvloop>=0.19" "uvicorn[standard]"'];
    case 8:
      return [`# ${pick(r, WORDS)} service: build with uv, run with uvicorn`];
    case 9:
      return ["RUN groupadd --system app && useradd --system --gid app app"];
    case 10:
      return [`ARG BUILD_${int(r, 1, 99)}=${hex(r, 7)}`];
    case 11:
      return [`RUN uvx ruff check /app/${app} || true`];
    case 12:
      return ['HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost:8000/health"]'];
    default:
      return ["WORKDIR /app", `EXPOSE ${pick(r, ["8000", "8080", "5000"])}`];
  }
}

function dockerfile(
  r: R,
  app: string,
  pinned: boolean,
): { text: string; pins: number; images: number } {
  const target = int(r, 10, 200);
  const forms = pinned ? Array.from({ length: int(r, 1, 3) }, (_, i) => uvForm(r, i)) : [];
  const py = pick(r, PYTHONS);
  const base = forms.find((f) => f.base)?.base;
  const head: string[] = [];
  if (r() < 0.5) head.push("# syntax=docker/dockerfile:1.7");
  head.push(`ARG PYTHON_VERSION=${py}`);
  for (const f of forms) head.push(...(f.pre ?? []));
  head.push("");
  for (const f of forms) head.push(...(f.stage ?? []));
  const lookalikeBase = pick(r, [
    "python:${PYTHON_VERSION}-slim-bookworm",
    `ghcr.io/astral-sh/ruff:0.${int(r, 4, 8)}.${int(r, 0, 9)}`,
    "python:${PYTHON_VERSION}-slim",
  ]);
  const builder = [`FROM ${base ?? lookalikeBase} AS builder`, ""];
  let bases = 0;
  for (const f of forms) {
    if (f.base && bases++ > 0) {
      // A second uv base image: its own stage.
      builder.push(`FROM ${f.base} AS tools${bases}`, "");
    }
  }
  const pins = forms.reduce((n, f) => n + f.pins, 0);
  const images = forms.reduce((n, f) => n + f.images, 0);
  const tail = [
    "",
    "FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime",
    "COPY --from=builder /app /app",
    `CMD ["uvicorn", "${app}.main:app", "--host", "0.0.0.0"]`,
  ];
  const body: string[] = [];
  for (const f of forms) body.push(...f.lines);
  const lines = [...head, ...builder, ...body];
  // Fill the builder stage up to the target length, then the runtime stage.
  while (lines.length + tail.length < target) lines.push(...filler(r, app));
  return { text: `${[...lines, ...tail].join("\n")}\n`, pins, images };
}

/** Files that are not Dockerfiles: lookalikes and ordinary project files (no pins). */
function otherFile(r: R, app: string, i: number): { name: string; text: string } {
  switch (i % 6) {
    case 0:
      return {
        name: "README.md",
        text: `# ${app}\n\nBuilt with \`COPY --from=ghcr.io/astral-sh/uv:${pick(r, VERSIONS)} /uv /bin/\`.\nRun \`uvicorn ${app}.main:app\`.\n`,
      };
    case 1:
      return {
        name: "requirements.txt",
        text: "uvicorn==0.30.6\nuvloop==0.21.0\nfastapi==0.115.0\nhttpx==0.27.2\n",
      };
    case 2:
      return {
        name: "scripts/dev.sh",
        text: `#!/bin/sh\nset -eu\n# uv is installed by the image\nuv sync --locked\nexec uvicorn ${app}.main:app --reload\n`,
      };
    case 3:
      return {
        name: "compose.yaml",
        text: `services:\n  ${app}:\n    build: .\n    image: ghcr.io/acme/${app}:latest\n    command: uvicorn ${app}.main:app\n  db:\n    image: postgres:16\n`,
      };
    case 4:
      return {
        name: `${app}/main.py`,
        text: 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/health")\ndef health():\n    return {"ok": True}\n',
      };
    default:
      return { name: ".dockerignore", text: ".venv\n__pycache__\n*.pyc\n.git\n" };
  }
}

const DOCKERFILE_NAMES = [
  "Dockerfile",
  "Dockerfile",
  "Dockerfile",
  "Dockerfile.dev",
  "Containerfile",
];

export function generateDockerfileCorpus(
  options: { seed?: number; files?: number } = {},
): DockerfileCorpus {
  const seed = (options.seed ?? DOCKERFILE_SEED) >>> 0;
  const total = options.files ?? 3000;
  const r = mulberry32(seed);
  const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-dfbench-"));
  const corpus: DockerfileCorpus = {
    dir,
    seed,
    files: 0,
    dockerfiles: 0,
    pinnedDockerfiles: 0,
    bytes: 0,
    candidates: 0,
    expectedByFile: new Map(),
    expectedPins: 0,
    expectedImagePins: 0,
  };
  const made = new Set<string>();
  const put = (rel: string, text: string, pins = 0, images = 0) => {
    const path = join(dir, rel);
    if (!made.has(dirname(path))) {
      mkdirSync(dirname(path), { recursive: true });
      made.add(dirname(path));
    }
    writeFileSync(path, text);
    corpus.files++;
    corpus.bytes += Buffer.byteLength(text);
    if (fileKind(rel) !== null) corpus.candidates++;
    if (pins > 0) corpus.expectedByFile.set(rel, pins);
    corpus.expectedPins += pins;
    corpus.expectedImagePins += images;
  };
  const dockerfiles = Math.round(total * 0.8);
  const pinned = Math.round(dockerfiles * 0.4);
  // Which Dockerfiles carry pins: an exact 40 %, spread by the seed.
  const order = Array.from({ length: dockerfiles }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const withPins = new Set(order.slice(0, pinned));
  // 25 files a repository: 20 Dockerfiles (one per service), 5 others.
  let d = 0;
  let o = 0;
  for (let repo = 0; d < dockerfiles || o < total - dockerfiles; repo++) {
    const name = `${pick(r, WORDS)}-${repo}`;
    for (let s = 0; s < 20 && d < dockerfiles; s++, d++) {
      const app = `${pick(r, WORDS)}${s}`;
      const file = dockerfile(r, app, withPins.has(d));
      put(
        `${name}/services/${app}/${pick(r, DOCKERFILE_NAMES)}`,
        file.text,
        file.pins,
        file.images,
      );
      corpus.dockerfiles++;
      if (file.pins > 0) corpus.pinnedDockerfiles++;
    }
    for (let k = 0; k < 5 && o < total - dockerfiles; k++, o++) {
      const other = otherFile(r, name.replace(/-/g, "_"), o);
      put(`${name}/${other.name}`, other.text);
    }
  }
  return corpus;
}
