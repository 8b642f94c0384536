/**
 * Checksums tied to uv downloads by the file's own data flow (issue 8 §1): every form, with exact
 * expectations. A span is shown as `line:column text`; `at(file, line, text)` is where `text`
 * first appears on that line of the fixture.
 */
import { describe, expect, it } from "vitest";
import {
  installerPin as dockerInstaller,
  scanFixture as scanDockerfile,
  tiedChecksum,
} from "../../test/dockerfile-pins.js";
import { readFixture, type Shown, scanFixture } from "../../test/file-pins.js";

const A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
const C = "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6";
const D = "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4";
const DL = "https://github.com/astral-sh/uv/releases/download";
const GNU = "unknown-linux-gnu.tar.gz";

function at(name: string, line: number, text: string): string {
  const row = readFixture(name).split(/\r?\n/)[line - 1] ?? "";
  const column = row.indexOf(text);
  if (column < 0) throw new Error(`${name}:${line} does not hold ${text}`);
  return `${line}:${column + 1} ${text}`;
}

type Sum = NonNullable<Shown["checksums"]>[number];

function sum(
  name: string,
  line: number,
  hex: string,
  url: string,
  arch: string | null = null,
): Sum {
  return {
    digest: `sha256:${hex}`,
    line,
    span: at(name, line, hex),
    prefixed: false,
    asset: url.slice(url.lastIndexOf("/") + 1),
    url,
    arch,
  };
}

/** An installer pin with a version from `versionLine`, tied to `checksums` (the first is `digest`). */
function installer(
  name: string,
  line: number,
  fields: { url: string; asset: string; variable?: string | null; versionLine: number },
  checksums: Sum[],
  extra: Partial<Shown> = {},
): Shown {
  const first = checksums[0];
  return {
    file: name,
    line,
    kind: "installer",
    image: null,
    url: fields.url,
    tag: null,
    version: "0.9.17",
    digest: first ? first.digest : null,
    form: first ? "url+checksum" : "url",
    variable: fields.variable ?? null,
    versionLine: fields.versionLine,
    suffix: null,
    resolvedTag: null,
    asset: fields.asset,
    skipReason: null,
    ...(first ? { checksums } : {}),
    ...extra,
    spans: {
      version: at(name, fields.versionLine, "0.9.17"),
      digest: null,
      checksum: first ? first.span : null,
      checksumPrefixed: false,
    },
  };
}

describe("per-architecture checksums", () => {
  it('Dockerfile: ARG checksums chosen by case "$TARGETARCH", checked with echo | sha256sum -c -', () => {
    const f = "checksum-per-arch.Dockerfile";
    const url = (arch: string) => `${DL}/0.9.17/uv-${arch}-${GNU}`;
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      dockerInstaller(f, 12, {
        url: `${DL}/\${UV_VERSION}/uv-\${arch}-${GNU}`,
        asset: `uv-\${arch}-${GNU}`,
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
        form: "url+checksum",
        digest: `sha256:${A}`,
        checksums: [
          tiedChecksum(3, A, url("x86_64"), { arch: "amd64" }),
          tiedChecksum(4, B, url("aarch64"), { arch: "arm64" }),
        ],
        spans: { checksum: A, checksumPrefixed: false },
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
    expect(scanned.raw[0]?.resolvedUrl).toBeNull();
  });

  it("bash: checksums in declare -A sums=([x86_64]=… [aarch64]=…), read as ${sums[$arch]}", () => {
    const f = "checksums/arch-array.sh";
    const url = (arch: string) => `${DL}/0.9.17/uv-${arch}-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          9,
          {
            url: `${DL}/\${UV_VERSION}/uv-\${arch}-${GNU}`,
            asset: `uv-\${arch}-${GNU}`,
            variable: "UV_VERSION",
            versionLine: 3,
          },
          [sum(f, 5, A, url("x86_64"), "x86_64"), sum(f, 6, B, url("aarch64"), "aarch64")],
        ),
      ],
      skipped: [],
    });
  });

  it('sh: if [ "$(uname -m)" = aarch64 ] … else …, each branch setting the arch and its checksum', () => {
    const f = "checksums/arch-if.sh";
    const url = (arch: string) => `${DL}/0.9.17/uv-${arch}-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          11,
          {
            url: `${DL}/\${UV_VERSION}/uv-\${UV_ARCH}-${GNU}`,
            asset: `uv-\${UV_ARCH}-${GNU}`,
            variable: "UV_VERSION",
            versionLine: 3,
          },
          [sum(f, 6, A, url("aarch64"), "aarch64"), sum(f, 9, B, url("x86_64"))],
        ),
      ],
      skipped: [],
    });
  });
});

describe("one checksum, every way of checking it", () => {
  it('sh: case "$arch" in x86_64) sum=… ;; aarch64) sum=… ;; with arch=$(uname -m)', () => {
    const f = "checksums/arch-case.sh";
    const url = (arch: string) => `${DL}/0.9.17/uv-${arch}-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          10,
          {
            url: `${DL}/\${V}/uv-\${arch}-${GNU}`,
            asset: `uv-\${arch}-${GNU}`,
            variable: "V",
            versionLine: 3,
          },
          [sum(f, 6, A, url("x86_64"), "x86_64"), sum(f, 7, B, url("aarch64"), "aarch64")],
        ),
      ],
      skipped: [],
    });
  });

  it("Dockerfile: ENV UV_VERSION and UV_SHA256 (one ENV, two lines) checked in a RUN", () => {
    const f = "checksum-env.Dockerfile";
    const asset = `uv-x86_64-${GNU}`;
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      dockerInstaller(f, 4, {
        url: `${DL}/\${UV_VERSION}/${asset}`,
        asset,
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
        form: "url+checksum",
        digest: `sha256:${A}`,
        checksums: [tiedChecksum(3, A, `${DL}/0.9.17/${asset}`)],
        spans: { checksum: A },
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
  });

  it('sh: the installer compared with $(sha256sum "$tmp" | cut …) in [ … != … ]', () => {
    const f = "checksums/install-checked.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          7,
          {
            url: "https://astral.sh/uv/${version}/install.sh",
            asset: "install.sh",
            variable: "version",
            versionLine: 4,
          },
          [sum(f, 5, A, "https://astral.sh/uv/0.9.17/install.sh")],
        ),
      ],
      skipped: [],
    });
  });

  it('bash: a here-string, a checksum file written first, printf, test "$(shasum -a 256 …)" = literal', () => {
    const f = "checksums/check-forms.sh";
    const pin = (line: number, asset: string, sumLine: number, hex: string) =>
      installer(f, line, { url: `${DL}/\${V}/${asset}`, asset, variable: "V", versionLine: 4 }, [
        sum(f, sumLine, hex, `${DL}/0.9.17/${asset}`),
      ]);
    expect(scanFixture(f)).toEqual({
      pins: [
        pin(5, "uv-aarch64-unknown-linux-musl.tar.gz", 6, A),
        pin(7, "uv-x86_64-unknown-linux-musl.tar.gz", 8, B),
        pin(10, `uv-x86_64-${GNU}`, 11, C),
        pin(12, `uv-aarch64-${GNU}`, 13, D),
      ],
      skipped: [],
    });
  });

  it("PowerShell: (Get-FileHash -Path $Zip -Algorithm SHA256).Hash compared with -ne", () => {
    const f = "checksums/install-checked.ps1";
    const asset = "uv-x86_64-pc-windows-msvc.zip";
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          5,
          { url: `${DL}/$Version/${asset}`, asset, variable: "Version", versionLine: 2 },
          [sum(f, 3, A, `${DL}/0.9.17/${asset}`)],
        ),
      ],
      skipped: [],
    });
  });

  it("Chocolatey: url64bit and checksum64 in the package arguments", () => {
    const f = "checksums/chocolateyinstall.ps1";
    const asset = "uv-x86_64-pc-windows-msvc.zip";
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(f, 3, { url: `${DL}/0.9.17/${asset}`, asset, versionLine: 3 }, [
          sum(f, 4, B, `${DL}/0.9.17/${asset}`),
        ]),
      ],
      skipped: [],
    });
  });

  it("Makefile: $(UV_SHA256) checked against the recipe's target $@", () => {
    const f = "checksums/Makefile";
    const asset = `uv-x86_64-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          5,
          { url: `${DL}/$(UV_VERSION)/${asset}`, asset, variable: "UV_VERSION", versionLine: 1 },
          [sum(f, 2, D, `${DL}/0.9.17/${asset}`)],
        ),
      ],
      skipped: [],
    });
  });

  it("workflow: a job's env checksum checked in a run block", () => {
    const f = "checksums/.github/workflows/install.yml";
    const asset = `uv-x86_64-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          9,
          { url: `${DL}/\${UV_VERSION}/${asset}`, asset, variable: "UV_VERSION", versionLine: 5 },
          [sum(f, 6, C, `${DL}/0.9.17/${asset}`)],
        ),
      ],
      skipped: [],
    });
  });

  it("Dockerfile: ADD --checksum=${UV_SHA256} ${UV_URL}, the URL in an ARG", () => {
    const f = "checksum-add-arg.Dockerfile";
    const asset = `uv-x86_64-${GNU}`;
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      dockerInstaller(f, 3, {
        url: `${DL}/\${UV_VERSION}/${asset}`,
        asset,
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
        form: "url+checksum",
        digest: `sha256:${A}`,
        checksums: [tiedChecksum(4, A, `${DL}/0.9.17/${asset}`, { prefixed: true })],
        spans: { checksum: `sha256:${A}`, checksumPrefixed: true },
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("what is not tied", () => {
  it("a checksum that checks the GitHub CLI keyring is not uv's", () => {
    const f = "checksums/gh-keyring.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          6,
          { url: "https://astral.sh/uv/0.9.17/install.sh", asset: "install.sh", versionLine: 6 },
          [],
        ),
      ],
      skipped: [],
    });
  });

  it("a checksum next to the download that no check ties to it holds the pin, naming its line", () => {
    const f = "checksums/untied.sh";
    const asset = `uv-x86_64-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(
          f,
          6,
          { url: `${DL}/\${UV_VERSION}/${asset}`, asset, variable: "UV_VERSION", versionLine: 4 },
          [],
          {
            hold: "a sha256 checksum next to this download cannot be tied to one uv asset (checksums/untied.sh:5); update it by hand",
          },
        ),
      ],
      skipped: [],
    });
  });

  it("a checksum file downloaded next to the archive is part of its pin, not a second pin", () => {
    const f = "checksums/sidecar.sh";
    const asset = `uv-x86_64-${GNU}`;
    expect(scanFixture(f)).toEqual({
      pins: [
        installer(f, 5, { url: `${DL}/\${V}/${asset}`, asset, variable: "V", versionLine: 4 }, [], {
          sidecars: [`${DL}/\${V}/${asset}.sha256`],
        }),
      ],
      skipped: [],
    });
  });
});

describe("the download a check reads", () => {
  const pin = (f: string, line: number, arch: string, sums: Sum[]) => {
    const asset = `uv-${arch}-${GNU}`;
    return installer(
      f,
      line,
      { url: `${DL}/\${V}/${asset}`, asset, variable: "V", versionLine: 4 },
      sums,
    );
  };

  it("one file downloaded twice, each time checked: each download takes the checksum after it", () => {
    const f = "checksums/downloaded-twice.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        pin(f, 5, "x86_64", [sum(f, 6, A, `${DL}/0.9.17/uv-x86_64-${GNU}`)]),
        pin(f, 7, "aarch64", [sum(f, 8, B, `${DL}/0.9.17/uv-aarch64-${GNU}`)]),
      ],
      skipped: [],
    });
  });

  it("a sum computed before the file is downloaded again checks the first download only", () => {
    const f = "checksums/hashed-then-replaced.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        pin(f, 5, "x86_64", [sum(f, 8, A, `${DL}/0.9.17/uv-x86_64-${GNU}`)]),
        pin(f, 7, "aarch64", []),
      ],
      skipped: [],
    });
  });
});
