/**
 * Round trips for tied checksums: one rewrite of a file moves the version and every checksum tied
 * to it (each to its own asset's new checksum), byte-exactly, and the re-scan confirms it; a
 * missing checksum or a held pin leaves the file as it was, with the reason.
 */
import { describe, expect, it } from "vitest";
import { readFixture as readDockerfile } from "../../test/dockerfile-pins.js";
import { readFixture } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { rewriteFile } from "./rewrite.js";
import type { Update } from "./types.js";

const A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
const D = "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4";
const NEW_X86 = "1111111111111111111111111111111111111111111111111111111111111111";
const NEW_ARM = "2222222222222222222222222222222222222222222222222222222222222222";
const GNU = "unknown-linux-gnu.tar.gz";

function only(path: string, text: string) {
  const { pins } = scanText(path, text);
  expect(pins).toHaveLength(1);
  return pins[0] as NonNullable<(typeof pins)[0]>;
}

describe("version and every tied checksum in one rewrite", () => {
  it('Dockerfile case "$TARGETARCH": the version ARG and both checksum ARGs move', () => {
    const path = "Dockerfile";
    const text = readDockerfile("checksum-per-arch.Dockerfile");
    const pin = only(path, text);
    const update: Update = {
      pin,
      target: {
        version: "0.9.18",
        checksums: {
          [`uv-x86_64-${GNU}`]: `sha256:${NEW_X86}`,
          [`uv-aarch64-${GNU}`]: `sha256:${NEW_ARM}`,
        },
      },
    };
    const result = rewriteFile(path, text, [update]);
    expect(result.error).toBeNull();
    expect(result.refused).toEqual([]);
    expect(result.text).toBe(
      text
        .replace("ARG UV_VERSION=0.9.17\n", "ARG UV_VERSION=0.9.18\n")
        .replace(`ARG UV_SHA256_AMD64=${A}\n`, `ARG UV_SHA256_AMD64=${NEW_X86}\n`)
        .replace(`ARG UV_SHA256_ARM64=${B}\n`, `ARG UV_SHA256_ARM64=${NEW_ARM}\n`),
    );
    expect(result.edits.map((e) => e.text)).toEqual(["0.9.18", NEW_X86, NEW_ARM]);
    // Rewriting the result to the same target changes nothing.
    const again = only(path, result.text);
    expect(again.checksums?.map((c) => c.digest)).toEqual([
      `sha256:${NEW_X86}`,
      `sha256:${NEW_ARM}`,
    ]);
    const second = rewriteFile(path, result.text, [{ pin: again, target: update.target }]);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(result.text);
  });

  it("bash associative array: both entries move with the version", () => {
    const path = "install.sh";
    const text = readFixture("checksums/arch-array.sh");
    const pin = only(path, text);
    const result = rewriteFile(path, text, [
      {
        pin,
        target: {
          version: "0.9.18",
          checksums: {
            [`uv-x86_64-${GNU}`]: `sha256:${NEW_X86}`,
            [`uv-aarch64-${GNU}`]: `sha256:${NEW_ARM}`,
          },
        },
      },
    ]);
    expect(result.error).toBeNull();
    expect(result.text).toBe(
      text
        .replace("UV_VERSION=0.9.17", "UV_VERSION=0.9.18")
        .replace(`[x86_64]=${A}`, `[x86_64]=${NEW_X86}`)
        .replace(`[aarch64]=${B}`, `[aarch64]=${NEW_ARM}`),
    );
  });

  it("the installer's checksum compared with sha256sum output moves with it", () => {
    const path = "install.sh";
    const text = readFixture("checksums/install-checked.sh");
    const pin = only(path, text);
    const result = rewriteFile(path, text, [
      { pin, target: { version: "0.9.18", checksum: `sha256:${NEW_X86}` } },
    ]);
    expect(result.error).toBeNull();
    expect(result.text).toBe(
      text
        .replace("version=0.9.17", "version=0.9.18")
        .replace(`installer_sha256=${A}`, `installer_sha256=${NEW_X86}`),
    );
  });

  it("a version without every checksum is refused and the file stays as it was", () => {
    const path = "Dockerfile";
    const text = readDockerfile("checksum-per-arch.Dockerfile");
    const pin = only(path, text);
    const result = rewriteFile(path, text, [
      {
        pin,
        target: { version: "0.9.18", checksums: { [`uv-x86_64-${GNU}`]: `sha256:${NEW_X86}` } },
      },
    ]);
    expect(result.changed).toBe(false);
    expect(result.text).toBe(text);
    expect(result.refused.map((r) => r.reason)).toEqual([
      `the checksum must change with the version, and no new checksum was given for uv-aarch64-${GNU} (line 4)`,
    ]);
  });

  it("a held pin (an untied checksum next to it) is refused with the hold's reason", () => {
    const path = "untied.sh";
    const text = readFixture("checksums/untied.sh");
    const pin = only(path, text);
    const result = rewriteFile(path, text, [{ pin, target: { version: "0.9.18" } }]);
    expect(result.text).toBe(text);
    expect(result.refused.map((r) => r.reason)).toEqual([
      "a sha256 checksum next to this download cannot be tied to one uv asset (untied.sh:5); update it by hand",
    ]);
    expect(text).toContain(D);
  });
});
