import { describe, expect, it } from "vitest";
import { NO_SPANS, readFixture, type Shown, scanFixture, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { UNPINNED_LATEST } from "./latest-urls.js";
import { decide } from "./policy.js";
import { renderScanTable, scanJson } from "./render-scan.js";
import { rewriteFile } from "./rewrite.js";

function installer(file: string, line: number, fields: Partial<Shown>): Shown {
  return shown("installer", file, line, fields);
}
const v = (where: string) => ({ ...NO_SPANS, version: where });
const X86 = "uv-x86_64-unknown-linux-gnu.tar.gz";

describe("URLs assembled from variables, Astral's mirror, unversioned URLs", () => {
  it("shell: ${base}/${asset}, $mirror/asset, a whole URL in a variable once, mirror and latest URLs", () => {
    const f = "forms/assembled.sh";
    const fromVar = { version: "0.9.17", variable: "UV_VERSION", versionLine: 2 };
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(f, 5, {
          url: "${base}/${asset}",
          asset: X86,
          ...fromVar,
          spans: v("2:12 0.9.17"),
        }),
        installer(f, 7, {
          url: "$mirror/uv-aarch64-unknown-linux-gnu.tar.gz",
          asset: "uv-aarch64-unknown-linux-gnu.tar.gz",
          ...fromVar,
          spans: v("2:12 0.9.17"),
        }),
        // `curl "$URL"` is the same pin as the URL written on line 8: reported once
        installer(f, 8, {
          url: "https://astral.sh/uv/0.9.16/install.sh",
          asset: "install.sh",
          version: "0.9.16",
          versionLine: 8,
          spans: v("8:26 0.9.16"),
        }),
        installer(f, 10, {
          url: "https://releases.astral.sh/installers/uv/0.9.15/uv-installer.sh",
          asset: "uv-installer.sh",
          version: "0.9.15",
          versionLine: 10,
          spans: v("10:53 0.9.15"),
        }),
        installer(f, 11, {
          url: "https://releases.astral.sh/installers/uv/latest/uv-installer.sh",
          asset: "uv-installer.sh",
          unpinned: UNPINNED_LATEST,
        }),
        installer(f, 12, {
          url: `https://github.com/astral-sh/uv/releases/latest/download/${X86}`,
          asset: X86,
          unpinned: UNPINNED_LATEST,
        }),
        installer(f, 13, {
          url: `https://releases.astral.sh/github/uv/releases/download/0.9.14/${X86}`,
          asset: X86,
          version: "0.9.14",
          versionLine: 13,
          spans: v("13:65 0.9.14"),
        }),
      ],
      skipped: [],
    });
  });

  it("Dockerfile: ADD ${UV_BASE}/asset with the base in an ARG that reads UV_VERSION", () => {
    const f = "forms/assembled.Dockerfile";
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(f, 4, {
          url: `\${UV_BASE}/${X86}`,
          asset: X86,
          version: "0.9.17",
          variable: "UV_VERSION",
          versionLine: 2,
          spans: v("2:16 0.9.17"),
        }),
      ],
      skipped: [],
    });
  });

  it("the resolved URL is the one the build downloads (what the resolver hashes)", () => {
    const { pins } = scanText("a.sh", readFixture("forms/assembled.sh"));
    expect(pins.map((p) => p.resolvedUrl)).toEqual([
      `https://github.com/astral-sh/uv/releases/download/0.9.17/${X86}`,
      "https://releases.astral.sh/github/uv/releases/download/0.9.17/uv-aarch64-unknown-linux-gnu.tar.gz",
      "https://astral.sh/uv/0.9.16/install.sh",
      "https://releases.astral.sh/installers/uv/0.9.15/uv-installer.sh",
      "https://releases.astral.sh/installers/uv/latest/uv-installer.sh",
      `https://github.com/astral-sh/uv/releases/latest/download/${X86}`,
      `https://releases.astral.sh/github/uv/releases/download/0.9.14/${X86}`,
    ]);
  });

  it("latest URLs are reported as unpinned and never edited; the others move together", () => {
    const name = "forms/assembled.sh";
    const text = readFixture(name);
    const { pins } = scanText(name, text);
    const release = {
      version: "0.10.0",
      publishedAt: "2026-11-01T00:00:00Z",
      prerelease: false,
      url: "",
      notes: "",
      assets: [],
    };
    const { decisions } = decide(pins, [release], new Map(), {
      updateTypes: ["major", "minor", "patch", "digest"],
      ignoreVersions: [],
      minimumReleaseAge: 0,
      allowPrereleases: false,
      pinDigests: false,
      now: new Date("2026-12-01T00:00:00Z"),
    });
    expect(decisions.map((d) => [d.pin.line, d.action, "note" in d ? d.note : null])).toEqual([
      [5, "update", null],
      [7, "update", null],
      [8, "update", null],
      [10, "update", null],
      [11, "current", UNPINNED_LATEST],
      [12, "current", UNPINNED_LATEST],
      [13, "update", null],
    ]);
    const r = rewriteFile(
      name,
      text,
      decisions
        .filter((d) => d.action === "update")
        .map((d) => ({ pin: d.pin, target: { version: "0.10.0" } })),
    );
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      text
        .replace("UV_VERSION=0.9.17", "UV_VERSION=0.10.0")
        .replace("uv/0.9.16/", "uv/0.10.0/")
        .replace("uv/0.9.15/", "uv/0.10.0/")
        .replace("download/0.9.14/", "download/0.10.0/"),
    );
  });

  it("scan --json and the table say a latest URL is unpinned", () => {
    const name = "forms/assembled.sh";
    const result = scanText(name, readFixture(name));
    expect(scanJson(result).pins.map((p) => [p.line, p.unpinned])).toEqual([
      [5, null],
      [7, null],
      [8, null],
      [10, null],
      [11, UNPINNED_LATEST],
      [12, UNPINNED_LATEST],
      [13, null],
    ]);
    const rows = renderScanTable(result).split("\n");
    expect(rows.filter((r) => r.includes("/latest/"))).toEqual([
      "forms/assembled.sh:11  installer  -        url   -                    https://releases.astral.sh/installers/uv/latest/uv-installer.sh (unpinned: this URL always serves the newest uv release; nothing to move)",
      "forms/assembled.sh:12  installer  -        url   -                    https://github.com/astral-sh/uv/releases/latest/download/uv-x86_64-unknown-linux-gnu.tar.gz (unpinned: this URL always serves the newest uv release; nothing to move)",
    ]);
  });
});
