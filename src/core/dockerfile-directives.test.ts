/**
 * Parser directives as BuildKit reads them, and the text dockerfile-ast is given so that it reads
 * the same escape character and loses no line (dockerfile-ast 0.7.1 counts a second `#…=` on a
 * directive line as another directive line, and stops reading directives after a value followed
 * by blanks).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { astInput, parserDirectives } from "./dockerfile-directives.js";
import { parseWithDockerfileAst } from "./dockerfile-view.js";
import { Lines } from "./lines.js";

/**
 * The oracle: BuildKit's DirectiveParser (frontend/dockerfile/parser/directives.go) written out
 * with its regex on each line (lines split at `\n`, a CR before it dropped, the BOM of the first
 * line removed), for short lines only (the regex backtracks).
 */
const GO_SPACE =
  "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const LEADING = new RegExp(`^${GO_SPACE}*`);
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/s;
function buildkitEscape(text: string): string | "error" {
  let char = "\\";
  const seen = new Set<string>();
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  for (const [i, raw] of lines.entries()) {
    let line = i === 0 && raw.startsWith("\ufeff") ? raw.slice(1) : raw;
    line = line.replace(LEADING, "");
    if (!line.startsWith("#")) break;
    const m = DIRECTIVE.exec(line.slice(1).replace(LEADING, ""));
    if (!m) break;
    const key = (m[1] as string).toLowerCase();
    if (!["syntax", "escape", "check"].includes(key)) break;
    if (seen.has(key)) return "error";
    seen.add(key);
    if (key === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") return "error";
      char = m[2];
    }
  }
  return char;
}

describe("parserDirectives: the escape character BuildKit uses", () => {
  const cases: [string, string, string][] = [
    ["none", "FROM x\n", "\\"],
    ["escape", "# escape=`\nFROM x\n", "`"],
    ["the key in any case, blanks around `=`", "#  EScape = `  \nFROM x\n", "`"],
    ["after syntax", "# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n", "`"],
    [
      "after syntax with a blank after its value",
      "# syntax=docker/dockerfile:1 \n# escape=`\n",
      "`",
    ],
    ["after a check", "#check=skip=all\n#escape=`\r\n", "`"],
    ["an unknown directive ends them", "# foo=bar\n# escape=`\n", "\\"],
    ["a comment ends them", "# just a comment\n# escape=`\n", "\\"],
    ["a blank line ends them", "# syntax=x\n\n# escape=`\n", "\\"],
    ["an instruction ends them", "FROM x\n# escape=`\n", "\\"],
    ["indented with a no-break space", "\u00a0# escape=`\n", "`"],
    ["after a byte order mark", "\ufeff# escape=`\n", "`"],
    ["a form feed after #", "#\fescape=`\n", "`"],
    ["escape=\\ stays \\", "# escape=\\\n", "\\"],
  ];
  for (const [name, text, char] of cases) {
    it(name, () => {
      expect(parserDirectives(text).escapeChar).toBe(char);
      expect(buildkitEscape(text)).toBe(char);
    });
  }

  it("a value BuildKit refuses (or a repeated directive) stops the reading at `\\`", () => {
    for (const text of ["# escape=x\n", "# escape=`  #c=d\n", "# escape=\\\n# escape=`\n"]) {
      expect(buildkitEscape(text)).toBe("error");
      expect(parserDirectives(text).escapeChar).toBe("\\");
    }
  });

  it(
    "is BuildKit's reading on random directive lines",
    () => {
      const piece = fc.constantFrom(
        "#",
        " ",
        "\t",
        "\f",
        "\u00a0",
        "escape",
        "ESCAPE",
        "syntax",
        "check",
        "foo",
        "=",
        "`",
        "\\",
        "docker/dockerfile:1",
        "x",
        "\n",
        "\r\n",
        "\ufeff",
      );
      const head = fc.array(piece, { maxLength: 30 }).map((p) => p.join(""));
      fc.assert(
        fc.property(head, (text) => {
          const want = buildkitEscape(text);
          // A file BuildKit refuses does not build: what the scanner reads is left open.
          if (want === "error") return;
          // Lone CRs: a line break for this scanner and dockerfile-ast, not for BuildKit.
          fc.pre(!/\r(?!\n)/.test(text));
          expect(parserDirectives(text).escapeChar).toBe(want);
        }),
        runs(2000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe("astInput: what dockerfile-ast reads", () => {
  const read = (text: string) => {
    const input = astInput(text);
    expect(input.length).toBe(text.length);
    expect(input.match(/\r\n|\r|\n/g)).toEqual(text.match(/\r\n|\r|\n/g));
    const view = parseWithDockerfileAst(input, new Lines(text));
    return {
      escape: view.escapeChar,
      instructions: view.instructions.map((i) => text.slice(i.span.start, i.span.end)),
    };
  };

  it("a second `#…=` on the directive line loses no instruction", () => {
    const text =
      "# syntax=docker/dockerfile:1  # see https://example.com/?a=b\nFROM python\nRUN x\n";
    expect(read(text).instructions).toEqual(["FROM python", "RUN x"]);
  });

  it("a blank after the first value does not hide the escape directive after it", () => {
    const text = "# syntax=docker/dockerfile:1 \n# escape=`\nFROM python\nRUN echo C:\\\nRUN y\n";
    expect(read(text)).toEqual({
      escape: "`",
      instructions: ["FROM python", "RUN echo C:\\", "RUN y"],
    });
  });

  it("an escape directive after an unknown one is a comment", () => {
    const text = "# foo=bar\n# escape=`\nFROM python\nRUN echo C:\\\nRUN y\n";
    expect(read(text)).toEqual({
      escape: "\\",
      instructions: ["FROM python", "RUN echo C:\\\nRUN y"],
    });
  });

  it("an escape directive of exactly its own length, with a directive after it", () => {
    const text = "#escape=`\r\n#check=error=true\r\nFROM python `\r\n  AS base\r\n";
    expect(read(text)).toEqual({ escape: "`", instructions: ["FROM python `\r\n  AS base"] });
  });

  it("an escape directive indented with a no-break space (BuildKit trims it; dockerfile-ast does not)", () => {
    const text = "\u00a0# escape=`\nFROM python\nRUN echo C:\\\nRUN y\n";
    expect(read(text)).toEqual({
      escape: "`",
      instructions: ["FROM python", "RUN echo C:\\", "RUN y"],
    });
  });

  it("the text is unchanged when nothing in it is a directive", () => {
    for (const text of ["FROM x\n", "", "# a comment\nFROM x\n", "\n# escape=`\n"]) {
      expect(astInput(text)).toBe(text);
    }
  });

  it(
    "dockerfile-ast reads BuildKit's escape character, and instructions where a plain header has them",
    () => {
      const line = fc.constantFrom(
        "# syntax=docker/dockerfile:1",
        "# syntax=docker/dockerfile:1 ",
        "# syntax=docker/dockerfile:1  #c=d",
        "#escape=`",
        "# escape=` ",
        "# escape = \\",
        "#check=skip=all",
        "#check=x",
        "# foo=bar",
        "# a comment",
        "",
      );
      const header = fc
        .tuple(fc.array(line, { maxLength: 5 }), fc.constantFrom("\n", "\r\n"))
        .map(([lines, br]) => lines.map((l) => l + br).join(""));
      fc.assert(
        fc.property(header, (head) => {
          const text = `${head}FROM python\nRUN echo C:\\\nRUN y\n`;
          const want = buildkitEscape(text);
          fc.pre(want !== "error");
          const got = read(text);
          expect(got.escape).toBe(want);
          const under =
            want === "`"
              ? ["FROM python", "RUN echo C:\\", "RUN y"]
              : ["FROM python", "RUN echo C:\\\nRUN y"];
          expect(got.instructions).toEqual(under);
        }),
        runs(1000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
