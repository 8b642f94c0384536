/**
 * The file-wide rule (issue 8 §1): a file that holds a uv download and a checksum, or a sha256
 * check, that no check ties to it holds every uv download of the file, whatever words the file
 * uses, naming the file and the line; a check that data flow proves to be about another file
 * (another tool's download) blocks nothing.
 */
import { describe, expect, it } from "vitest";
import { installerPin, scanFixture as scanDockerfile } from "../../test/dockerfile-pins.js";
import { NO_SPANS, scanFixture, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";

const DL = "https://github.com/astral-sh/uv/releases/download";
const ASSET = "uv-x86_64-unknown-linux-gnu.tar.gz";

const held = (where: string, what: "checksum" | "check" = "checksum") =>
  `a sha256 ${what} next to this download cannot be tied to one uv asset (${where}); update it by hand`;

describe("an untied checksum or check anywhere in the file holds its uv downloads", () => {
  it("a checksum read by a tool the tracer cannot follow, with no word about checksums", () => {
    const f = "checksums/untied-quiet.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        shown("installer", f, 5, {
          url: `${DL}/\${UV_VERSION}/${ASSET}`,
          version: "0.9.17",
          form: "url",
          variable: "UV_VERSION",
          versionLine: 3,
          asset: ASSET,
          hold: held(`${f}:4`),
          spans: { ...NO_SPANS, version: "3:12 0.9.17" },
        }),
      ],
      skipped: [],
    });
  });

  it("`sha256sum -c` of a checksum file committed to the repository names the check's line", () => {
    const f = "checksums/committed-sums.sh";
    expect(scanFixture(f)).toEqual({
      pins: [
        shown("installer", f, 3, {
          url: `${DL}/0.9.17/${ASSET}`,
          version: "0.9.17",
          form: "url",
          versionLine: 3,
          asset: ASSET,
          hold: held(`${f}:4`, "check"),
          spans: { ...NO_SPANS, version: "3:64 0.9.17" },
        }),
      ],
      skipped: [],
    });
  });

  it("a Dockerfile ARG checksum that nothing reads holds the installer", () => {
    const f = "checksum-unused.Dockerfile";
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      installerPin(f, 4, {
        url: "https://astral.sh/uv/${UV_VERSION}/install.sh",
        asset: "install.sh",
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
        hold: held("fixtures/dockerfiles/checksum-unused.Dockerfile:3"),
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
  });

  it.each([
    ["openssl dgst", `[ "$(openssl dgst -sha256 -r f | cut -d' ' -f1)" = "$S" ]`, "check"],
    [
      "python hashlib",
      `python3 -c 'import hashlib; print(hashlib.sha256(open("f","rb").read()).hexdigest())'`,
      "check",
    ],
    ["the expected value read from a file", `echo "$(cat uv.sha256)  f" | sha256sum -c -`, "check"],
    ["a sum computed and compared by grep", `sha256sum f | grep -q "$S"`, "check"],
  ] as const)("%s: held, naming the check's line", (_, check, what) => {
    const text = `curl -fsSLo f ${DL}/0.9.17/${ASSET}\n${check}\n`;
    expect(scanText("install.sh", text).pins.map((p) => [p.line, p.hold])).toEqual([
      [1, held("install.sh:2", what)],
    ]);
  });
});

describe("checks that data flow proves to be about another file block nothing", () => {
  it("another tool's ARG checksum checked in its own RUN, and ADD --checksum of another URL", () => {
    const f = "checksum-other-tools.Dockerfile";
    const scanned = scanDockerfile(f);
    expect(scanned.pins).toEqual([
      installerPin(f, 6, {
        url: "https://astral.sh/uv/0.9.17/install.sh",
        asset: "install.sh",
        version: "0.9.17",
      }),
    ]);
    expect(scanned.skipped).toEqual([]);
  });

  it.each([
    ["a cache key from uv.lock", 'echo "key=$(sha256sum uv.lock | cut -c1-16)"', undefined],
    ["a sum of requirements.txt printed", "sha256sum requirements.txt", undefined],
    ["a sum of the installed uv binary", "sha256sum /usr/local/bin/uv", "check"],
    ["a sum of the downloaded archive", "sha256sum f", "check"],
  ] as const)("a sum that checks nothing itself: %s", (_, line, what) => {
    const text = `curl -fsSLo f ${DL}/0.9.17/${ASSET}\n${line}\n`;
    expect(scanText("install.sh", text).pins.map((p) => [p.line, p.hold])).toEqual([
      [1, what ? held("install.sh:2", what) : undefined],
    ]);
  });

  it("a LABEL holding a digest is metadata, no check", () => {
    const text = [
      "FROM debian:bookworm-slim",
      `LABEL org.opencontainers.image.base.digest=sha256:${"ab".repeat(32)}`,
      "RUN curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh",
      "",
    ].join("\n");
    expect(scanText("Dockerfile", text).pins.map((p) => [p.line, p.hold])).toEqual([
      [3, undefined],
    ]);
  });

  it("a checksum file of the pin fetched straight into the check (curl URL.sha256 | sha256sum -c -)", () => {
    const text = [
      "V=0.9.17",
      `curl -fsSLO ${DL}/\${V}/${ASSET}`,
      `curl -fsSL ${DL}/\${V}/${ASSET}.sha256 | sha256sum -c -`,
      "",
    ].join("\n");
    expect(scanText("install.sh", text).pins.map((p) => [p.line, p.hold, p.sidecars])).toEqual([
      [2, undefined, [`${DL}/\${V}/${ASSET}.sha256`]],
    ]);
  });

  it("a download the tracer cannot read: no check is known to be about another file", () => {
    const text = [
      `python3 -c "import urllib.request as u; u.urlretrieve('${DL}/0.9.17/${ASSET}', 'pkg.tgz')"`,
      `echo "${"ab".repeat(32)}  pkg.tgz" | sha256sum -c -`,
      "",
    ].join("\n");
    expect(scanText("install.sh", text).pins.map((p) => [p.line, p.hold])).toEqual([
      [1, held("install.sh:2")],
    ]);
  });
});
