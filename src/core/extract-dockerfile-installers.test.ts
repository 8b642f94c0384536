/** Dockerfile scanner, case 6: installer URLs in ADD and RUN, release archives, `pip install uv==`. */
import { describe, expect, test } from "vitest";
import {
  installerPin,
  scanFixture,
  skipsOf,
  tiedChecksum,
  versionPin,
} from "../../test/dockerfile-pins.js";

const SHA_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const SHA_B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
const SHA_C = "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6";
const SHA_D = "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4";
const SHA_E = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";
const SHA_F = "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111";

const ASTRAL = "https://astral.sh/uv";
const RELEASES = "https://github.com/astral-sh/uv/releases";
const GNU = "uv-x86_64-unknown-linux-gnu.tar.gz";

describe("case 6: installer URLs", () => {
  test("installer-add: ADD with and without --checksum, astral.sh and GitHub, latest, ARGs", () => {
    const f = "installer-add.Dockerfile";
    const pins = [
      installerPin(f, 5, { url: `${ASTRAL}/install.sh`, asset: "install.sh" }),
      installerPin(f, 6, {
        url: `${ASTRAL}/0.9.17/install.sh`,
        asset: "install.sh",
        version: "0.9.17",
      }),
      installerPin(f, 7, {
        url: `${ASTRAL}/0.9.16/install.sh`,
        asset: "install.sh",
        version: "0.9.16",
        form: "url+checksum",
        digest: `sha256:${SHA_A}`,
        checksums: [tiedChecksum(7, SHA_A, `${ASTRAL}/0.9.16/install.sh`, { prefixed: true })],
        spans: { checksum: `sha256:${SHA_A}`, checksumPrefixed: true },
      }),
      installerPin(f, 8, {
        url: `${RELEASES}/download/0.9.15/${GNU}`,
        asset: GNU,
        version: "0.9.15",
        form: "url+checksum",
        digest: `sha256:${SHA_B}`,
        checksums: [
          tiedChecksum(8, SHA_B, `${RELEASES}/download/0.9.15/${GNU}`, { prefixed: true }),
        ],
        spans: { checksum: `sha256:${SHA_B}`, checksumPrefixed: true },
      }),
      installerPin(f, 9, {
        url: `${RELEASES}/download/0.9.14/uv-installer.sh`,
        asset: "uv-installer.sh",
        version: "0.9.14",
      }),
      installerPin(f, 10, {
        url: `${RELEASES}/latest/download/uv-installer.sh`,
        asset: "uv-installer.sh",
      }),
      installerPin(f, 13, {
        url: `${ASTRAL}/$UV_VERSION/install.sh`,
        asset: "install.sh",
        version: "0.9.13",
        variable: "UV_VERSION",
        versionLine: 12,
      }),
      // the checksum held by an ARG: its span is the ARG's value
      installerPin(f, 15, {
        url: `${ASTRAL}/\${UV_VERSION}/install.sh`,
        asset: "install.sh",
        version: "0.9.13",
        variable: "UV_VERSION",
        versionLine: 12,
        form: "url+checksum",
        digest: `sha256:${SHA_D}`,
        checksums: [tiedChecksum(14, SHA_D, `${ASTRAL}/0.9.13/install.sh`, { prefixed: true })],
        spans: { checksum: `sha256:${SHA_D}`, checksumPrefixed: true },
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
    // The ARG's checksum span is on the ARG's line.
    const checksum = scanned.raw[7]?.spans.checksum;
    expect(checksum && scanned.text.slice(checksum.start - 20, checksum.start)).toBe(
      "UV_INSTALLER_SHA256=",
    );
  });

  test("installer-run-pipe: curl/wget piped to sh/bash, sh -s --, env prefixes, continuations", () => {
    const f = "installer-run-pipe.Dockerfile";
    const sh = (line: number, version: string) =>
      installerPin(f, line, {
        url: `${ASTRAL}/${version}/install.sh`,
        asset: "install.sh",
        version,
      });
    const pins = [
      sh(3, "0.9.17"),
      sh(4, "0.9.16"),
      sh(5, "0.9.15"),
      sh(6, "0.9.14"),
      installerPin(f, 7, {
        url: `${RELEASES}/download/0.9.13/uv-installer.sh`,
        asset: "uv-installer.sh",
        version: "0.9.13",
      }),
      // the URL on its own continuation line
      sh(10, "0.9.12"),
      installerPin(f, 13, { url: `${ASTRAL}/install.sh`, asset: "install.sh" }),
      installerPin(f, 14, {
        url: `${RELEASES}/latest/download/uv-installer.sh`,
        asset: "uv-installer.sh",
      }),
      installerPin(f, 15, {
        url: `${ASTRAL}/0.9.11/install.ps1`,
        asset: "install.ps1",
        version: "0.9.11",
      }),
      // a version computed when the command runs is not known
      installerPin(f, 17, {
        url: `${ASTRAL}/\${UV_VERSION}/install.sh`,
        asset: "install.sh",
        variable: "UV_VERSION",
        skipReason: "version: `UV_VERSION` has no default value",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });

  test("installer-heredoc: RUN <<EOF, <<-EOT with a shell variable, a comment ending in \\", () => {
    const f = "installer-heredoc.Dockerfile";
    const pins = [
      installerPin(f, 7, {
        url: `${ASTRAL}/0.9.17/install.sh`,
        asset: "install.sh",
        version: "0.9.17",
      }),
      installerPin(f, 11, {
        url: `${ASTRAL}/\${UV_VERSION}/install.sh`,
        asset: "install.sh",
        version: "0.9.16",
        variable: "UV_VERSION",
        versionLine: 10,
      }),
      // a shell comment ends at its line even when it ends in a backslash
      installerPin(f, 16, {
        url: `${RELEASES}/download/0.9.15/uv-installer.sh`,
        asset: "uv-installer.sh",
        version: "0.9.15",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });

  test("installer-release-archive: archives tied to sha256sum -c by the file checked, literal or ARG", () => {
    const f = "installer-release-archive.Dockerfile";
    const musl = "uv-aarch64-unknown-linux-musl.tar.gz";
    const pins = [
      installerPin(f, 5, {
        url: `${RELEASES}/download/0.9.16/${GNU}`,
        asset: GNU,
        version: "0.9.16",
        form: "url+checksum",
        digest: `sha256:${SHA_E}`,
        checksums: [tiedChecksum(6, SHA_E, `${RELEASES}/download/0.9.16/${GNU}`)],
        spans: { checksum: SHA_E, checksumPrefixed: false },
      }),
      installerPin(f, 9, {
        url: `${RELEASES}/download/\${UV_VERSION}/${musl}`,
        asset: musl,
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
        form: "url+checksum",
        digest: `sha256:${SHA_C}`,
        checksums: [tiedChecksum(3, SHA_C, `${RELEASES}/download/0.9.17/${musl}`)],
        spans: { checksum: SHA_C, checksumPrefixed: false },
      }),
      installerPin(f, 12, {
        url: `${RELEASES}/download/0.9.15/uv-\${TARGETARCH}-unknown-linux-gnu.tar.gz`,
        asset: "uv-${TARGETARCH}-unknown-linux-gnu.tar.gz",
        version: "0.9.15",
      }),
      installerPin(f, 13, { url: `${RELEASES}/latest/download/${GNU}`, asset: GNU }),
      // two archives and one checksum: the check names the file the first download writes
      installerPin(f, 14, {
        url: `${RELEASES}/download/0.9.14/${GNU}`,
        asset: GNU,
        version: "0.9.14",
        form: "url+checksum",
        digest: `sha256:${SHA_F}`,
        checksums: [tiedChecksum(16, SHA_F, `${RELEASES}/download/0.9.14/${GNU}`)],
        spans: { checksum: SHA_F, checksumPrefixed: false },
      }),
      installerPin(f, 15, {
        url: `${RELEASES}/download/0.9.14/uv-aarch64-unknown-linux-gnu.tar.gz`,
        asset: "uv-aarch64-unknown-linux-gnu.tar.gz",
        version: "0.9.14",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
    // The ARG checksum's span is the ARG's value on line 3.
    const checksum = scanned.raw[1]?.spans.checksum;
    expect(checksum && scanned.text.slice(checksum.start - 10, checksum.start)).toBe("UV_SHA256=");
  });

  test("pip-install-uv: pip/pip3/pipx install uv==X, quoted, from an ARG; look-alikes and ranges", () => {
    const f = "pip-install-uv.Dockerfile";
    const pins = [
      versionPin(f, 3, { version: "0.9.16" }),
      versionPin(f, 4, { version: "0.9.15" }),
      versionPin(f, 5, { version: "0.9.14" }),
      versionPin(f, 6, { version: "0.9.17", variable: "UV_VERSION", versionLine: 2 }),
      versionPin(f, 7, { version: "0.9.13" }),
      // a wildcard is seen whole and never edited as a version
      versionPin(f, 9, { skipReason: "version: `0.9.*` is not a uv version" }),
      // a version split over a line continuation
      versionPin(f, 10, { skipReason: "version: the text is split over variables or lines" }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });
});
