import { describe, expect, it } from "vitest";
import { NO_SPANS, readFixture, type Shown, scanFixture, shown } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { rewriteFile } from "./rewrite.js";

/** A build-time override pin with every field. */
function override(
  file: string,
  line: number,
  fields: Partial<Shown> & { overrides: string; version?: string | null },
): Shown {
  return shown("version", file, line, { variable: fields.overrides, ...fields });
}

const v = (at: string) => ({ ...NO_SPANS, version: at });

/** Rewrites every readable pin of a fixture to `version`. */
function rewriteFixture(name: string, version: string) {
  const text = readFixture(name);
  const { pins } = scanText(name, text);
  return rewriteFile(
    name,
    text,
    pins.filter((p) => !p.skipReason).map((pin) => ({ pin, target: { version } })),
  );
}

describe("build-time overrides are version pins", () => {
  it("compose build.args: map and list forms, ${V:-default}, a name alone from the environment", () => {
    const f = "forms/compose.yaml";
    const reason =
      "version: the build takes `ASTRAL_UV_VERSION` from its environment, which this file does not set";
    expect(scanFixture(f)).toEqual({
      pins: [
        override(f, 6, {
          overrides: "UV_VERSION",
          version: "0.9.17",
          versionLine: 6,
          spans: v("6:22 0.9.17"),
          overridesIn: "forms/Dockerfile",
        }),
        override(f, 12, {
          overrides: "UV_VERSION",
          version: "0.9.16",
          versionLine: 12,
          spans: v("12:36 0.9.16"),
          overridesIn: "forms/Dockerfile",
        }),
        override(f, 18, {
          overrides: "ASTRAL_UV_VERSION",
          skipReason: reason,
          overridesIn: "forms/tools/Dockerfile",
        }),
      ],
      skipped: [{ file: f, line: 18, reason }],
    });
  });

  it("workflow: --build-arg fed by env:, build-push-action build-args: (block and plain)", () => {
    const f = "forms/build.yml";
    expect(scanFixture(f)).toEqual({
      pins: [
        override(f, 8, {
          overrides: "UV_VERSION",
          version: "0.9.17",
          versionLine: 3,
          spans: v("3:15 0.9.17"),
        }),
        override(f, 14, {
          overrides: "UV_VERSION",
          version: "0.9.16",
          versionLine: 14,
          spans: v("14:24 0.9.16"),
          overridesIn: "Dockerfile",
        }),
        override(f, 17, {
          overrides: "UV_VERSION",
          version: "0.9.17",
          versionLine: 3,
          spans: v("3:15 0.9.17"),
          overridesIn: "Dockerfile",
        }),
      ],
      skipped: [],
    });
  });

  it("Makefile: --build-arg UV_VERSION=$(UV_VERSION) reads the Make variable", () => {
    const f = "forms/build.mk";
    expect(scanFixture(f)).toEqual({
      pins: [
        override(f, 4, {
          overrides: "UV_VERSION",
          version: "0.9.17",
          versionLine: 1,
          spans: v("1:15 0.9.17"),
        }),
      ],
      skipped: [],
    });
  });

  it("shell: quoted, --build-arg=, a name alone (from an exported variable), not a version, other names", () => {
    const f = "forms/build-image.sh";
    const latest = "version: `latest` is not a uv version";
    expect(scanFixture(f)).toEqual({
      pins: [
        override(f, 3, {
          overrides: "UV_VERSION",
          version: "0.9.16",
          versionLine: 3,
          spans: v("3:38 0.9.16"),
        }),
        override(f, 4, {
          overrides: "ASTRAL_UV_VERSION",
          version: "0.9.15",
          versionLine: 4,
          spans: v("4:44 0.9.15"),
        }),
        override(f, 5, {
          overrides: "UV_VERSION",
          version: "0.9.17",
          versionLine: 2,
          spans: v("2:19 0.9.17"),
        }),
        override(f, 7, { overrides: "UV_VERSION", skipReason: latest }),
      ],
      skipped: [{ file: f, line: 7, reason: latest }],
    });
  });
});

describe("build-time overrides: round trip", () => {
  it("compose: both forms move, the rest of the file stays byte for byte", () => {
    const r = rewriteFixture("forms/compose.yaml", "0.10.0");
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      readFixture("forms/compose.yaml")
        .replace('UV_VERSION: "0.9.17"', 'UV_VERSION: "0.10.0"')
        .replace(":-0.9.16}", ":-0.10.0}"),
    );
  });

  it("workflow: the env value and the build-args line move, each once", () => {
    const r = rewriteFixture("forms/build.yml", "0.10.0");
    expect(r.error).toBeNull();
    expect(r.text).toBe(
      readFixture("forms/build.yml")
        .replace("UV_VERSION: 0.9.17", "UV_VERSION: 0.10.0")
        .replace("UV_VERSION=0.9.16", "UV_VERSION=0.10.0"),
    );
  });

  it("Makefile and shell", () => {
    expect(rewriteFixture("forms/build.mk", "0.10.0").text).toBe(
      readFixture("forms/build.mk").replace("?= 0.9.17", "?= 0.10.0"),
    );
    expect(rewriteFixture("forms/build-image.sh", "0.10.0").text).toBe(
      readFixture("forms/build-image.sh")
        .replace("UV_VERSION=0.9.17", "UV_VERSION=0.10.0")
        .replace('"UV_VERSION=0.9.16"', '"UV_VERSION=0.10.0"')
        .replace("ASTRAL_UV_VERSION=0.9.15", "ASTRAL_UV_VERSION=0.10.0"),
    );
  });
});
