import { describe, expect, it } from "vitest";
import { scanText } from "./extract.js";
import { baseName, type FileKind, fileKind } from "./file-kind.js";

describe("fileKind", () => {
  const cases: [string, FileKind | null][] = [
    // Dockerfiles: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile`,
    // `Containerfile.*`, in any directory, with `/` or `\` separators.
    ["Dockerfile", "dockerfile"],
    ["dockerfile", "dockerfile"],
    ["docker/Dockerfile", "dockerfile"],
    ["Dockerfile.dev", "dockerfile"],
    ["services/api/Dockerfile.prod.arm64", "dockerfile"],
    ["api.Dockerfile", "dockerfile"],
    ["build/worker.dockerfile", "dockerfile"],
    ["Containerfile", "dockerfile"],
    ["Containerfile.ubi9", "dockerfile"],
    ["C:\\src\\app\\Dockerfile", "dockerfile"],
    // Ignore lists and look-alikes are not Dockerfiles.
    ["Dockerfile.dockerignore", null],
    ["docker/api.Dockerfile.dockerignore", null],
    [".dockerignore", null],
    ["Containerfile.containerignore", null],
    ["Dockerfiles/README.md", null],
    ["my-Dockerfile-notes.txt", null],
    // Shell scripts.
    ["install-uv.sh", "shell"],
    ["scripts/setup.bash", "shell"],
    ["tools/env.zsh", "shell"],
    ["legacy.ksh", "shell"],
    // Makefiles.
    ["Makefile", "make"],
    ["makefile", "make"],
    ["GNUmakefile", "make"],
    ["mk/uv.mk", "make"],
    ["rules.make", "make"],
    // PowerShell.
    ["install.ps1", "powershell"],
    ["Tools/Setup.PS1", "powershell"],
    ["Module.psm1", "powershell"],
    // YAML: workflows, GitLab CI, compose, Kubernetes, pre-commit.
    [".github/workflows/ci.yml", "yaml"],
    [".gitlab-ci.yml", "yaml"],
    ["compose.yaml", "yaml"],
    ["docker-compose.yml", "yaml"],
    ["k8s/job.yaml", "yaml"],
    [".pre-commit-config.yaml", "yaml"],
    // TOML: only uv's own files.
    ["pyproject.toml", "toml"],
    ["packages/lib/pyproject.toml", "toml"],
    ["uv.toml", "toml"],
    ["ruff.toml", null],
    ["my-uv.toml", null],
    // Everything else.
    ["README.md", null],
    ["uv.lock", null],
    // Requirement lists (issue 8: `uv==X` in them is a pin).
    ["requirements.txt", "requirements"],
    ["requirements/dev-requirements.in", "requirements"],
    ["requirements-dev.txt", "requirements"],
    ["notes.txt", null],
    ["src/main.py", null],
    ["install", null],
    ["", null],
    // uv-pin-bot's own configuration names images (mirrors), it pins none
    [".github/uv-pin-bot.yml", null],
    ["repo/.github/uv-pin-bot.yml", null],
    ["ci/uv-pin-bot.yml", "yaml"],
  ];
  it.each(cases)("%s → %s", (path, kind) => {
    expect(fileKind(path)).toBe(kind);
  });

  it("baseName takes the last segment, lower-cased", () => {
    expect(baseName("a/b\\UV.toml")).toBe("uv.toml");
    expect(baseName("Makefile")).toBe("makefile");
    expect(baseName("a\\b/Dockerfile.CI")).toBe("dockerfile.ci");
    expect(baseName("a/b\\")).toBe("");
  });

  it("scanText finds nothing in a file of no kind", () => {
    expect(scanText("notes/uv.md", "FROM ghcr.io/astral-sh/uv:0.9.17\n")).toEqual({
      pins: [],
      skipped: [],
    });
  });

  it("scanText reads `uv.toml` at the top level and `pyproject.toml` under `[tool.uv]`", () => {
    const text = 'required-version = "0.9.17"\n[tool.uv]\nrequired-version = "0.9.16"\n';
    expect(scanText("UV.toml", text).pins.map((p) => p.version)).toEqual(["0.9.17"]);
    expect(scanText("pyproject.toml", text).pins.map((p) => p.version)).toEqual(["0.9.16"]);
  });
});
