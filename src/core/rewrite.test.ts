import { describe, expect, it } from "vitest";
import { scanText } from "./extract.js";
import { rewriteFile } from "./rewrite.js";
import type { Pin, Target } from "./types.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const D9 = `sha256:${"9".repeat(64)}`;
const C1 = "a".repeat(64);
const C2 = "b".repeat(64);

/** Rewrites every pin of a file to `target` (or per-pin targets chosen by `pick`). */
function rewriteAll(
  path: string,
  text: string,
  target: Target,
  pick: (p: Pin) => boolean = () => true,
) {
  const { pins } = scanText(path, text);
  return rewriteFile(
    path,
    text,
    pins.filter(pick).map((pin) => ({ pin, target })),
  );
}

describe("rewrite: images keep their form", () => {
  it("tag+digest moves tag and digest together", () => {
    const text = `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17@${D1} /uv /uvx /bin/\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.10.2@${D2} /uv /uvx /bin/\n`,
    );
    expect(r.changed).toBe(true);
  });

  it("tag-only stays tag-only (a digest target is not added)", () => {
    const text = "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n";
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.text).toBe("COPY --from=ghcr.io/astral-sh/uv:0.10.2 /uv /bin/\n");
  });

  it("digest-only stays digest-only", () => {
    const text = `FROM ghcr.io/astral-sh/uv@${D1}\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.text).toBe(`FROM ghcr.io/astral-sh/uv@${D2}\n`);
  });

  it("a variant suffix is kept", () => {
    const text = `FROM ghcr.io/astral-sh/uv:0.9.17-python3.12-bookworm-slim@${D1} AS uv\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.text).toBe(`FROM ghcr.io/astral-sh/uv:0.10.2-python3.12-bookworm-slim@${D2} AS uv\n`);
  });

  it("a rolling X.Y stays X.Y", () => {
    const text = "COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /bin/\n";
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2" });
    expect(r.text).toBe("COPY --from=ghcr.io/astral-sh/uv:0.10 /uv /bin/\n");
  });

  it("latest and variant-only tags with a digest get digest-only updates", () => {
    const text = `FROM ghcr.io/astral-sh/uv:latest@${D1}\nFROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim@${D1}\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.text).toBe(
      `FROM ghcr.io/astral-sh/uv:latest@${D2}\nFROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim@${D2}\n`,
    );
  });

  it("a v-prefixed tag keeps its v", () => {
    const text = "FROM docker.io/astral/uv:v0.9.17\n";
    expect(rewriteAll("Dockerfile", text, { version: "0.10.2" }).text).toBe(
      "FROM docker.io/astral/uv:v0.10.2\n",
    );
  });

  it("a tag+digest pin whose tag moves without a new digest is refused, file unchanged", () => {
    const text = `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${D1} /uv /bin/\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2" });
    expect(r.text).toBe(text);
    expect(r.changed).toBe(false);
    expect(r.refused.map((x) => x.reason)).toEqual([
      "the digest must change with the tag, and no new digest was given",
    ]);
  });
});

describe("rewrite: pinDigests adds a digest to tag-only pins", () => {
  it("after a literal tag, after a variable tag, and inside an ARG holding the reference", () => {
    const text = [
      "ARG UV_VERSION=0.9.17",
      "ARG UV_IMAGE=ghcr.io/astral-sh/uv:python3.12-trixie-slim",
      "FROM ghcr.io/astral-sh/uv:0.9.17 AS a",
      "FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS b",
      "FROM ${UV_IMAGE} AS c",
      "",
    ].join("\n");
    const { pins } = scanText("Dockerfile", text);
    const r = rewriteFile(
      "Dockerfile",
      text,
      pins.map((pin) => ({ pin, target: { digest: D2, addDigest: true } })),
    );
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      [
        "ARG UV_VERSION=0.9.17",
        `ARG UV_IMAGE=ghcr.io/astral-sh/uv:python3.12-trixie-slim@${D2}`,
        `FROM ghcr.io/astral-sh/uv:0.9.17@${D2} AS a`,
        `FROM ghcr.io/astral-sh/uv:\${UV_VERSION}@${D2} AS b`,
        "FROM ${UV_IMAGE} AS c",
        "",
      ].join("\n"),
    );
    expect(scanText("Dockerfile", r.text).pins.map((p) => p.form)).toEqual([
      "tag+digest",
      "tag+digest",
      "tag+digest",
    ]);
  });

  it("without addDigest a tag-only pin stays tag-only; addDigest without a digest is refused", () => {
    const text = "FROM ghcr.io/astral-sh/uv:0.9.17\n";
    expect(rewriteAll("Dockerfile", text, { digest: D2 }).text).toBe(text);
    expect(rewriteAll("Dockerfile", text, { addDigest: true }).refused[0]?.reason).toBe(
      "a digest to pin was asked for, but no valid digest was given",
    );
  });
});

describe("rewrite: ARG-held versions change at the default", () => {
  const text = [
    "ARG UV_VERSION=0.9.17",
    `ARG UV_DIGEST=${D1}`,
    "FROM python:3.12-slim",
    "ARG UV_VERSION",
    "ARG UV_DIGEST",
    "COPY --from=ghcr.io/astral-sh/uv:${UV_VERSION}@${UV_DIGEST} /uv /bin/",
    "RUN --mount=from=ghcr.io/astral-sh/uv:${UV_VERSION}@${UV_DIGEST},source=/uv,target=/bin/uv uv sync",
    "",
  ].join("\n");

  it("edits the ARG lines only, once, for both use sites", () => {
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.error).toBeNull();
    expect(r.text).toBe(text.replace("0.9.17", "0.10.2").replace(D1, D2));
    expect(r.edits).toHaveLength(2);
    expect(r.applied).toHaveLength(2);
  });

  it("refuses to move one of two pins that share the ARG", () => {
    const r = rewriteAll(
      "Dockerfile",
      text,
      { version: "0.10.2", digest: D2 },
      (p) => p.line === 6,
    );
    expect(r.text).toBe(text);
    expect(r.refused).toHaveLength(1);
    expect(r.refused[0]?.reason).toMatch(/shared with another pin/);
  });

  it("refuses a pin whose variable has no default and changes nothing", () => {
    const t = "ARG UV_VERSION\nFROM ghcr.io/astral-sh/uv:${UV_VERSION}\n";
    const r = rewriteAll("Dockerfile", t, { version: "0.10.2" });
    expect(r.text).toBe(t);
    expect(r.refused[0]?.reason).toMatch(/`UV_VERSION` has no default value/);
  });
});

describe("rewrite: installers", () => {
  it("a URL version moves", () => {
    const text = "RUN curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh\n";
    expect(rewriteAll("Dockerfile", text, { version: "0.10.2" }).text).toBe(
      "RUN curl -LsSf https://astral.sh/uv/0.10.2/install.sh | sh\n",
    );
  });

  it("ADD --checksum changes with its version", () => {
    const text = `ADD --checksum=sha256:${C1} https://astral.sh/uv/0.9.17/install.sh /uv-installer.sh\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", checksum: `sha256:${C2}` });
    expect(r.text).toBe(
      `ADD --checksum=sha256:${C2} https://astral.sh/uv/0.10.2/install.sh /uv-installer.sh\n`,
    );
  });

  it("ADD --checksum without a new checksum is refused", () => {
    const text = `ADD --checksum=sha256:${C1} https://astral.sh/uv/0.9.17/install.sh /uv-installer.sh\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2" });
    expect(r.text).toBe(text);
    expect(r.refused[0]?.reason).toMatch(/checksum must change/);
  });

  it("a release archive and its sha256sum check move together (bare hex stays bare)", () => {
    const text = [
      "ARG UV_VERSION=0.9.17",
      `ARG UV_SHA256=${C1}`,
      "RUN curl -fsSLo /tmp/uv.tar.gz https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/uv-x86_64-unknown-linux-gnu.tar.gz \\",
      '  && echo "${UV_SHA256}  /tmp/uv.tar.gz" | sha256sum -c - \\',
      "  && tar -xzf /tmp/uv.tar.gz -C /usr/local/bin --strip-components=1",
      "",
    ].join("\n");
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", checksum: `sha256:${C2}` });
    expect(r.error).toBeNull();
    expect(r.text).toBe(text.replace("0.9.17", "0.10.2").replace(C1, C2));
  });
});

describe("rewrite: version pins and other files", () => {
  it("setup-uv, pre-commit rev, required-version and pip pins", () => {
    const wf = `jobs:\n  t:\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: "0.9.17"\n`;
    expect(rewriteAll(".github/workflows/ci.yml", wf, { version: "0.10.2" }).text).toBe(
      wf.replace("0.9.17", "0.10.2"),
    );
    const pc =
      "repos:\n  - repo: https://github.com/astral-sh/uv-pre-commit\n    rev: 0.9.17\n    hooks:\n      - id: uv-lock\n";
    expect(rewriteAll(".pre-commit-config.yaml", pc, { version: "0.10.2" }).text).toBe(
      pc.replace("0.9.17", "0.10.2"),
    );
    const py = '[project]\nname = "x"\n\n[tool.uv]\nrequired-version = "0.9.17"\n';
    expect(rewriteAll("pyproject.toml", py, { version: "0.10.2" }).text).toBe(
      py.replace("0.9.17", "0.10.2"),
    );
    const sh = "#!/bin/sh\npip install --no-cache-dir uv==0.9.17\n";
    expect(rewriteAll("install.sh", sh, { version: "0.10.2" }).text).toBe(
      sh.replace("0.9.17", "0.10.2"),
    );
  });

  it("a rolling YAML version `0.10` written unquoted stays rolling", () => {
    const wf = "steps:\n  - uses: astral-sh/setup-uv@v7\n    with:\n      version: 0.9\n";
    expect(rewriteAll("ci.yml", wf, { version: "0.10.2" }).text).toBe(wf.replace("0.9", "0.10"));
  });

  it("a range version pin is not rewritten", () => {
    const py = '[tool.uv]\nrequired-version = ">=0.5"\n';
    const r = rewriteAll("pyproject.toml", py, { version: "0.10.2" });
    expect(r.text).toBe(py);
    expect(r.refused[0]?.reason).toBe("`>=0.5` is not a plain version");
  });

  it("shell variables and GitLab variables change at their definition", () => {
    const sh =
      'UV_VERSION="${UV_VERSION:-0.9.17}"\ncurl -LsSf "https://astral.sh/uv/${UV_VERSION}/install.sh" | sh\n';
    expect(rewriteAll("ci/install-uv.sh", sh, { version: "0.10.2" }).text).toBe(
      sh.replace("0.9.17", "0.10.2"),
    );
    const gl = `variables:\n  UV_VERSION: "0.9.17"\nbuild:\n  image: ghcr.io/astral-sh/uv:$UV_VERSION-python3.12-bookworm-slim\n`;
    expect(rewriteAll(".gitlab-ci.yml", gl, { version: "0.10.2" }).text).toBe(
      gl.replace("0.9.17", "0.10.2"),
    );
  });
});

describe("rewrite: byte-exactness", () => {
  it("keeps CRLF, a BOM, tabs and comments", () => {
    const text = `\uFEFF# syntax=docker/dockerfile:1\r\nFROM\tpython:3.12  # base\r\nCOPY  --from=ghcr.io/astral-sh/uv:0.9.17@${D1}\t/uv /bin/\r\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D2 });
    expect(r.text).toBe(text.replace("0.9.17", "0.10.2").replace(D1, D2));
    expect(r.text.startsWith("\uFEFF")).toBe(true);
  });

  it("rewriting a current file returns identical text", () => {
    const text = `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${D1} /uv /bin/\n`;
    const r = rewriteAll("Dockerfile", text, { version: "0.9.17", digest: D1 });
    expect(r.text).toBe(text);
    expect(r.changed).toBe(false);
    expect(r.edits).toEqual([]);
  });

  it("refuses a target less precise than the pin and malformed targets", () => {
    const text = `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${D1} /uv /bin/\n`;
    expect(rewriteAll("Dockerfile", text, { version: "0.10", digest: D2 }).refused[0]?.reason).toBe(
      "target `0.10` is less precise than `0.9.17`",
    );
    expect(
      rewriteAll("Dockerfile", text, { version: "0.10.2", digest: "sha256:xyz" }).refused[0]
        ?.reason,
    ).toBe("target digest `sha256:xyz` is malformed");
    expect(rewriteAll("Dockerfile", text, { version: "0.10.2", digest: D9 }).changed).toBe(true);
  });

  it("refuses a pin that is not in the text any more", () => {
    const text = "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n";
    const [pin] = scanText("Dockerfile", text).pins as [Pin];
    const r = rewriteFile("Dockerfile", `# moved\n${text}`, [
      { pin, target: { version: "0.10.2" } },
    ]);
    expect(r.changed).toBe(false);
    expect(r.refused[0]?.reason).toMatch(/not in the file as scanned/);
  });
});
