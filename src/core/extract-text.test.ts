import { describe, expect, it } from "vitest";
import { NO_SPANS, scan, scanFixture } from "../../test/file-pins.js";
import { UNPINNED_LATEST } from "./latest-urls.js";
import { DEFAULT_IMAGES } from "./matchers.js";

const HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describe("shell scripts", () => {
  it("install-uv.sh: installer, archive with checksum, image and pip pins from one variable", () => {
    const file = "install-uv.sh";
    const version = "5:27 0.9.17";
    expect(scanFixture(file)).toEqual({
      pins: [
        {
          file,
          line: 9,
          kind: "installer",
          image: null,
          url: "https://astral.sh/uv/${UV_VERSION}/install.sh",
          tag: null,
          version: "0.9.17",
          digest: null,
          form: "url",
          variable: "UV_VERSION",
          versionLine: 5,
          suffix: null,
          resolvedTag: null,
          asset: "install.sh",
          skipReason: null,
          spans: { version, digest: null, checksum: null, checksumPrefixed: false },
        },
        {
          file,
          line: 11,
          kind: "installer",
          image: null,
          url: "https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/uv-x86_64-unknown-linux-gnu.tar.gz",
          tag: null,
          version: "0.9.17",
          digest: `sha256:${HEX}`,
          form: "url+checksum",
          variable: "UV_VERSION",
          versionLine: 5,
          suffix: null,
          resolvedTag: null,
          asset: "uv-x86_64-unknown-linux-gnu.tar.gz",
          skipReason: null,
          checksums: [
            {
              digest: `sha256:${HEX}`,
              line: 6,
              span: `6:19 ${HEX}`,
              prefixed: false,
              asset: "uv-x86_64-unknown-linux-gnu.tar.gz",
              url: "https://github.com/astral-sh/uv/releases/download/0.9.17/uv-x86_64-unknown-linux-gnu.tar.gz",
              arch: null,
            },
          ],
          spans: { version, digest: null, checksum: `6:19 ${HEX}`, checksumPrefixed: false },
        },
        {
          file,
          line: 14,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "${UV_VERSION}-python3.12-bookworm-slim",
          version: "0.9.17",
          digest: null,
          form: "tag",
          variable: "UV_VERSION",
          versionLine: 5,
          suffix: "-python3.12-bookworm-slim",
          resolvedTag: "0.9.17-python3.12-bookworm-slim",
          asset: null,
          skipReason: null,
          spans: { version, digest: null, checksum: null, checksumPrefixed: false },
        },
        {
          file,
          line: 18,
          kind: "version",
          image: null,
          url: null,
          tag: null,
          version: "0.9.17",
          digest: null,
          form: null,
          variable: null,
          versionLine: 18,
          suffix: null,
          resolvedTag: null,
          asset: null,
          skipReason: null,
          spans: { version: "18:35 0.9.17", digest: null, checksum: null, checksumPrefixed: false },
        },
        {
          file,
          line: 19,
          kind: "version",
          image: null,
          url: null,
          tag: null,
          version: "0.9.17",
          digest: null,
          form: null,
          variable: "UV_VERSION",
          versionLine: 5,
          suffix: null,
          resolvedTag: null,
          asset: null,
          skipReason: null,
          spans: { version, digest: null, checksum: null, checksumPrefixed: false },
        },
      ],
      skipped: [],
    });
  });

  it("every installer URL form, and look-alikes that are not pins", () => {
    const text = [
      "curl -LsSf https://astral.sh/uv/install.sh | sh",
      "curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh",
      'powershell -c "irm https://astral.sh/uv/0.9.16/install.ps1 | iex"',
      "curl -LsSf https://github.com/astral-sh/uv/releases/download/0.9.15/uv-installer.sh | sh",
      "curl -LsSfO https://github.com/astral-sh/uv/releases/download/0.9.14/uv-aarch64-apple-darwin.tar.gz.sha256",
      "curl -LsSf https://github.com/astral-sh/uv/releases/latest/download/uv-installer.sh | sh",
      "open https://docs.astral.sh/uv/ https://github.com/astral-sh/uv-pre-commit",
      "echo astral-sh/setup-uv@v7 ghcr.io/astral-sh/ruff:0.8.0 ghcr.io/astral-sh/ty:0.0.1",
      "docker pull ghcr.io/astral-sh/uv-docker-example:latest",
      "",
    ].join("\n");
    const installer = (
      line: number,
      url: string,
      asset: string,
      version: string | null,
      column: number,
    ) => ({
      file: "get.sh",
      line,
      kind: "installer",
      image: null,
      url,
      tag: null,
      version,
      digest: null,
      form: "url",
      variable: null,
      versionLine: version ? line : null,
      suffix: null,
      resolvedTag: null,
      asset,
      skipReason: null,
      spans: { ...NO_SPANS, version: version ? `${line}:${column} ${version}` : null },
    });
    expect(scan("get.sh", text)).toEqual({
      pins: [
        installer(1, "https://astral.sh/uv/install.sh", "install.sh", null, 0),
        installer(2, "https://astral.sh/uv/0.9.17/install.sh", "install.sh", "0.9.17", 33),
        installer(3, "https://astral.sh/uv/0.9.16/install.ps1", "install.ps1", "0.9.16", 41),
        installer(
          4,
          "https://github.com/astral-sh/uv/releases/download/0.9.15/uv-installer.sh",
          "uv-installer.sh",
          "0.9.15",
          62,
        ),
        installer(
          5,
          "https://github.com/astral-sh/uv/releases/download/0.9.14/uv-aarch64-apple-darwin.tar.gz.sha256",
          "uv-aarch64-apple-darwin.tar.gz.sha256",
          "0.9.14",
          63,
        ),
        {
          ...installer(
            6,
            "https://github.com/astral-sh/uv/releases/latest/download/uv-installer.sh",
            "uv-installer.sh",
            null,
            0,
          ),
          unpinned: UNPINNED_LATEST,
        },
      ],
      skipped: [],
    });
  });

  it("a version that is not known before the script runs is a skip, never a silent miss", () => {
    const text = [
      "VERSION=$(curl -s https://example.com/uv-version)",
      "curl -LsSf https://astral.sh/uv/$VERSION/install.sh | sh",
      "FROM_FILE=`cat .uv-version`",
      "curl -LsSf https://astral.sh/uv/$FROM_FILE/install.sh | sh",
      "EMPTY=",
      'docker run "ghcr.io/astral-sh/uv:${EMPTY}"',
      'DEFAULTED=""',
      'curl -LsSf "https://astral.sh/uv/${DEFAULTED:-0.9.17}/install.sh" | sh',
      "pip install uv==$UNSET",
      "",
    ].join("\n");
    const skipped = (line: number, kind: "installer" | "version", variable: string) => ({
      file: "ci.sh",
      line,
      kind,
      image: null,
      url: kind === "installer" ? `https://astral.sh/uv/$${variable}/install.sh` : null,
      tag: null,
      version: null,
      digest: null,
      form: kind === "installer" ? "url" : null,
      variable,
      versionLine: null,
      suffix: null,
      resolvedTag: null,
      asset: kind === "installer" ? "install.sh" : null,
      skipReason: `version: \`${variable}\` has no default value`,
      spans: NO_SPANS,
    });
    const result = scan("ci.sh", text);
    expect(result.pins).toEqual([
      skipped(2, "installer", "VERSION"),
      skipped(4, "installer", "FROM_FILE"),
      {
        file: "ci.sh",
        line: 6,
        kind: "image",
        image: "ghcr.io/astral-sh/uv",
        url: null,
        tag: "${EMPTY}",
        version: null,
        digest: null,
        form: "tag",
        variable: "EMPTY",
        versionLine: null,
        suffix: null,
        resolvedTag: null,
        asset: null,
        skipReason: "tag: `EMPTY` has no default value",
        spans: NO_SPANS,
      },
      {
        file: "ci.sh",
        line: 8,
        kind: "installer",
        image: null,
        url: "https://astral.sh/uv/${DEFAULTED:-0.9.17}/install.sh",
        tag: null,
        version: "0.9.17",
        digest: null,
        form: "url",
        variable: "DEFAULTED",
        versionLine: 8,
        suffix: null,
        resolvedTag: null,
        asset: "install.sh",
        skipReason: null,
        spans: { ...NO_SPANS, version: "8:47 0.9.17" },
      },
      skipped(9, "version", "UNSET"),
    ]);
    expect(result.skipped).toEqual([
      { file: "ci.sh", line: 2, reason: "version: `VERSION` has no default value" },
      { file: "ci.sh", line: 4, reason: "version: `FROM_FILE` has no default value" },
      { file: "ci.sh", line: 6, reason: "tag: `EMPTY` has no default value" },
      { file: "ci.sh", line: 9, reason: "version: `UNSET` has no default value" },
    ]);
  });

  it('`V="${V:-…}"` reads its own default; CRLF line ends; comments skipped', () => {
    const text = [
      'UV_VERSION="${UV_VERSION:-0.9.17}" # docker pull ghcr.io/astral-sh/uv:0.1.0',
      "curl -LsSf https://astral.sh/uv/$UV_VERSION/install.sh | sh",
      "#curl -LsSf https://astral.sh/uv/0.2.0/install.sh | sh",
      "UV_VERSION=0.8.0",
      "",
    ].join("\r\n");
    expect(scan("setup.bash", text)).toEqual({
      pins: [
        {
          file: "setup.bash",
          line: 2,
          kind: "installer",
          image: null,
          url: "https://astral.sh/uv/$UV_VERSION/install.sh",
          tag: null,
          version: "0.9.17",
          digest: null,
          form: "url",
          variable: "UV_VERSION",
          versionLine: 1,
          suffix: null,
          resolvedTag: null,
          asset: "install.sh",
          skipReason: null,
          spans: { ...NO_SPANS, version: "1:27 0.9.17" },
        },
      ],
      skipped: [],
    });
  });

  it("recognises configured mirrors next to the default images", () => {
    const text = [
      "docker pull registry.example.com/mirror/uv:0.9.17-alpine",
      "docker pull ghcr.io/astral-sh/uv:0.9.16",
      "docker pull registry.example.com/mirror/uv-tools:1.0.0",
      "",
    ].join("\n");
    const images = [...DEFAULT_IMAGES, "registry.example.com/mirror/uv"];
    expect(scan("pull.sh", text, { images })).toEqual({
      pins: [
        {
          file: "pull.sh",
          line: 1,
          kind: "image",
          image: "registry.example.com/mirror/uv",
          url: null,
          tag: "0.9.17-alpine",
          version: "0.9.17",
          digest: null,
          form: "tag",
          variable: null,
          versionLine: 1,
          suffix: "-alpine",
          resolvedTag: "0.9.17-alpine",
          asset: null,
          skipReason: null,
          spans: { ...NO_SPANS, version: "1:44 0.9.17" },
        },
        {
          file: "pull.sh",
          line: 2,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "0.9.16",
          version: "0.9.16",
          digest: null,
          form: "tag",
          variable: null,
          versionLine: 2,
          suffix: null,
          resolvedTag: "0.9.16",
          asset: null,
          skipReason: null,
          spans: { ...NO_SPANS, version: "2:34 0.9.16" },
        },
      ],
      skipped: [],
    });
  });
});

describe("Makefiles", () => {
  it("Makefile: `?=` and `:=` variables feed an image, an installer and pip; comments skipped", () => {
    const file = "Makefile";
    const common = {
      file,
      digest: null,
      variable: "UV_VERSION",
      versionLine: 2,
      skipReason: null,
      spans: { ...NO_SPANS, version: "2:15 0.9.17" },
    };
    expect(scanFixture(file)).toEqual({
      pins: [
        {
          ...common,
          line: 3,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "$(UV_VERSION)",
          version: "0.9.17",
          form: "tag",
          suffix: null,
          resolvedTag: "0.9.17",
          asset: null,
        },
        {
          ...common,
          line: 10,
          kind: "installer",
          image: null,
          url: "https://astral.sh/uv/$(UV_VERSION)/install.sh",
          tag: null,
          version: "0.9.17",
          form: "url",
          suffix: null,
          resolvedTag: null,
          asset: "install.sh",
        },
        {
          ...common,
          line: 14,
          kind: "version",
          image: null,
          url: null,
          tag: null,
          version: "0.9.17",
          form: null,
          suffix: null,
          resolvedTag: null,
          asset: null,
        },
      ],
      skipped: [],
    });
  });

  it("`=` assignments with a trailing comment", () => {
    const text =
      "UV = 0.9.17 # pinned\nget:\n\tcurl -LsSf https://astral.sh/uv/$(UV)/install.sh | sh\n";
    expect(scan("tools.mk", text).pins.map((p) => [p.line, p.version, p.spans.version])).toEqual([
      [3, "0.9.17", "1:6 0.9.17"],
    ]);
  });

  it("Make comments: `#` anywhere outside recipes, quotes meaningless there; shell rules in recipes", () => {
    const text = [
      "NOTE := it's # ghcr.io/astral-sh/uv:0.1.0",
      "N=1#ghcr.io/astral-sh/uv:0.2.0",
      "get:",
      "\tpull 'a # b' ghcr.io/astral-sh/uv:0.4.0",
      "\techo ok # ghcr.io/astral-sh/uv:0.5.0",
      "",
    ].join("\n");
    expect(scan("rules.mk", text)).toEqual({
      pins: [
        {
          file: "rules.mk",
          line: 4,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "0.4.0",
          version: "0.4.0",
          digest: null,
          form: "tag",
          variable: null,
          versionLine: 4,
          suffix: null,
          resolvedTag: "0.4.0",
          asset: null,
          skipReason: null,
          spans: { ...NO_SPANS, version: "4:36 0.4.0" },
        },
      ],
      skipped: [],
    });
  });

  it("a recipe's `$${VAR}` shell reference is still an installer pin", () => {
    const text =
      "export UV_VERSION := 0.9.17\nget:\n\tcurl -LsSf https://astral.sh/uv/$${UV_VERSION}/install.sh | sh\n";
    expect(scan("Makefile", text).pins.map((p) => [p.line, p.url, p.version])).toEqual([
      [3, "https://astral.sh/uv/$${UV_VERSION}/install.sh", "0.9.17"],
    ]);
  });
});

describe("PowerShell", () => {
  it("install.ps1: `$env:UV_VERSION` feeds the installer and an image; `#` and `<# #>` comments skipped", () => {
    const file = "install.ps1";
    const common = {
      file,
      version: "0.9.17",
      digest: null,
      variable: "UV_VERSION",
      versionLine: 7,
      suffix: null,
      skipReason: null,
      spans: { ...NO_SPANS, version: "7:20 0.9.17" },
    };
    expect(scanFixture(file)).toEqual({
      pins: [
        {
          ...common,
          line: 10,
          kind: "installer",
          image: null,
          url: "https://astral.sh/uv/$env:UV_VERSION/install.ps1",
          tag: null,
          form: "url",
          resolvedTag: null,
          asset: "install.ps1",
        },
        {
          ...common,
          line: 11,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "$env:UV_VERSION",
          form: "tag",
          resolvedTag: "0.9.17",
          asset: null,
        },
      ],
      skipped: [],
    });
  });

  it("variable names ignore case, and `${env:NAME}` reads the same variable", () => {
    const text = [
      '$Env:UV_VERSION = "0.9.17"',
      "irm https://astral.sh/uv/$env:uv_version/install.ps1 | iex",
      'powershell -c "irm https://astral.sh/uv/${env:UV_VERSION}/install.ps1 | iex"',
      "",
    ].join("\n");
    expect(
      scan("Install.PS1", text).pins.map((p) => [p.line, p.version, p.variable, p.spans.version]),
    ).toEqual([
      [2, "0.9.17", "uv_version", "1:20 0.9.17"],
      [3, "0.9.17", "UV_VERSION", "1:20 0.9.17"],
    ]);
  });

  it("a `$($env:NAME)` subexpression in a URL is an installer pin", () => {
    const text =
      '$env:UV_VERSION = "0.9.17"\nirm "https://astral.sh/uv/$($env:UV_VERSION)/install.ps1" | iex\n';
    expect(scan("install.ps1", text).pins.map((p) => [p.line, p.version, p.variable])).toEqual([
      [2, "0.9.17", "UV_VERSION"],
    ]);
  });

  it("`$Env:NAME` (any case of the drive) reads the variable", () => {
    const text =
      '$env:UV_VERSION = "0.9.17"\nirm https://astral.sh/uv/$Env:UV_VERSION/install.ps1 | iex\n';
    expect(scan("install.ps1", text).pins.map((p) => [p.line, p.version, p.skipReason])).toEqual([
      [2, "0.9.17", null],
    ]);
  });

  it("a comment after a string that ends in a backslash is not a pin", () => {
    const text = '$dir = "C:\\tools\\"  # docker pull ghcr.io/astral-sh/uv:0.1.0\n';
    expect(scan("paths.ps1", text).pins).toEqual([]);
  });
});
