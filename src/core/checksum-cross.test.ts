/**
 * Checks that sit in another command than the download (issue 8 §1, the cases that broke builds:
 * the version moved and the checksum stayed). Tied where the file's data flow proves it (a later
 * RUN of the same stage checks the file a RUN or an ADD wrote), held with a reason naming the file
 * and the line everywhere else.
 */
import { describe, expect, it } from "vitest";
import {
  installerPin,
  scanFixture as scanDockerfile,
  tiedChecksum,
} from "../../test/dockerfile-pins.js";
import { NO_SPANS, readFixture, scanFixture, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { Lines } from "./lines.js";
import { rewriteFile } from "./rewrite.js";

const A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
const DL = "https://github.com/astral-sh/uv/releases/download";
const X86 = "uv-x86_64-unknown-linux-gnu.tar.gz";
const ARM = "uv-aarch64-unknown-linux-gnu.tar.gz";

const untied = (where: string, what: "checksum" | "check" = "checksum") =>
  `a sha256 ${what} next to this download cannot be tied to one uv asset (${where}); update it by hand`;

/** The Dockerfile ARG-versioned x86_64 archive, tied to `A` on line 3. */
const archive = (f: string, line: number) =>
  installerPin(f, line, {
    url: `${DL}/\${UV_VERSION}/${X86}`,
    asset: X86,
    version: "0.9.17",
    variable: "UV_VERSION",
    versionLine: 2,
    form: "url+checksum",
    digest: `sha256:${A}`,
    checksums: [tiedChecksum(3, A, `${DL}/0.9.17/${X86}`)],
    spans: { checksum: A },
  });

describe("a later RUN of the same stage checks what a RUN or an ADD wrote: tied", () => {
  it("download in one RUN, `sha256sum -c` in the next (an instruction between them)", () => {
    const f = "checksum-next-run.Dockerfile";
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([archive(f, 4)]);
    expect(scanned.skipped).toEqual([]);
  });

  it("ADD <uv url> FILE, then a RUN checks FILE: an ARG checksum, and a literal one (ADD to a directory)", () => {
    const f = "checksum-add-then-run.Dockerfile";
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      archive(f, 4),
      installerPin(f, 8, {
        url: `${DL}/0.9.17/${ARM}`,
        asset: ARM,
        version: "0.9.17",
        form: "url+checksum",
        digest: `sha256:${B}`,
        checksums: [tiedChecksum(9, B, `${DL}/0.9.17/${ARM}`)],
        spans: { checksum: B },
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("a workflow's steps: a download in one step, checked in the next", () => {
  it("tied, the check written on the step's own line (`run: echo … | sha256sum -c -`)", () => {
    const text = [
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    env:",
      `      UV_SHA256: ${A}`,
      "    steps:",
      `      - run: curl -fsSLo uv.tar.gz ${DL}/0.9.17/${X86}`,
      "      - name: check",
      '        run: echo "$UV_SHA256  uv.tar.gz" | sha256sum -c -',
      "",
    ].join("\n");
    const [pin] = scanText(".github/workflows/a.yml", text).pins;
    expect([
      pin?.line,
      pin?.form,
      pin?.hold,
      pin?.checksums?.map((c) => [c.line, c.digest]),
    ]).toEqual([7, "url+checksum", undefined, [[5, `sha256:${A}`]]]);
  });
});

describe("checks the data flow cannot tie: held, naming the file and the line", () => {
  it('eval "sum=\\$UV_SHA256_${TARGETARCH}": the check\'s value cannot be read', () => {
    const f = "checksum-eval.Dockerfile";
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      installerPin(f, 6, {
        url: `${DL}/\${UV_VERSION}/${X86}`,
        asset: X86,
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 3,
        hold: "its checksum cannot be read: fixtures/dockerfiles/checksum-eval.Dockerfile:8",
      }),
    ]);
  });

  it("a check in another stage (the file copied over with COPY --from)", () => {
    const f = "checksum-other-stage.Dockerfile";
    expect(scanDockerfile(f).pins).toEqual([
      installerPin(f, 2, {
        url: `${DL}/0.9.17/${X86}`,
        asset: X86,
        version: "0.9.17",
        hold: untied(`fixtures/dockerfiles/${f}:6`),
      }),
    ]);
  });

  const held = (f: string, line: number, versionSpan: string, hold: string, extra = {}) =>
    shown("installer", f, line, {
      url: `${DL}/0.9.17/${X86}`,
      version: "0.9.17",
      form: "url",
      versionLine: line,
      asset: X86,
      hold,
      spans: { ...NO_SPANS, version: versionSpan },
      ...extra,
    });

  it("a Makefile check in another target than the download's", () => {
    const f = "checksums/targets/Makefile";
    expect(scanFixture(f)).toEqual({
      pins: [
        held(f, 5, "1:15 0.9.17", untied(`${f}:2`), {
          url: `${DL}/$(UV_VERSION)/${X86}`,
          variable: "UV_VERSION",
          versionLine: 1,
        }),
      ],
      skipped: [],
    });
  });

  it("openssl dgst -sha256 compared with a variable: the checksum's line", () => {
    const f = "checksums/openssl.sh";
    expect(scanFixture(f)).toEqual({
      pins: [held(f, 4, "4:73 0.9.17", untied(`${f}:3`))],
      skipped: [],
    });
  });

  it("python hashlib with the checksum inside the program: the line of both", () => {
    const f = "checksums/hashlib.sh";
    expect(scanFixture(f)).toEqual({
      pins: [held(f, 3, "3:73 0.9.17", untied(`${f}:4`, "check"))],
      skipped: [],
    });
  });

  it('echo "$(cat uv.sha256)  FILE" | sha256sum -c -: the check\'s line', () => {
    const f = "checksums/cat-sum.sh";
    expect(scanFixture(f)).toEqual({
      pins: [held(f, 3, "3:73 0.9.17", untied(`${f}:4`, "check"))],
      skipped: [],
    });
  });
});

describe("a checksum file downloaded next to the archive that writes its own version", () => {
  const f = "checksums/sidecar-literal.sh";
  const text = readFixture(f);
  const versionAt = (line: number, column: number) => {
    const start = new Lines(text).offsetAt(line - 1, column - 1);
    return { start, end: start + "0.9.17".length };
  };

  it("is part of the archive's pin (its version text moves with the pin's), not a second pin", () => {
    const sidecar = (line: number, asset: string) =>
      shown("installer", f, line, {
        url: `${DL}/0.9.17/${asset}`,
        version: "0.9.17",
        form: "url",
        versionLine: line,
        asset,
        sidecars: [`${DL}/0.9.17/${asset === X86 ? `${X86}.sha256` : "sha256.sum"}`],
        spans: { ...NO_SPANS, version: `${line}:63 0.9.17` },
      });
    expect(scanFixture(f)).toEqual({ pins: [sidecar(4, X86), sidecar(7, ARM)], skipped: [] });
    expect(scanText(f, text).pins.map((p) => p.spans.sidecarVersions)).toEqual([
      [versionAt(5, 63)],
      [versionAt(8, 63)],
    ]);
  });

  it("moves with the archive in one rewrite; a file where only one moved reads as two pins", () => {
    const pins = scanText(f, text).pins;
    const result = rewriteFile(
      f,
      text,
      pins.map((pin) => ({ pin, target: { version: "0.9.18" } })),
    );
    expect(result.error).toBeNull();
    expect(result.refused).toEqual([]);
    expect(result.text).toBe(text.replaceAll("/0.9.17/", "/0.9.18/"));
    const half = text.replace(`0.9.17/${X86}.sha256`, `0.9.18/${X86}.sha256`);
    expect(scanText(f, half).pins.map((p) => [p.line, p.asset])).toEqual([
      [4, X86],
      [5, `${X86}.sha256`],
      [7, ARM],
    ]);
  });
});
