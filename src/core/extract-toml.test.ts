import { describe, expect, it } from "vitest";
import { NO_SPANS, type Shown, scan, scanFixture, shown } from "../../test/file-pins.js";

/** A `required-version` pin; `span` is `"line:column text"`, and the pin's line is the span's. */
function required(file: string, span: string): Shown {
  const line = Number(span.split(":")[0]);
  return shown("version", file, line, {
    version: span.slice(span.indexOf(" ") + 1),
    versionLine: line,
    spans: { ...NO_SPANS, version: span },
  });
}

describe("pyproject.toml", () => {
  it("pyproject.toml: `[tool.uv]` required-version as written; not ruff's, not a comment", () => {
    expect(scanFixture("pyproject.toml")).toEqual({
      pins: [required("pyproject.toml", "12:21 >=0.5")],
      skipped: [],
    });
  });

  it("dotted, quoted and spaced keys and headers; CRLF", () => {
    const f = "pkg/pyproject.toml";
    expect(scan(f, '[tool]\nuv.required-version = "==0.9.17"\n').pins).toEqual([
      required(f, "2:24 ==0.9.17"),
    ]);
    expect(scan(f, "tool.uv.required-version = '0.9.17'\n").pins).toEqual([
      required(f, "1:29 0.9.17"),
    ]);
    expect(scan(f, '[ tool . "uv" ]  # uv\n"required-version" = ">=0.9" # min\n').pins).toEqual([
      required(f, "2:23 >=0.9"),
    ]);
    expect(
      scan(f, '[project]\r\nname = "x"\r\n\r\n[tool.uv]\r\nrequired-version = ">=0.5"\r\n'),
    ).toEqual({ pins: [required(f, "5:21 >=0.5")], skipped: [] });
  });

  it("not pins: top level, sub-tables, array tables, multi-line strings", () => {
    const text = [
      'required-version = "0.1.0"',
      "[project]",
      'description = """',
      "[tool.uv]",
      'required-version = "0.2.0"',
      '"""',
      "[tool.uv.pip]",
      'required-version = "0.3.0"',
      "[tool.uv]",
      "managed = true",
      "[[tool.uv.index]]",
      'required-version = "0.4.0"',
      "",
    ].join("\n");
    expect(scan("pyproject.toml", text)).toEqual({ pins: [], skipped: [] });
  });
});

describe("uv.toml", () => {
  it("uv.toml: top-level required-version", () => {
    expect(scanFixture("uv.toml")).toEqual({
      pins: [required("uv.toml", "2:21 0.9.17")],
      skipped: [],
    });
  });

  it("not pins: `[tool.uv]` (pyproject's table) or an `[[index]]` entry's key", () => {
    const text = [
      "[tool.uv]",
      'required-version = "0.1.0"',
      "[[index]]",
      'name = "internal"',
      'required-version = "0.2.0"',
      "",
    ].join("\n");
    expect(scan("config/uv/uv.toml", text)).toEqual({ pins: [], skipped: [] });
    const indexFirst =
      '[[index]]\nurl = "https://example.com/simple"\nrequired-version = "0.3.0"\n';
    expect(scan("uv.toml", indexFirst)).toEqual({ pins: [], skipped: [] });
  });
});
