/**
 * A seeded, deterministic corpus of Python repositories for the scan benchmark: Dockerfiles,
 * workflows, pre-commit, pyproject/uv.toml, scripts, Makefiles, compose and Kubernetes files among
 * the many files that hold no pins, plus `node_modules/` and `.git/` trees that the walker skips.
 * Every generator counts the pins it writes, so the benchmark can check the scanner's total.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileKind } from "../core/file-kind.js";

export const DEFAULT_SEED = 0x5eed2026;

/** mulberry32: a tiny 32-bit PRNG, good enough to vary text and fully deterministic. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(this.next() * 16)];
    return s;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

const WORDS: readonly string[] = (
  "account adapter agent alert api archive asset audit batch billing bucket cache catalog " +
  "client cluster config consumer data dataset digest event export feature fetch gateway " +
  "graph handler index ingest invoice job ledger loader metric model monitor notify order " +
  "parser pipeline policy portal queue record report request router sample schema search " +
  "session signal storage stream sync task tenant token tracker upload user vector worker"
).split(" ");
const PROSE: readonly string[] = (
  "the service reads from a queue and writes results to storage with retries for each " +
  "request this keeps builds fast we pin tools so that runs are reproducible across " +
  "machines see docs before changing settings in production when tests fail locally"
).split(" ");
/** Mostly recent uv releases and a few old ones (0.9.17 twice as likely). */
const UV_VERSIONS = [
  "0.9.17",
  "0.9.17",
  "0.9.16",
  "0.9.11",
  "0.9.5",
  "0.8.24",
  "0.8.22",
  "0.8.3",
  "0.7.22",
  "0.7.13",
  "0.6.17",
  "0.5.31",
  "0.4.30",
  "0.10.0",
] as const;
const PYTHONS = ["3.10", "3.11", "3.12", "3.12", "3.13"] as const;
const DISTROS = ["bookworm-slim", "bookworm", "trixie-slim", "alpine"] as const;
const PACKAGES: readonly string[] = (
  "anyio attrs boto3 botocore certifi charset-normalizer click fastapi h11 httpcore httpx " +
  "idna jinja2 markupsafe numpy orjson packaging pandas pluggy pydantic pydantic-core " +
  "pytest python-dateutil pytz pyyaml requests rich ruff six sniffio sqlalchemy starlette " +
  "structlog tenacity typing-extensions tzdata urllib3 uvicorn websockets alembic psycopg " +
  "redis celery kombu mypy coverage pre-commit mkdocs mkdocs-material"
).split(" ");

interface Text {
  text: string;
  pins: number;
}

const word = (r: Rng) => r.pick(WORDS);
const sentence = (r: Rng, n = r.int(5, 14)) => {
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(r.pick(PROSE));
  const s = ws.join(" ");
  return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
};
const uvVersion = (r: Rng) => r.pick(UV_VERSIONS);
const sha = (r: Rng) => `sha256:${r.hex(64)}`;
const semver = (r: Rng) => `${r.int(0, 9)}.${r.int(0, 40)}.${r.int(0, 20)}`;

/** A uv image reference in one of the forms people write. Always exactly one pin. */
function uvImage(r: Rng, py: string): string {
  const v = uvVersion(r);
  const repo = r.pick(["ghcr.io/astral-sh/uv", "ghcr.io/astral-sh/uv", "docker.io/astral/uv"]);
  switch (r.int(0, 6)) {
    case 0:
      return `${repo}:${v}`;
    case 1:
      return `${repo}:${v}@${sha(r)}`;
    case 2:
      return `${repo}:${v}-python${py}-${r.pick(DISTROS)}`;
    case 3:
      return `${repo}:${v}-python${py}-${r.pick(DISTROS)}@${sha(r)}`;
    case 4:
      return `${repo}:python${py}-${r.pick(DISTROS)}`;
    case 5:
      return `${repo}@${sha(r)}`;
    default:
      return `${repo}:${v.split(".").slice(0, 2).join(".")}-alpine`;
  }
}

// --- Dockerfiles -------------------------------------------------------------------------------

const UV_STYLES = [
  "copy-digest",
  "copy-digest",
  "copy-tag",
  "arg-stage",
  "mount",
  "add-installer",
  "uv-base",
  "pip",
  "curl",
  "env-installer",
  "archive",
  "none",
] as const;

function aptBlock(r: Rng, extra: readonly string[] = []): string[] {
  const pkgs = new Set(extra);
  const pool = [
    "build-essential",
    "ca-certificates",
    "curl",
    "git",
    "libpq-dev",
    "libffi-dev",
    "libssl-dev",
    "gcc",
    "pkg-config",
    "tini",
    "gettext",
    "locales",
    "unzip",
    "jq",
  ];
  for (let i = r.int(2, 8); i > 0; i--) pkgs.add(r.pick(pool));
  return [
    "RUN apt-get update \\",
    " && apt-get install -y --no-install-recommends \\",
    ...[...pkgs].sort().map((p) => `      ${p} \\`),
    " && rm -rf /var/lib/apt/lists/*",
  ];
}

function dockerfile(r: Rng, app: string): Text {
  const L: string[] = [];
  let pins = 0;
  const v = uvVersion(r);
  const py = r.pick(PYTHONS);
  const style = r.pick(UV_STYLES);
  if (r.chance(0.6)) L.push("# syntax=docker/dockerfile:1.7");
  L.push(`# ${sentence(r)}`, `# ${sentence(r)}`, "");
  L.push(`ARG PYTHON_VERSION=${py}`);
  if (style === "arg-stage") {
    L.push(`ARG UV_VERSION=${v}`, "", "FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv");
    pins++;
  }
  if (r.chance(0.3)) L.push(`# COPY --from=ghcr.io/astral-sh/uv:${uvVersion(r)} /uv /bin/uv`);
  L.push("");
  if (style === "uv-base") {
    L.push(`FROM ${uvImage(r, py)} AS builder`);
    pins++;
  } else {
    L.push("FROM python:${PYTHON_VERSION}-slim-bookworm AS builder");
  }
  L.push(
    "",
    "ENV UV_COMPILE_BYTECODE=1 \\",
    "    UV_LINK_MODE=copy \\",
    "    UV_PYTHON_DOWNLOADS=0 \\",
    "    PYTHONDONTWRITEBYTECODE=1",
    "",
  );
  L.push(...aptBlock(r, style === "curl" || style === "env-installer" ? ["curl"] : []), "");
  switch (style) {
    case "copy-digest":
      L.push(`COPY --from=ghcr.io/astral-sh/uv:${v}@${sha(r)} /uv /uvx /bin/`);
      pins++;
      break;
    case "copy-tag":
      L.push(`COPY --from=${r.pick(["ghcr.io/astral-sh/uv", "astral/uv"])}:${v} /uv /bin/uv`);
      pins++;
      break;
    case "arg-stage":
      L.push("COPY --from=uv /uv /uvx /bin/");
      break;
    case "add-installer":
      L.push(
        `ADD https://astral.sh/uv/${v}/install.sh /uv-installer.sh`,
        "RUN sh /uv-installer.sh && rm /uv-installer.sh",
        'ENV PATH="/root/.local/bin/:$PATH"',
      );
      pins++;
      break;
    case "pip":
      L.push(`RUN pip install --no-cache-dir uv==${v}`);
      pins++;
      break;
    case "curl":
      L.push(
        "RUN curl -LsSf https://astral.sh/uv/install.sh | sh",
        'ENV PATH="/root/.local/bin/:$PATH"',
      );
      pins++;
      break;
    case "env-installer":
      L.push(
        `ENV UV_VERSION=${v}`,
        "RUN curl -LsSf https://astral.sh/uv/${UV_VERSION}/install.sh \\",
        "    | env UV_INSTALL_DIR=/usr/local/bin sh",
      );
      pins++;
      break;
    case "archive":
      L.push(
        `ADD --checksum=${sha(r)} https://github.com/astral-sh/uv/releases/download/${v}/uv-x86_64-unknown-linux-gnu.tar.gz /tmp/uv.tar.gz`,
        "RUN tar -xzf /tmp/uv.tar.gz -C /usr/local/bin --strip-components=1 \\",
        " && rm /tmp/uv.tar.gz",
      );
      pins++;
      break;
    default:
      break;
  }
  L.push("", "WORKDIR /app", "");
  const mountFrom =
    style === "mount" ? `--mount=from=ghcr.io/astral-sh/uv:${v},source=/uv,target=/bin/uv ` : "";
  const syncs =
    style === "none"
      ? []
      : ["uv sync --locked --no-install-project --no-dev", "uv sync --locked --no-dev"];
  if (syncs.length > 0) {
    L.push(
      `RUN --mount=type=cache,target=/root/.cache/uv ${mountFrom}\\`,
      "    --mount=type=bind,source=uv.lock,target=uv.lock \\",
      "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\",
      `    ${syncs[0]}`,
      "",
      "COPY . /app",
      "",
      `RUN --mount=type=cache,target=/root/.cache/uv ${mountFrom}\\`,
      `    ${syncs[1]}`,
    );
    if (style === "mount") pins += 2;
  } else {
    L.push(
      "COPY requirements.txt ./",
      "RUN pip install --no-cache-dir -r requirements.txt",
      "COPY . /app",
    );
  }
  L.push("", `# ${sentence(r)}`, "FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime", "");
  if (r.chance(0.6)) L.push(...aptBlock(r), "");
  L.push(
    "RUN groupadd --system --gid 999 app \\",
    " && useradd --system --gid 999 --uid 999 --create-home app",
    "",
    "COPY --from=builder --chown=app:app /app /app",
    'ENV PATH="/app/.venv/bin:$PATH"',
    "",
    "USER app",
    "WORKDIR /app",
    `EXPOSE ${r.pick(["8000", "8080", "5000"])}`,
  );
  if (r.chance(0.5)) {
    L.push(
      "HEALTHCHECK --interval=30s --timeout=3s --retries=3 \\",
      "  CMD python -c \"import urllib.request; urllib.request.urlopen('http://localhost:8000/health')\"",
    );
  }
  L.push(
    r.chance(0.5)
      ? `CMD ["uvicorn", "${app}.main:app", "--host", "0.0.0.0", "--port", "8000"]`
      : `CMD ["python", "-m", "${app}"]`,
    "",
  );
  return { text: L.join("\n"), pins };
}

// --- YAML: workflows, pre-commit, compose, Kubernetes, GitLab CI ------------------------------

function workflow(r: Rng, kind: "ci" | "release" | "docs" | "lint"): Text {
  let pins = 0;
  const useEnv = r.chance(0.3);
  const v = uvVersion(r);
  const L = [`name: ${kind === "ci" ? "CI" : kind[0]?.toUpperCase() + kind.slice(1)}`, ""];
  L.push("on:", "  push:", "    branches: [main]");
  if (kind === "release") L.push("    tags: ['v*']");
  else L.push("  pull_request:", "  workflow_dispatch:");
  L.push("", "permissions:", "  contents: read", "");
  L.push(
    "concurrency:",
    "  group: ${{ github.workflow }}-${{ github.ref }}",
    "  cancel-in-progress: true",
    "",
  );
  if (useEnv) L.push("env:", `  UV_VERSION: "${v}"`, "  FORCE_COLOR: 1", "");
  L.push("jobs:");
  const jobs = kind === "ci" ? r.int(1, 4) : 1;
  for (let j = 0; j < jobs; j++) {
    const name = j === 0 ? (kind === "ci" ? "test" : kind) : `${word(r)}-${j}`;
    L.push(`  ${name}:`);
    L.push(`    name: ${sentence(r, 3).slice(0, -1)}`);
    if (kind === "ci" && j === 0) {
      L.push(
        "    runs-on: ${{ matrix.os }}",
        "    strategy:",
        "      fail-fast: false",
        "      matrix:",
        "        os: [ubuntu-latest, macos-latest, windows-latest]",
        `        python-version: [${PYTHONS.slice(0, r.int(2, 5))
          .map((p) => `"${p}"`)
          .join(", ")}]`,
      );
    } else {
      L.push("    runs-on: ubuntu-latest");
    }
    const container = r.chance(0.08);
    if (container) {
      L.push(`    container: ${uvImage(r, r.pick(PYTHONS))}`);
      pins++;
    }
    L.push("    timeout-minutes: 20", "    steps:", "      - uses: actions/checkout@v4");
    if (r.chance(0.3)) L.push("        with:", "          fetch-depth: 0");
    const setup = r.int(0, 9);
    if (setup < 8) {
      L.push(
        "      - name: Install uv",
        setup === 7
          ? `        uses: astral-sh/setup-uv@${r.hex(40)} # v6.${r.int(0, 8)}.${r.int(0, 3)}`
          : `        uses: astral-sh/setup-uv@v${r.int(5, 7)}`,
      );
      const withLines: string[] = [];
      if (setup < 5) {
        withLines.push(
          useEnv
            ? "          version: ${{ env.UV_VERSION }}"
            : r.chance(0.5)
              ? `          version: "${v}"`
              : `          version: ${r.pick([v, "latest", "0.9.x"])}`,
        );
        pins++;
      } else if (setup === 5) {
        withLines.push("          version-file: pyproject.toml");
      }
      if (r.chance(0.6)) withLines.push("          enable-cache: true");
      if (r.chance(0.4)) withLines.push('          cache-dependency-glob: "uv.lock"');
      if (kind === "ci" && j === 0)
        withLines.push("          python-version: ${{ matrix.python-version }}");
      if (withLines.length > 0) L.push("        with:", ...withLines);
    } else if (setup === 8) {
      L.push(
        "      - name: Install uv",
        "        run: curl -LsSf https://astral.sh/uv/install.sh | sh",
      );
      pins++;
    } else {
      L.push(
        "      - name: Install uv",
        "        run: |",
        `          curl -LsSf https://astral.sh/uv/${v}/install.sh | sh`,
        '          echo "$HOME/.local/bin" >> "$GITHUB_PATH"',
      );
      pins++;
    }
    if (r.chance(0.25))
      L.push(
        `      # - uses: astral-sh/setup-uv@v4`,
        `      #   with: { version: "${uvVersion(r)}" }`,
      );
    const steps = r.int(2, 7);
    for (let s = 0; s < steps; s++) {
      const step = r.pick([
        ["      - name: Install dependencies", "        run: uv sync --all-extras --dev"],
        ["      - name: Run tests", "        run: uv run pytest -q --cov --cov-report=xml"],
        [
          "      - name: Lint",
          "        run: |",
          "          uv run ruff check .",
          "          uv run ruff format --check .",
        ],
        ["      - name: Type check", "        run: uv run mypy src"],
        [
          "      - uses: actions/upload-artifact@v4",
          "        with:",
          `          name: ${word(r)}-report`,
          "          path: reports/",
          "          retention-days: 7",
        ],
        ["      - name: Build", "        run: uv build"],
        [
          "      - uses: codecov/codecov-action@v5",
          "        with:",
          "          token: ${{ secrets.CODECOV_TOKEN }}",
          "          fail_ci_if_error: false",
        ],
        ["      - name: Minimize uv cache", "        run: uv cache prune --ci"],
      ]);
      L.push(...step);
    }
    if (r.chance(0.06)) {
      L.push(
        `      - uses: docker://${uvImage(r, r.pick(PYTHONS)).replace(/@sha256:[0-9a-f]+$/, "")}`,
        "        with:",
        "          args: uv --version",
      );
      pins++;
    }
    if (kind === "release") {
      L.push("      - name: Publish", "        run: uv publish --trusted-publishing always");
    }
    L.push("");
  }
  return { text: L.join("\n"), pins };
}

function preCommit(r: Rng): Text {
  let pins = 0;
  const L = ["# See https://pre-commit.com for more information", "repos:"];
  L.push(
    "  - repo: https://github.com/pre-commit/pre-commit-hooks",
    "    rev: v5.0.0",
    "    hooks:",
    "      - id: trailing-whitespace",
    "      - id: end-of-file-fixer",
    "      - id: check-yaml",
    "      - id: check-added-large-files",
    "  - repo: https://github.com/astral-sh/ruff-pre-commit",
    `    rev: v0.${r.int(6, 14)}.${r.int(0, 9)}`,
    "    hooks:",
    "      - id: ruff",
    "        args: [--fix]",
    "      - id: ruff-format",
  );
  if (r.chance(0.75)) {
    L.push(
      `  - repo: https://github.com/astral-sh/uv-pre-commit${r.chance(0.1) ? ".git" : ""}`,
      `    # uv version.`,
      `    rev: ${r.chance(0.3) ? `"${uvVersion(r)}"` : uvVersion(r)}`,
      "    hooks:",
      "      - id: uv-lock",
    );
    if (r.chance(0.5))
      L.push("      - id: uv-export", "        args: [--frozen, --output-file=requirements.txt]");
    pins++;
  }
  if (r.chance(0.5)) {
    L.push(
      "  - repo: https://github.com/pre-commit/mirrors-mypy",
      `    rev: v1.${r.int(8, 18)}.0`,
      "    hooks:",
      "      - id: mypy",
      "        additional_dependencies: [types-requests, pydantic]",
    );
  }
  return { text: `${L.join("\n")}\n`, pins };
}

function compose(r: Rng, app: string): Text {
  let pins = 0;
  const L = ["services:", "  app:", "    build:", "      context: .", "      args:"];
  const v = uvVersion(r);
  L.push(
    `        UV_VERSION: \${UV_VERSION:-${v}}`,
    `    image: ${app}:latest`,
    "    ports:",
    '      - "8000:8000"',
  );
  L.push("    env_file: .env", "    depends_on:", "      - db", "      - redis");
  L.push(
    "  db:",
    "    image: postgres:16-alpine",
    "    environment:",
    "      POSTGRES_PASSWORD: postgres",
    "    volumes:",
    "      - pgdata:/var/lib/postgresql/data",
  );
  L.push("  redis:", "    image: redis:7-alpine");
  if (r.chance(0.6)) {
    L.push(
      "  migrate:",
      `    image: ghcr.io/astral-sh/uv:\${UV_VERSION:-${v}}-${r.pick(DISTROS)}`,
      "    working_dir: /app",
      "    volumes:",
      "      - .:/app",
      '    command: ["uv", "run", "alembic", "upgrade", "head"]',
    );
    pins++;
  }
  if (r.chance(0.3)) {
    L.push("  tools:", `    image: "${uvImage(r, r.pick(PYTHONS))}"`);
    pins++;
  }
  L.push("volumes:", "  pgdata:", "");
  return { text: L.join("\n"), pins };
}

function k8sDeployment(r: Rng, app: string, withUv: boolean): Text {
  const name = `${app}-${word(r)}`;
  const L = [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: ${name}`,
    "  labels:",
    `    app.kubernetes.io/name: ${name}`,
    `    app.kubernetes.io/part-of: ${app}`,
    "spec:",
    `  replicas: ${r.int(1, 6)}`,
    "  selector:",
    "    matchLabels:",
    `      app.kubernetes.io/name: ${name}`,
    "  template:",
    "    metadata:",
    "      labels:",
    `        app.kubernetes.io/name: ${name}`,
    "    spec:",
  ];
  if (withUv) {
    L.push(
      "      initContainers:",
      "        - name: migrate",
      `          image: ${uvImage(r, r.pick(PYTHONS))}`,
      '          command: ["uv", "run", "--frozen", "alembic", "upgrade", "head"]',
    );
  }
  L.push(
    "      containers:",
    `        - name: ${word(r)}`,
    `          image: registry.example.com/${app}/${name}:${semver(r)}`,
    "          imagePullPolicy: IfNotPresent",
    "          ports:",
    `            - containerPort: ${r.pick([8000, 8080, 9090])}`,
    "          env:",
  );
  for (let i = r.int(2, 10); i > 0; i--) {
    L.push(
      `            - name: ${word(r).toUpperCase()}_${word(r).toUpperCase()}`,
      `              value: "${word(r)}"`,
    );
  }
  L.push(
    "          resources:",
    "            requests:",
    `              cpu: ${r.int(1, 8) * 50}m`,
    `              memory: ${r.int(1, 8) * 64}Mi`,
    "            limits:",
    `              memory: ${r.int(4, 16) * 64}Mi`,
    "          readinessProbe:",
    "            httpGet:",
    "              path: /health",
    "              port: http",
    "            periodSeconds: 10",
  );
  return { text: L.join("\n"), pins: withUv ? 1 : 0 };
}

function k8sFile(r: Rng, app: string): Text {
  const docs: string[] = [];
  let pins = 0;
  for (let i = r.int(1, 4); i > 0; i--) {
    const kind = r.int(0, 4);
    if (kind <= 2) {
      const d = k8sDeployment(r, app, r.chance(0.25));
      docs.push(d.text);
      pins += d.pins;
    } else if (kind === 3) {
      docs.push(
        [
          "apiVersion: v1",
          "kind: Service",
          "metadata:",
          `  name: ${app}-${word(r)}`,
          "spec:",
          "  type: ClusterIP",
          "  ports:",
          "    - port: 80",
          "      targetPort: http",
        ].join("\n"),
      );
    } else {
      const v = uvVersion(r);
      docs.push(
        [
          "# Nightly export, run with a pinned uv.",
          "apiVersion: batch/v1",
          "kind: CronJob",
          "metadata:",
          `  name: ${app}-export`,
          "spec:",
          `  schedule: "${r.int(0, 59)} ${r.int(0, 23)} * * *"`,
          "  jobTemplate:",
          "    spec:",
          "      template:",
          "        spec:",
          "          containers:",
          "            - name: export",
          `              image: ghcr.io/astral-sh/uv:${v}-python${r.pick(PYTHONS)}-bookworm-slim@${sha(r)}`,
          '              command: ["uv", "run", "--frozen", "python", "-m", "export"]',
          "          restartPolicy: OnFailure",
        ].join("\n"),
      );
      pins++;
    }
  }
  return { text: `${docs.join("\n---\n")}\n`, pins };
}

/** A rendered manifest bundle (CRDs and the like): plain YAML, many documents, no uv pins. */
function bigManifest(r: Rng, app: string, minBytes: number): string {
  const docs: string[] = [];
  let size = 0;
  while (size < minBytes) {
    const d = k8sDeployment(r, app, false).text;
    docs.push(d);
    size += d.length + 5;
  }
  return `${docs.join("\n---\n")}\n`;
}

function gitlabCi(r: Rng): Text {
  const L = [
    "variables:",
    `  UV_VERSION: "${uvVersion(r)}"`,
    `  PYTHON_VERSION: "${r.pick(PYTHONS)}"`,
    "  BASE_LAYER: bookworm-slim",
    "  UV_CACHE_DIR: .uv-cache",
    "  UV_LINK_MODE: copy",
    "",
    "stages: [test, build]",
    "",
    "uv:",
    "  stage: test",
    "  image: ghcr.io/astral-sh/uv:$UV_VERSION-python$PYTHON_VERSION-$BASE_LAYER",
    "  cache:",
    "    - key:",
    "        files:",
    "          - uv.lock",
    "      paths:",
    "        - $UV_CACHE_DIR",
    "  script:",
    "    - uv sync --locked",
    "    - uv run pytest",
    "    - uv cache prune --ci",
    "",
    "build:",
    "  stage: build",
    "  image: docker:27",
    "  services: [docker:27-dind]",
    "  script:",
    "    - docker build --build-arg UV_VERSION=$UV_VERSION -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .",
    "",
  ];
  return { text: L.join("\n"), pins: 1 };
}

// --- TOML -------------------------------------------------------------------------------------

function pyproject(r: Rng, name: string): Text {
  let pins = 0;
  const deps = new Set<string>();
  for (let i = r.int(3, 14); i > 0; i--) deps.add(r.pick(PACKAGES));
  const L = [
    "[project]",
    `name = "${name}"`,
    `version = "${semver(r)}"`,
    `description = "${sentence(r).slice(0, -1)}"`,
    'readme = "README.md"',
    `requires-python = ">=${r.pick(PYTHONS)}"`,
    "dependencies = [",
    ...[...deps].sort().map((d) => `    "${d}>=${r.int(0, 9)}.${r.int(0, 20)}",`),
    "]",
    "",
    "[project.scripts]",
    `${name} = "${name.replace(/-/g, "_")}.cli:main"`,
    "",
    "[dependency-groups]",
    'dev = ["pytest>=8", "pytest-cov>=5", "ruff>=0.8", "mypy>=1.13"]',
    "",
    "[build-system]",
    'requires = ["hatchling"]',
    'build-backend = "hatchling.build"',
    "",
  ];
  if (r.chance(0.7)) {
    L.push("[tool.uv]");
    if (r.chance(0.2)) L.push(`# required-version = "==${uvVersion(r)}"`);
    if (r.chance(0.75)) {
      L.push(`required-version = "${r.pick([">=", "==", "~=", ""])}${uvVersion(r)}"`);
      pins++;
    }
    L.push("managed = true", "package = true", "");
    if (r.chance(0.3))
      L.push(
        "[[tool.uv.index]]",
        'name = "internal"',
        'url = "https://packages.example.com/simple"',
        "explicit = true",
        "",
      );
  }
  L.push(
    "[tool.ruff]",
    "line-length = 100",
    `target-version = "py${r.pick(PYTHONS).replace(".", "")}"`,
    "",
    "[tool.ruff.lint]",
    'select = ["E", "F", "I", "B", "UP", "SIM"]',
    "",
    "[tool.pytest.ini_options]",
    'testpaths = ["tests"]',
    'addopts = "-ra --strict-markers"',
    "",
    "[tool.mypy]",
    "strict = true",
    "",
  );
  return { text: L.join("\n"), pins };
}

function uvToml(r: Rng): Text {
  const L = [
    "# Settings for uv in this repository.",
    `required-version = "${r.pick([">=", "=="])}${uvVersion(r)}"`,
    "native-tls = true",
    `python-preference = "${r.pick(["managed", "only-system"])}"`,
    "",
    "[pip]",
    'index-url = "https://packages.example.com/simple"',
    "",
  ];
  return { text: L.join("\n"), pins: 1 };
}

function uvLock(r: Rng, name: string): string {
  const L = ["version = 1", "revision = 3", `requires-python = ">=${r.pick(PYTHONS)}"`, ""];
  const n = r.int(15, 350);
  for (let i = 0; i < n; i++) {
    const pkg = `${r.pick(PACKAGES)}${i > 40 ? `-${word(r)}` : ""}`;
    const ver = semver(r);
    L.push(
      "[[package]]",
      `name = "${pkg}"`,
      `version = "${ver}"`,
      'source = { registry = "https://packages.example.com/simple" }',
      `sdist = { url = "https://packages.example.com/files/${r.hex(2)}/${pkg}-${ver}.tar.gz", hash = "${sha(r)}", size = ${r.int(10000, 9000000)} }`,
      "wheels = [",
    );
    for (let w = r.int(1, 6); w > 0; w--) {
      L.push(
        `    { url = "https://packages.example.com/files/${r.hex(2)}/${pkg.replace(/-/g, "_")}-${ver}-py3-none-any.whl", hash = "${sha(r)}", size = ${r.int(10000, 900000)} },`,
      );
    }
    L.push("]", "");
  }
  L.push("[[package]]", `name = "${name}"`, 'source = { editable = "." }', "");
  return L.join("\n");
}

// --- Shell, Make, PowerShell ------------------------------------------------------------------

function shellScript(r: Rng): Text {
  let pins = 0;
  const v = uvVersion(r);
  const L = ["#!/usr/bin/env bash", `# ${sentence(r)}`, "set -euo pipefail", ""];
  const style = r.int(0, 6);
  if (style === 0) {
    L.push(
      `UV_VERSION="\${UV_VERSION:-${v}}"`,
      "",
      'curl -LsSf "https://astral.sh/uv/${UV_VERSION}/install.sh" | sh',
    );
    pins++;
  } else if (style === 1) {
    L.push(
      "curl -LsSf https://astral.sh/uv/install.sh | sh",
      'export PATH="$HOME/.local/bin:$PATH"',
    );
    pins++;
  } else if (style === 2) {
    L.push(
      `UV_VERSION=${v}`,
      `UV_SHA256=${r.hex(64)}`,
      "",
      `# curl -LsSf https://astral.sh/uv/${uvVersion(r)}/install.sh | sh`,
      'curl -fsSLO "https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/uv-x86_64-unknown-linux-gnu.tar.gz"',
      'echo "${UV_SHA256}  uv-x86_64-unknown-linux-gnu.tar.gz" | sha256sum -c -',
      "tar -xzf uv-x86_64-unknown-linux-gnu.tar.gz --strip-components=1 -C /usr/local/bin",
    );
    pins++;
  } else if (style === 3) {
    L.push(`python3 -m pip install --user uv==${v}`);
    pins++;
  } else if (style === 4) {
    L.push(`docker run --rm -v "$PWD:/src" -w /src ${uvImage(r, r.pick(PYTHONS))} uv lock --check`);
    pins++;
  }
  // Plain project scripting around it.
  for (let i = r.int(3, 30); i > 0; i--) {
    L.push(
      r.pick([
        `echo "==> ${sentence(r, 4)}"`,
        "uv sync --locked",
        `uv run python -m ${word(r)}`,
        `uv run pytest tests/${word(r)} -q`,
        `if [[ -f .env ]]; then source .env; fi`,
        `for f in src/*/${word(r)}*.py; do uv run ruff check "$f"; done`,
        `mkdir -p "build/${word(r)}"`,
        `rm -rf "dist/${word(r)}"`,
        `# ${sentence(r)}`,
      ]),
    );
  }
  L.push("");
  return { text: L.join("\n"), pins };
}

function makefile(r: Rng, app: string): Text {
  let pins = 0;
  const v = uvVersion(r);
  const L = ["# Tooling pins", `UV_VERSION ?= ${v}`, `PYTHON ?= ${r.pick(PYTHONS)}`];
  const image = r.chance(0.5);
  if (image) {
    L.push("UV_IMAGE := ghcr.io/astral-sh/uv:$(UV_VERSION)");
    pins++;
  }
  L.push(`APP := ${app}`, "", ".PHONY: install-uv install test lint fmt image clean", "");
  if (r.chance(0.7)) {
    L.push("install-uv:", "\tcurl -LsSf https://astral.sh/uv/$(UV_VERSION)/install.sh | sh", "");
    pins++;
  }
  L.push(
    "install:",
    "\tuv sync --all-extras --dev",
    "",
    "test:",
    "\tuv run pytest -q",
    "",
    "lint:",
    "\tuv run ruff check .",
    "\tuv run mypy src",
    "",
    "fmt:",
    "\tuv run ruff format .",
    "",
    "image:",
    `\tdocker build ${image ? "--build-arg UV_IMAGE=$(UV_IMAGE) " : ""}-t $(APP) .`,
    "",
    "clean:",
    "\trm -rf .venv dist build .pytest_cache .mypy_cache",
    "",
  );
  return { text: L.join("\n"), pins };
}

function powershell(r: Rng): Text {
  const v = uvVersion(r);
  const L = [
    "<#",
    ".SYNOPSIS",
    `  ${sentence(r)}`,
    "#>",
    '$ErrorActionPreference = "Stop"',
    `$env:UV_VERSION = "${v}"`,
    "",
    "irm https://astral.sh/uv/$env:UV_VERSION/install.ps1 | iex",
    "uv sync --locked",
    "uv run pytest",
    "",
  ];
  return { text: L.join("\r\n"), pins: 1 };
}

// --- Files without pins -----------------------------------------------------------------------

function pythonModule(r: Rng): string {
  const L = [`"""${sentence(r)}"""`, "", "from __future__ import annotations", ""];
  const imports = [
    "import logging",
    "import os",
    "from dataclasses import dataclass, field",
    "from typing import Any",
    "from collections.abc import Iterable",
  ];
  for (const i of imports) if (r.chance(0.6)) L.push(i);
  L.push("", "logger = logging.getLogger(__name__)", "");
  for (let n = r.int(1, 18); n > 0; n--) {
    const name = `${word(r)}_${word(r)}`;
    if (r.chance(0.3)) {
      const cls = name.replace(/(^|_)(\w)/g, (_m, _u: string, c: string) => c.toUpperCase());
      L.push("", "@dataclass", `class ${cls}:`, `    """${sentence(r)}"""`, "");
      for (let f = r.int(1, 6); f > 0; f--)
        L.push(
          `    ${word(r)}: ${r.pick(["str", "int", "float", "list[str]", "dict[str, Any]"])}${r.chance(0.5) ? " = field(default_factory=list)" : ""}`,
        );
      L.push(
        "",
        `    def ${word(r)}(self, value: int) -> int:`,
        `        """${sentence(r)}"""`,
        `        return value * ${r.int(1, 9)}`,
        "",
      );
    } else {
      L.push(
        "",
        `def ${name}(${word(r)}: Iterable[str], *, limit: int = ${r.int(1, 100)}) -> list[str]:`,
        `    """${sentence(r)}`,
        "",
        `    ${sentence(r)}`,
        '    """',
        "    out: list[str] = []",
      );
      for (let s = r.int(2, 10); s > 0; s--) {
        L.push(
          r.pick([
            `    for item in ${word(r)}:`,
            "        if len(out) >= limit:",
            "            break",
            `        out.append(item.strip().lower())`,
            `    logger.debug("${sentence(r, 4)} %s", out)`,
            `    # ${sentence(r)}`,
            `    ${word(r)}_count = len(out) + ${r.int(0, 9)}`,
          ]),
        );
      }
      L.push("    return out", "");
    }
  }
  return `${L.join("\n")}\n`;
}

function readme(r: Rng, name: string): string {
  const L = [`# ${name}`, "", sentence(r), sentence(r), "", "## Install", "", "```sh"];
  // Installer lines in Markdown are documentation, not pins (README.md is not a pin file).
  L.push("curl -LsSf https://astral.sh/uv/install.sh | sh", "uv sync", "```", "");
  for (let s = r.int(1, 8); s > 0; s--) {
    L.push(`## ${word(r)}`, "");
    for (let p = r.int(1, 4); p > 0; p--)
      L.push(`${sentence(r)} ${sentence(r)} ${sentence(r)}`, "");
  }
  return L.join("\n");
}

function jsonDoc(r: Rng): string {
  const obj: Record<string, unknown> = {};
  for (let i = r.int(3, 60); i > 0; i--) {
    obj[`${word(r)}_${i}`] = r.chance(0.5)
      ? sentence(r)
      : { id: r.int(1, 1e6), tags: [word(r), word(r)], score: r.float() };
  }
  return `${JSON.stringify(obj, null, 2)}\n`;
}

function csv(r: Rng, minBytes: number): string {
  const rows = ["id,name,category,score,created_at"];
  let size = 0;
  for (let i = 1; size < minBytes; i++) {
    const row = `${i},${word(r)}-${r.hex(6)},${word(r)},${r.float().toFixed(6)},2025-${String(r.int(1, 12)).padStart(2, "0")}-${String(r.int(1, 28)).padStart(2, "0")}`;
    rows.push(row);
    size += row.length + 1;
  }
  return `${rows.join("\n")}\n`;
}

// --- The corpus -------------------------------------------------------------------------------

export interface Corpus {
  dir: string;
  seed: number;
  repos: number;
  /** Every file written, including those under `node_modules/` and `.git/`. */
  files: number;
  bytes: number;
  /** Files the scanner looks at: `fileKind` is set and they are outside skipped directories. */
  candidates: number;
  candidateBytes: number;
  /** Candidates that cannot be read as text (over 1 MiB, binary, not UTF-8): one skip each. */
  unreadable: number;
  /** Pins written into candidate files, counted by construction. */
  expectedPins: number;
  /** Pins by construction per candidate file (relative to `dir`, `/`-separated). */
  expectedByFile: Map<string, number>;
}

export interface CorpusOptions {
  seed?: number;
  repos?: number;
}

const SKIPPED_DIR = /(^|\/)(node_modules|\.git)\//;
const BIG = 1024 * 1024;

export function generateCorpus(options: CorpusOptions = {}): Corpus {
  const seed = (options.seed ?? DEFAULT_SEED) >>> 0;
  const repos = options.repos ?? 60;
  const r = new Rng(mulberry32(seed));
  const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-bench-"));
  const corpus: Corpus = {
    dir,
    seed,
    repos,
    files: 0,
    bytes: 0,
    candidates: 0,
    candidateBytes: 0,
    unreadable: 0,
    expectedPins: 0,
    expectedByFile: new Map(),
  };
  const made = new Set<string>();
  const put = (rel: string, content: string | Uint8Array, pins = 0, readable = true) => {
    const path = join(dir, rel);
    const parent = dirname(path);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    writeFileSync(path, data);
    corpus.files++;
    corpus.bytes += data.length;
    const candidate = fileKind(rel) !== null && !SKIPPED_DIR.test(rel);
    if (!candidate) return;
    corpus.candidates++;
    corpus.candidateBytes += data.length;
    if (!readable || data.length > BIG) {
      corpus.unreadable++;
      return;
    }
    corpus.expectedPins += pins;
    corpus.expectedByFile.set(rel, pins);
  };
  const putText = (rel: string, t: Text) => put(rel, t.text, t.pins);

  // A few repositories carry the odd files: oversized manifests, binaries, Latin-1 scripts.
  const bigManifestAt = new Set([r.int(0, repos - 1), r.int(0, repos - 1)]);
  const largeCrdAt = new Set([r.int(0, repos - 1), r.int(0, repos - 1)]);
  const oddAt = new Set([r.int(0, repos - 1), r.int(0, repos - 1), r.int(0, repos - 1)]);

  for (let i = 0; i < repos; i++) {
    const name = `${word(r)}-${word(r)}${i}`;
    const pkg = name.replace(/-/g, "_");
    const root = name;
    const service = r.chance(0.55);
    const at = (p: string) => `${root}/${p}`;

    put(at("README.md"), readme(r, name));
    put(at("LICENSE"), `MIT License\n\nCopyright (c) 2025 ${name}\n\n${sentence(r, 60)}\n`);
    put(
      at(".gitignore"),
      ".venv/\n__pycache__/\n*.pyc\ndist/\nbuild/\n.env\n.coverage\nnode_modules/\n",
    );
    put(at(".python-version"), `${r.pick(PYTHONS)}\n`);
    putText(at("pyproject.toml"), pyproject(r, name));
    put(at("uv.lock"), uvLock(r, name));
    put(at(`src/${pkg}/__init__.py`), `"""${sentence(r)}"""\n\n__version__ = "${semver(r)}"\n`);
    for (let m = r.int(5, 20); m > 0; m--)
      put(at(`src/${pkg}/${word(r)}_${m}.py`), pythonModule(r));
    put(at("tests/__init__.py"), "");
    put(at("tests/conftest.py"), pythonModule(r));
    for (let t = r.int(2, 10); t > 0; t--)
      put(at(`tests/test_${word(r)}_${t}.py`), pythonModule(r));
    for (let d = r.int(0, 6); d > 0; d--) put(at(`docs/${word(r)}-${d}.md`), readme(r, word(r)));
    if (r.chance(0.5))
      put(
        at("mkdocs.yml"),
        `site_name: ${name}\ntheme:\n  name: material\nnav:\n  - Home: index.md\n  - Reference: reference.md\nplugins:\n  - search\n  - mkdocstrings\n`,
      );
    put(
      at(".github/dependabot.yml"),
      'version: 2\nupdates:\n  - package-ecosystem: "uv"\n    directory: "/"\n    schedule:\n      interval: "weekly"\n  - package-ecosystem: "github-actions"\n    directory: "/"\n    schedule:\n      interval: "weekly"\n',
    );
    putText(at(".github/workflows/ci.yml"), workflow(r, "ci"));
    if (r.chance(0.7)) putText(at(".github/workflows/release.yml"), workflow(r, "release"));
    if (r.chance(0.4)) putText(at(".github/workflows/docs.yaml"), workflow(r, "docs"));
    if (r.chance(0.4)) putText(at(".github/workflows/lint.yml"), workflow(r, "lint"));
    if (r.chance(0.75)) putText(at(".pre-commit-config.yaml"), preCommit(r));
    if (r.chance(0.2)) putText(at("uv.toml"), uvToml(r));
    if (r.chance(0.6)) putText(at("Makefile"), makefile(r, pkg));
    if (r.chance(0.15)) putText(at(".gitlab-ci.yml"), gitlabCi(r));
    if (r.chance(0.1)) putText(at("scripts/install.ps1"), powershell(r));
    for (let s = r.int(1, 5); s > 0; s--) putText(at(`scripts/${word(r)}-${s}.sh`), shellScript(r));

    if (service) {
      putText(at("Dockerfile"), dockerfile(r, pkg));
      put(at(".dockerignore"), ".venv\n.git\n__pycache__\n*.pyc\nnode_modules\n");
      if (r.chance(0.4)) putText(at("Dockerfile.dev"), dockerfile(r, pkg));
      if (r.chance(0.3)) putText(at(`docker/${word(r)}.Dockerfile`), dockerfile(r, pkg));
      putText(at(r.pick(["compose.yaml", "docker-compose.yml"])), compose(r, pkg));
      if (r.chance(0.6)) {
        for (let k = r.int(2, 7); k > 0; k--)
          putText(at(`deploy/k8s/${word(r)}-${k}.yaml`), k8sFile(r, pkg));
      }
      if (r.chance(0.3)) {
        const tpl = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "app.fullname" . }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n`;
        put(at("charts/app/templates/deployment.yaml"), tpl);
        put(
          at("charts/app/values.yaml"),
          `image:\n  repository: registry.example.com/${pkg}\n  tag: ${semver(r)}\nresources: {}\n`,
        );
        put(at("charts/app/Chart.yaml"), `apiVersion: v2\nname: ${pkg}\nversion: ${semver(r)}\n`);
      }
    }
    if (r.chance(0.3)) {
      for (let n = r.int(1, 4); n > 0; n--) put(at(`notebooks/${word(r)}-${n}.ipynb`), jsonDoc(r));
    }
    if (r.chance(0.4)) put(at(`data/${word(r)}.json`), jsonDoc(r));
    if (bigManifestAt.has(i))
      put(at("deploy/rendered/all.yaml"), bigManifest(r, pkg, BIG + r.int(1, 300_000)), 0, false);
    if (largeCrdAt.has(i))
      put(at("deploy/crds/crds.yaml"), bigManifest(r, pkg, r.int(300_000, 900_000)));
    if (oddAt.has(i)) {
      put(at("assets/logo.png"), r.bytes(r.int(4_000, 60_000)));
      put(at(`data/${word(r)}.csv`), csv(r, BIG + r.int(200_000, 1_500_000)));
      // A self-extracting bundle: a shell header, then compressed bytes (NULs within 8000 bytes).
      const header = Buffer.from(
        `#!/bin/sh\n# Self-extracting bundle.\nsed '1,/^__PAYLOAD__$/d' "$0" | tar -xz\nexit 0\n__PAYLOAD__\n`,
      );
      put(
        at("tools/bundle.sh"),
        Buffer.concat([header, r.bytes(r.int(20_000, 200_000))]),
        0,
        false,
      );
      // An old script saved as Latin-1 (not UTF-8).
      put(
        at("scripts/legacy.sh"),
        Buffer.from("#!/bin/sh\n# R\u00e9sum\u00e9 des \u00e9tapes\necho ok\n", "latin1"),
        0,
        false,
      );
    }
    if (r.chance(0.2)) {
      // Front-end tooling with its dependencies checked out; the walker must not enter it.
      for (let p = r.int(8, 25); p > 0; p--) {
        const dep = `${word(r)}-${word(r)}-${p}`;
        put(
          at(`web/node_modules/${dep}/package.json`),
          `{\n  "name": "${dep}",\n  "version": "${semver(r)}",\n  "main": "index.js"\n}\n`,
        );
        put(
          at(`web/node_modules/${dep}/index.js`),
          `"use strict";\nmodule.exports = function ${word(r)}() { return ${r.int(0, 99)}; };\n`,
        );
        if (r.chance(0.2))
          put(
            at(`web/node_modules/${dep}/.travis.yml`),
            `language: node_js\nimage: ghcr.io/astral-sh/uv:${uvVersion(r)}\n`,
            1,
          );
        if (r.chance(0.1))
          put(
            at(`web/node_modules/${dep}/scripts/postinstall.sh`),
            "curl -LsSf https://astral.sh/uv/install.sh | sh\n",
            1,
          );
      }
      put(at("web/package.json"), `{\n  "name": "${pkg}-web",\n  "private": true\n}\n`);
    }
    // A .git directory: metadata, hooks, loose objects (binary), one hook script holding a pin.
    put(at(".git/HEAD"), "ref: refs/heads/main\n");
    put(
      at(".git/config"),
      `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/example/${name}.git\n`,
    );
    put(
      at(".git/description"),
      "Unnamed repository; edit this file 'description' to name the repository.\n",
    );
    put(
      at(".git/hooks/pre-commit.sample"),
      "#!/bin/sh\nexec git diff-index --check --cached HEAD --\n",
    );
    put(
      at(".git/hooks/post-checkout.sh"),
      `#!/bin/sh\ncurl -LsSf https://astral.sh/uv/${uvVersion(r)}/install.sh | sh\n`,
      1,
    );
    put(at(".git/index"), r.bytes(r.int(2_000, 30_000)));
    for (let o = r.int(2, 8); o > 0; o--)
      put(at(`.git/objects/${r.hex(2)}/${r.hex(38)}`), r.bytes(r.int(100, 8_000)));
  }
  return corpus;
}
