import { describe, expect, it } from "vitest";
import { NO_SPANS, readFixture, scanFixture } from "../../test/file-pins.js";
import { scanText } from "./extract.js";
import { rewriteFile } from "./rewrite.js";

describe("a composite action's inputs", () => {
  it("action.yml: `${{ inputs.version }}` takes the input's default from the same file", () => {
    const f = "forms/action/action.yml";
    const common = {
      file: f,
      image: null,
      tag: null,
      version: "0.9.17",
      digest: null,
      variable: "inputs.version",
      versionLine: 5,
      suffix: null,
      resolvedTag: null,
      skipReason: null,
      spans: { ...NO_SPANS, version: "5:15 0.9.17" },
    };
    expect(scanFixture(f)).toEqual({
      pins: [
        { ...common, line: 13, kind: "version", url: null, form: null, asset: null },
        {
          ...common,
          line: 14,
          kind: "installer",
          url: "https://astral.sh/uv/${{ inputs.version }}/install.sh",
          form: "url",
          asset: "install.sh",
        },
      ],
      skipped: [],
    });
  });

  it("round trip: the default moves, once, for both uses", () => {
    const name = "forms/action/action.yml";
    const text = readFixture(name);
    const { pins } = scanText(name, text);
    const r = rewriteFile(
      name,
      text,
      pins.map((pin) => ({ pin, target: { version: "0.10.0" } })),
    );
    expect(r.error).toBeNull();
    expect(r.text).toBe(text.replace('default: "0.9.17"', 'default: "0.10.0"'));
  });

  it("in a workflow, `inputs` are the caller's: no default is read from the file", () => {
    const f = "forms/called.yml";
    const reason = "version: `inputs.version` has no default value";
    expect(scanFixture(f).skipped).toEqual([{ file: f, line: 13, reason }]);
  });
});
