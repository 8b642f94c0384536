/**
 * Dockerfile scanner: syntax (case 7), look-alikes (case 8), ONBUILD, lines split by continuations,
 * and files that dockerfile-ast parses oddly.
 */
import { describe, expect, test } from "vitest";
import {
  imagePin,
  installerPin,
  scanFixture,
  skipsOf,
  tiedChecksum,
  versionPin,
} from "../../test/dockerfile-pins.js";
import { scanText } from "./extract.js";

const SHA_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const SPLIT = "version: the text is split over variables or lines";

describe("case 7: parser directives, lowercase, CRLF, BOM, comments", () => {
  test("windows-escape-backtick: # escape=` with CRLF; ` continues lines, \\ does not", () => {
    const f = "windows-escape-backtick.Dockerfile";
    const pins = [
      // ENV …\tools\uv\ ends with a backslash, which does not continue the line under escape=`
      installerPin(f, 6, {
        url: "https://astral.sh/uv/$env:UV_VERSION/install.ps1",
        asset: "install.ps1",
        version: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 4,
      }),
      // the comment line between the ` continuations is dropped
      installerPin(f, 9, {
        url: "https://github.com/astral-sh/uv/releases/download/0.9.16/uv-installer.ps1",
        asset: "uv-installer.ps1",
        version: "0.9.16",
      }),
      installerPin(f, 10, {
        url: "https://astral.sh/uv/0.9.15/install.ps1",
        asset: "install.ps1",
        skipReason: SPLIT,
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.text).toContain("\r\n");
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });

  test("crlf-bom: a UTF-8 BOM, CRLF endings and # syntax= keep every span exact", () => {
    const f = "crlf-bom.Dockerfile";
    const pins = [
      imagePin(f, 4, {
        tag: "${UV_VERSION}",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 3,
      }),
      imagePin(f, 6, { tag: "0.9.16", version: "0.9.16" }),
      installerPin(f, 8, {
        url: "https://astral.sh/uv/0.9.15/install.sh",
        asset: "install.sh",
        version: "0.9.15",
        form: "url+checksum",
        digest: `sha256:${SHA_A}`,
        checksums: [
          tiedChecksum(8, SHA_A, "https://astral.sh/uv/0.9.15/install.sh", { prefixed: true }),
        ],
        spans: { checksum: `sha256:${SHA_A}`, checksumPrefixed: true },
      }),
      installerPin(f, 9, {
        url: "https://astral.sh/uv/0.9.14/install.sh",
        asset: "install.sh",
        version: "0.9.14",
      }),
      versionPin(f, 12, { version: "0.9.13", variable: "UV_PIP", versionLine: 11 }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.text.charCodeAt(0)).toBe(0xfeff);
    expect(scanned.text).toContain("\r\n");
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });

  test("lowercase-instructions: from, arg, copy, run, add, env", () => {
    const f = "lowercase-instructions.Dockerfile";
    const pins = [
      imagePin(f, 1, { tag: "0.9.17", version: "0.9.17" }),
      imagePin(f, 4, {
        tag: "$UV_VERSION",
        version: "0.9.16",
        resolvedTag: "0.9.16",
        variable: "UV_VERSION",
        versionLine: 3,
      }),
      imagePin(f, 6, { tag: "0.9.15", version: "0.9.15" }),
      installerPin(f, 7, {
        url: "https://astral.sh/uv/0.9.14/install.sh",
        asset: "install.sh",
        version: "0.9.14",
      }),
      versionPin(f, 9, { version: "0.9.13", variable: "UV_PIP", versionLine: 8 }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });

  test("comments-continuation: # lines, comment lines inside continuations, trailing comments", () => {
    const f = "comments-continuation.Dockerfile";
    const sh = (line: number, version: string) =>
      installerPin(f, line, {
        url: `https://astral.sh/uv/${version}/install.sh`,
        asset: "install.sh",
        version,
      });
    const pins = [
      // a comment line inside the continued RUN is dropped whole, its trailing \ included
      sh(7, "0.9.17"),
      versionPin(f, 8, { version: "0.9.16" }),
      // a # inside quotes starts no comment
      sh(9, "0.9.15"),
      imagePin(f, 11, { tag: "0.9.14", version: "0.9.14" }),
      imagePin(f, 16, { tag: "0.9.13", version: "0.9.13" }),
      // after a blank line inside the continued RUN
      sh(22, "0.9.12"),
      // lines 18-19 and 23-25: a trailing shell comment runs on over escaped line breaks
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("case 8: look-alikes are not pins", () => {
  test("look-alikes: ruff, ty, uv-docker-example, uv-pre-commit, setup-uv, docs, ruff installer", () => {
    const { pins, skipped } = scanFixture("look-alikes.Dockerfile");
    expect({ pins, skipped }).toEqual({ pins: [], skipped: [] });
  });
});

describe("ONBUILD", () => {
  test("onbuild: the trigger's COPY --from, RUN --mount, RUN installer and ADD --checksum", () => {
    const f = "onbuild.Dockerfile";
    const pins = [
      imagePin(f, 3, { tag: "0.9.17", version: "0.9.17" }),
      imagePin(f, 4, { tag: "0.9.16", version: "0.9.16" }),
      installerPin(f, 5, {
        url: "https://astral.sh/uv/0.9.15/install.sh",
        asset: "install.sh",
        version: "0.9.15",
      }),
      installerPin(f, 6, {
        url: "https://astral.sh/uv/0.9.14/install.sh",
        asset: "install.sh",
        version: "0.9.14",
        form: "url+checksum",
        digest: `sha256:${SHA_A}`,
        checksums: [
          tiedChecksum(6, SHA_A, "https://astral.sh/uv/0.9.14/install.sh", { prefixed: true }),
        ],
        spans: { checksum: `sha256:${SHA_A}`, checksumPrefixed: true },
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });
});

describe("line continuations inside a reference or URL", () => {
  test("split-continuation: joined like Docker does; a split version is seen but skipped", () => {
    const f = "split-continuation.Dockerfile";
    const pins = [
      imagePin(f, 2, { tag: "0.9.17", version: "0.9.17", versionLine: 3 }),
      imagePin(f, 4, { tag: "0.9.16", resolvedTag: "0.9.16", skipReason: SPLIT }),
      installerPin(f, 6, {
        url: "https://astral.sh/uv/0.9.15/install.sh",
        asset: "install.sh",
        version: "0.9.15",
        versionLine: 7,
      }),
      installerPin(f, 8, {
        url: "https://astral.sh/uv/0.9.14/install.sh",
        asset: "install.sh",
        skipReason: SPLIT,
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });
});

describe("files that dockerfile-ast parses oddly never throw", () => {
  test("garbage: broken instructions and references are skipped with a reason", () => {
    const f = "garbage.Dockerfile";
    const pins = [
      imagePin(f, 8, { tag: "", resolvedTag: null, skipReason: "tag: the tag is empty" }),
      imagePin(f, 9, { form: "digest", skipReason: "digest: `` is not a sha256 digest" }),
      imagePin(f, 10, {
        tag: "0.9.17",
        version: "0.9.17",
        form: "tag+digest",
        skipReason: "digest: `sha256:zz` is not a sha256 digest",
      }),
      imagePin(f, 11, { tag: "${", resolvedTag: null, skipReason: "tag: `${` is not a valid tag" }),
      imagePin(f, 12, {
        tag: "0.9.${PATCH}",
        resolvedTag: null,
        variable: "PATCH",
        skipReason: "tag: `PATCH` has no default value",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });

  test("unterminated-heredoc: the heredoc runs to the end of the file", () => {
    const f = "unterminated-heredoc.Dockerfile";
    const pins = [
      imagePin(f, 3, { tag: "0.9.17", version: "0.9.17" }),
      installerPin(f, 5, {
        url: "https://astral.sh/uv/0.9.16/install.sh",
        asset: "install.sh",
        version: "0.9.16",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([]);
  });

  test("only-comments, an empty file, a lone backslash, a lone heredoc opener", () => {
    const found = (name: string, text?: string) => {
      const { pins, skipped } = scanFixture(name, text);
      return { pins, skipped };
    };
    const empty = { pins: [], skipped: [] };
    expect(found("only-comments.Dockerfile")).toEqual(empty);
    expect(found("empty.Dockerfile", "")).toEqual(empty);
    expect(found("backslash.Dockerfile", "\\")).toEqual(empty);
    expect(found("heredoc.Dockerfile", "RUN <<")).toEqual(empty);
    expect(found("heredoc.Dockerfile", "FROM x\nRUN <<EOF\n")).toEqual(empty);
  });
});

describe("parser directives as BuildKit reads them (dockerfile-ast read some differently)", () => {
  const lines = (text: string) => scanText("Dockerfile", text).pins.map((p) => p.line);

  test("a trailing comment with `=` on the syntax line (a here-document makes it a full parse)", () => {
    // Found by the masked-vs-full differential property (PROPERTY_RUNS_SCALE=40): dockerfile-ast
    // skipped the FROM after the directive line.
    const text =
      "# syntax=docker/dockerfile:1  # see https://example.com/?a=b\n" +
      "FROM ghcr.io/astral-sh/uv:0.9.0 AS uv\n" +
      "RUN <<EOF\necho hi\nEOF\n";
    expect(lines(text)).toEqual([2]);
  });

  test("escape=` after a syntax line that ends in a blank", () => {
    const text =
      "# syntax=docker/dockerfile:1 \n# escape=`\n" +
      "FROM ghcr.io/astral-sh/uv:0.9.0 AS uv\nRUN echo C:\\\nFROM ghcr.io/astral-sh/uv:0.8.0\n";
    expect(lines(text)).toEqual([3, 5]);
  });

  test("escape=` after an unknown directive is a comment: the backslash continues the RUN", () => {
    const text =
      "# foo=bar\n# escape=`\n" +
      "FROM ghcr.io/astral-sh/uv:0.9.0 AS uv\nRUN echo C:\\\nFROM ghcr.io/astral-sh/uv:0.8.0\n";
    expect(lines(text)).toEqual([3]);
  });
});
