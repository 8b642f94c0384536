import { describe, expect, it } from "vitest";
import { NO_SPANS, type Shown, scan, scanFixture, shown } from "../../test/file-pins.js";

const HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** A `kind: "version"` pin; `span` is `"line:column text"`. */
function versionPin(
  file: string,
  line: number,
  version: string | null,
  span: string | null,
  variable: string | null = null,
  skipReason: string | null = null,
): Shown {
  return shown("version", file, line, {
    version,
    variable,
    versionLine: span ? Number(span.split(":")[0]) : null,
    skipReason,
    spans: { ...NO_SPANS, version: span },
  });
}

/** An installer pin for `https://astral.sh/uv/<version>/install.{sh,ps1}`. */
function installerPin(
  file: string,
  line: number,
  url: string,
  version: string | null,
  span: string | null,
  variable: string | null,
  skipReason: string | null = null,
): Shown {
  return shown("installer", file, line, {
    url,
    version,
    variable,
    versionLine: span ? Number(span.split(":")[0]) : null,
    asset: url.slice(url.lastIndexOf("/") + 1),
    skipReason,
    spans: { ...NO_SPANS, version: span },
  });
}

/** An image pin with a version in its tag; `suffix` is the tag's variant, as resolved. */
function imagePin(
  file: string,
  line: number,
  image: string,
  tag: string,
  version: string,
  span: string,
  more: { variable?: string; suffix?: string; digest?: string } = {},
): Shown {
  return shown("image", file, line, {
    image,
    tag,
    version,
    digest: more.digest?.split(" ")[1] ?? null,
    form: more.digest ? "tag+digest" : "tag",
    variable: more.variable ?? null,
    versionLine: Number(span.split(":")[0]),
    suffix: more.suffix ?? null,
    resolvedTag: `${version}${more.suffix ?? ""}`,
    spans: { ...NO_SPANS, version: span, digest: more.digest ?? null },
  });
}

describe("GitHub workflows", () => {
  it("ci.yml: container images, setup-uv versions as written, `${{ env.X }}` and `$env:X` in run blocks", () => {
    const file = ".github/workflows/ci.yml";
    const uv = "ghcr.io/astral-sh/uv";
    expect(scanFixture(file)).toEqual({
      pins: [
        imagePin(file, 16, uv, "0.9.17-python3.12-bookworm-slim", "0.9.17", "16:35 0.9.17", {
          suffix: "-python3.12-bookworm-slim",
        }),
        versionPin(file, 22, "0.10", "22:20 0.10"),
        versionPin(file, 26, "latest", "26:21 latest"),
        installerPin(
          file,
          32,
          "https://astral.sh/uv/${{ env.UV_VERSION }}/install.sh",
          "0.9.17",
          "9:16 0.9.17",
          "UV_VERSION",
        ),
        versionPin(file, 33, "0.9.17", "9:16 0.9.17", "UV_VERSION"),
        imagePin(file, 35, uv, "0.9.17", "0.9.17", "35:45 0.9.17"),
        imagePin(file, 42, uv, "0.9-alpine", "0.9", "42:37 0.9", { suffix: "-alpine" }),
        // The job's `env:` wins over the workflow's.
        installerPin(
          file,
          54,
          "https://astral.sh/uv/$env:UV_VERSION/install.ps1",
          "0.9.16",
          "50:20 0.9.16",
          "UV_VERSION",
        ),
      ],
      skipped: [],
    });
  });

  it("variables are scoped: a run block's own assignment, then step, job and workflow `env:`", () => {
    const text = [
      "env:",
      '  UV_VERSION: "0.9.17"',
      "jobs:",
      "  a:",
      "    steps:",
      "      - run: |",
      "          UV_VERSION=0.9.16",
      "          curl -LsSf https://astral.sh/uv/$UV_VERSION/install.sh | sh",
      "      - env:",
      "          UV_VERSION: 0.9.15",
      "        run: curl -LsSf https://astral.sh/uv/${UV_VERSION}/install.sh | sh",
      "      - run: curl -LsSf https://astral.sh/uv/$UV_VERSION/install.sh | sh",
      "  b:",
      "    env:",
      "      UV_VERSION: 0.9.14",
      "    steps:",
      "      - uses: astral-sh/setup-uv@v7",
      "        with:",
      "          version: ${{ env.UV_VERSION }}",
      "",
    ].join("\n");
    const f = "w.yml";
    expect(scan(f, text)).toEqual({
      pins: [
        installerPin(
          f,
          8,
          "https://astral.sh/uv/$UV_VERSION/install.sh",
          "0.9.16",
          "7:22 0.9.16",
          "UV_VERSION",
        ),
        installerPin(
          f,
          11,
          "https://astral.sh/uv/${UV_VERSION}/install.sh",
          "0.9.15",
          "10:23 0.9.15",
          "UV_VERSION",
        ),
        installerPin(
          f,
          12,
          "https://astral.sh/uv/$UV_VERSION/install.sh",
          "0.9.17",
          "2:16 0.9.17",
          "UV_VERSION",
        ),
        versionPin(f, 19, "0.9.14", "15:19 0.9.14", "UV_VERSION"),
      ],
      skipped: [],
    });
  });

  it("a matrix value is only known when the workflow runs: skipped", () => {
    const text = [
      "jobs:",
      "  a:",
      "    strategy:",
      "      matrix:",
      '        uv: ["0.9.16", "0.9.17"]',
      "    steps:",
      "      - uses: astral-sh/setup-uv@v7",
      "        with:",
      "          version: ${{ matrix.uv }}",
      "      - run: curl -LsSf https://astral.sh/uv/${{ matrix.uv }}/install.sh | sh",
      "",
    ].join("\n");
    const reason = "version: `${{ matrix.uv }}` has no default value";
    expect(scan("m.yaml", text)).toEqual({
      pins: [
        versionPin("m.yaml", 9, null, null, "${{ matrix.uv }}", reason),
        installerPin(
          "m.yaml",
          10,
          "https://astral.sh/uv/${{ matrix.uv }}/install.sh",
          null,
          null,
          "${{ matrix.uv }}",
          reason,
        ),
      ],
      skipped: [
        { file: "m.yaml", line: 9, reason },
        { file: "m.yaml", line: 10, reason },
      ],
    });
  });

  it("setup-uv forms: flow mapping, SHA ref, ranges; no `version:` or another action is no pin", () => {
    const text = [
      "steps:",
      '  - uses: "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc"',
      "    with: {version: '0.9.17', enable-cache: true}",
      "  - uses: astral-sh/setup-uv@v7",
      '    with: {version: ">=0.9.0,<0.10"}',
      "  - uses: astral-sh/setup-uv@v7",
      "    with:",
      "      version-file: pyproject.toml",
      "  - uses: astral-sh/setup-uv-extra@v1",
      "    with:",
      "      version: 0.9.17",
      "  - uses: actions/setup-python@v5",
      "    with:",
      '      version: "0.9.17"',
      "",
    ].join("\n");
    expect(scan("action.yml", text)).toEqual({
      pins: [
        versionPin("action.yml", 3, "0.9.17", "3:22 0.9.17"),
        versionPin("action.yml", 5, ">=0.9.0,<0.10", "5:22 >=0.9.0,<0.10"),
      ],
      skipped: [],
    });
  });

  it("comments: YAML `#` after an apostrophe, shell `#` in block and quoted scripts", () => {
    const text = [
      "# docker pull ghcr.io/astral-sh/uv:0.1.0",
      "steps:",
      "  - name: Let's go # ghcr.io/astral-sh/uv:0.2.0",
      "    run: |",
      "      # curl -LsSf https://astral.sh/uv/0.3.0/install.sh | sh",
      "      echo ok # pip install uv==0.4.0",
      '  - run: "true # ghcr.io/astral-sh/uv:0.5.0"',
      "    with: # version: 0.6.0",
      "      args: x",
      "",
    ].join("\n");
    expect(scan("c.yml", text)).toEqual({ pins: [], skipped: [] });
  });

  it("spans are UTF-16 offsets after a byte-order mark, astral-plane characters and CRLF", () => {
    const text = [
      "\uFEFF# 🚀 release",
      "steps:",
      "  - uses: astral-sh/setup-uv@v7",
      '    with: {version: "0.9.17"}',
      "  - run: echo 🚀 && docker run ghcr.io/astral-sh/uv:0.9.17",
      "",
    ].join("\r\n");
    expect(scan("bom.yml", text)).toEqual({
      pins: [
        versionPin("bom.yml", 4, "0.9.17", "4:22 0.9.17"),
        imagePin("bom.yml", 5, "ghcr.io/astral-sh/uv", "0.9.17", "0.9.17", "5:53 0.9.17"),
      ],
      skipped: [],
    });
  });

  it("a file that is not valid YAML: one skipped entry, and its text-found pins are skipped", () => {
    const file = "broken-workflow.yml";
    const reason = "the file is not valid YAML";
    expect(scanFixture(file)).toEqual({
      pins: [
        {
          ...imagePin(file, 5, "ghcr.io/astral-sh/uv", "0.9.17", "0.9.17", "5:37 0.9.17"),
          skipReason: reason,
        },
        installerPin(
          file,
          10,
          "https://astral.sh/uv/0.9.17/install.sh",
          "0.9.17",
          "10:45 0.9.17",
          null,
          reason,
        ),
      ],
      skipped: [
        {
          file,
          line: 10,
          reason: `${reason}: A block sequence may not be used as an implicit map key at line 10, column 1`,
        },
        { file, line: 5, reason },
        { file, line: 10, reason },
      ],
    });
  });
});

describe("GitLab CI, compose, Kubernetes", () => {
  it(".gitlab-ci.yml: `variables:` feed `$UV_VERSION-python…` image tags", () => {
    const file = ".gitlab-ci.yml";
    const uv = "ghcr.io/astral-sh/uv";
    const more = { variable: "UV_VERSION", suffix: "-python3.12-bookworm-slim" };
    expect(scanFixture(file)).toEqual({
      pins: [
        imagePin(
          file,
          12,
          uv,
          "$UV_VERSION-python3.12-bookworm-slim",
          "0.9.17",
          "2:16 0.9.17",
          more,
        ),
        imagePin(
          file,
          20,
          uv,
          "$UV_VERSION-python$PYTHON_VERSION-$BASE_LAYER",
          "0.9.17",
          "2:16 0.9.17",
          more,
        ),
      ].map((pin) =>
        pin.line === 20
          ? // the suffix as written, like the tag (issue 8): variables left in
            { ...pin, suffix: "-python$PYTHON_VERSION-$BASE_LAYER" }
          : pin,
      ),
      skipped: [],
    });
  });

  it("GitLab's `{value: …}` variables, and a job's variables over the file's", () => {
    const text = [
      "variables:",
      "  UV_VERSION:",
      '    value: "0.9.17"',
      '    description: "uv version"',
      "lint:",
      "  variables:",
      "    UV_VERSION: 0.9.16",
      "  image: ghcr.io/astral-sh/uv:${UV_VERSION}-alpine",
      "test:",
      "  image: docker.io/astral/uv:$UV_VERSION",
      "",
    ].join("\n");
    const f = "ci/.gitlab-ci.yml";
    expect(scan(f, text)).toEqual({
      pins: [
        imagePin(f, 8, "ghcr.io/astral-sh/uv", "${UV_VERSION}-alpine", "0.9.16", "7:17 0.9.16", {
          variable: "UV_VERSION",
          suffix: "-alpine",
        }),
        imagePin(f, 10, "docker.io/astral/uv", "$UV_VERSION", "0.9.17", "3:13 0.9.17", {
          variable: "UV_VERSION",
        }),
      ],
      skipped: [],
    });
  });

  it("an unquoted `0.10` variable reads `0.10`; custom tags (`!reference`) are valid YAML", () => {
    const text = [
      "variables:",
      "  UV_VERSION: 0.10",
      ".setup:",
      "  script:",
      "    - echo setup",
      "test:",
      "  image: ghcr.io/astral-sh/uv:$UV_VERSION-alpine",
      "  script:",
      "    - !reference [.setup, script]",
      "    - uv run pytest",
      "",
    ].join("\n");
    expect(scan(".gitlab-ci.yml", text)).toEqual({
      pins: [
        imagePin(
          ".gitlab-ci.yml",
          7,
          "ghcr.io/astral-sh/uv",
          "$UV_VERSION-alpine",
          "0.10",
          "2:15 0.10",
          {
            variable: "UV_VERSION",
            suffix: "-alpine",
          },
        ),
      ],
      skipped: [],
    });
  });

  it("Azure Pipelines: a `variables:` list feeds `$(name)`", () => {
    const text = [
      "variables:",
      "  - group: shared",
      "  - name: uvVersion",
      "    value: '0.9.17'",
      "steps:",
      "  - script: curl -LsSf https://astral.sh/uv/$(uvVersion)/install.sh | sh",
      "",
    ].join("\n");
    const f = "azure-pipelines.yml";
    expect(scan(f, text)).toEqual({
      pins: [
        installerPin(
          f,
          6,
          "https://astral.sh/uv/$(uvVersion)/install.sh",
          "0.9.17",
          "4:13 0.9.17",
          "uvVersion",
        ),
      ],
      skipped: [],
    });
  });

  it("compose.yaml: `${UV_VERSION:-0.9.17}` reads its own default, never a build arg or container env", () => {
    const file = "compose.yaml";
    expect(scanFixture(file)).toEqual({
      pins: [
        // the build arg is a pin of its own: it overrides the Dockerfile's ARG UV_VERSION
        {
          file,
          line: 6,
          kind: "version",
          image: null,
          url: null,
          tag: null,
          version: "0.9.17",
          digest: null,
          form: null,
          variable: "UV_VERSION",
          versionLine: 6,
          suffix: null,
          resolvedTag: null,
          asset: null,
          skipReason: null,
          overrides: "UV_VERSION",
          overridesIn: "Dockerfile",
          spans: { ...NO_SPANS, version: "6:35 0.9.17" },
        },
        imagePin(
          file,
          9,
          "ghcr.io/astral-sh/uv",
          "${UV_VERSION:-0.9.17}-alpine",
          "0.9.17",
          "9:47 0.9.17",
          { variable: "UV_VERSION", suffix: "-alpine" },
        ),
        imagePin(file, 12, "docker.io/astral/uv", "0.9.17", "0.9.17", "12:33 0.9.17", {
          digest: `12:40 sha256:${"abcdef".repeat(10)}abcd`,
        }),
      ],
      skipped: [],
    });
  });

  it("k8s/job.yaml: every document; `$(UV_VERSION)` from the container's `env:` list", () => {
    const file = "k8s/job.yaml";
    expect(scanFixture(file)).toEqual({
      pins: [
        imagePin(file, 17, "docker.io/astral/uv", "0.9.17", "0.9.17", "17:38 0.9.17", {
          digest: `17:45 sha256:${HEX}`,
        }),
        imagePin(
          file,
          20,
          "astral/uv",
          "0.9.17-python3.12-bookworm-slim",
          "0.9.17",
          "20:28 0.9.17",
          {
            suffix: "-python3.12-bookworm-slim",
          },
        ),
        installerPin(
          file,
          24,
          "https://astral.sh/uv/$(UV_VERSION)/install.sh",
          "0.9.17",
          "23:23 0.9.17",
          "UV_VERSION",
        ),
      ],
      skipped: [],
    });
  });
});

describe("pre-commit", () => {
  it(".pre-commit-config.yaml: the uv-pre-commit `rev:`, not ruff-pre-commit's", () => {
    const file = ".pre-commit-config.yaml";
    expect(scanFixture(file)).toEqual({
      pins: [versionPin(file, 8, "0.9.17", "8:10 0.9.17")],
      skipped: [],
    });
  });

  it("quoted, flow-style, `.git` and `v`-prefixed revs; a frozen SHA is skipped", () => {
    const sha = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2";
    const text = [
      "repos:",
      "  - repo: https://github.com/astral-sh/uv-pre-commit.git",
      '    rev: "0.9.17"  # uv',
      "    hooks: [{id: uv-lock}]",
      "  - {repo: 'https://github.com/astral-sh/uv-pre-commit', rev: '0.9.16'}",
      "  - repo: https://github.com/astral-sh/uv-pre-commit",
      "    rev: v0.9.15",
      "  - repo: https://github.com/astral-sh/uv-pre-commit",
      `    rev: ${sha}  # frozen: 0.9.14`,
      "  - repo: local",
      "    rev: 0.9.13",
      "    hooks:",
      "      - id: docs",
      "        entry: echo https://github.com/astral-sh/uv-pre-commit",
      "",
    ].join("\n");
    const f = ".pre-commit-config.yaml";
    expect(scan(f, text)).toEqual({
      pins: [
        versionPin(f, 3, "0.9.17", "3:11 0.9.17"),
        versionPin(f, 5, "0.9.16", "5:64 0.9.16"),
        versionPin(f, 7, "0.9.15", "7:11 0.9.15"),
        versionPin(f, 9, null, null, null, `version: \`${sha}\` is a commit SHA, not a version`),
      ],
      skipped: [{ file: f, line: 9, reason: `version: \`${sha}\` is a commit SHA, not a version` }],
    });
  });
});
