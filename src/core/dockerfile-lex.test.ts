/**
 * The lexer of the kept instructions against dockerfile-ast, value by value: on generated
 * instructions (keywords, flags, escaped line breaks with blanks and comment lines after them,
 * escapes mid-word and before `$`, quotes, stage names, ENV forms; LF, CRLF and CR), every
 * instruction the lexer reads has dockerfile-ast's keyword, extent, arguments (value and extent),
 * flags (name and value extent), FROM stage, ENV properties and comment lines. The lexer may
 * refuse an instruction (the file is then parsed with dockerfile-ast), but it must read many.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { lexInstructions, rawArguments } from "./dockerfile-lex.js";
import { splitInstructions } from "./dockerfile-mask.js";
import { type DockerfileView, parseWithDockerfileAst } from "./dockerfile-view.js";
import { Lines } from "./lines.js";

const KEYWORDS = ["FROM", "from", "COPY", "RUN", "Run", "ADD", "ARG", "ENV", "LABEL", "CMD"];
const WORDS = [
  "ghcr.io/astral-sh/uv:0.9.17",
  "python:3.12",
  "AS",
  "as",
  "uv",
  "build",
  "--from=uv",
  "--from=ghcr.io/astral-sh/uv:0.9.1",
  "--FROM=x",
  "--mount=from=ghcr.io/astral-sh/uv:0.9.16,source=/uv,target=/bin/uv",
  "--mount=type=cache,target=/root/.cache/uv",
  "--checksum=sha256:abc",
  "--link",
  "--platform=$P",
  "--x=",
  "--",
  "a--b",
  "-",
  "=",
  "A=1",
  "B=",
  "UV_VERSION=0.9.17",
  "C",
  "${V}",
  "$V",
  "${V:-0.9}",
  "pip",
  "install",
  "uv==${V}",
  "'a b'",
  '"q r"',
  "x\\ y",
  "\\$HOME",
  "\\\\",
  "a\\",
  "#x",
  "&&",
  "https://astral.sh/uv/0.9.17/install.sh",
];
const GLUE = [
  " ",
  " ",
  " ",
  "\t",
  "  ",
  "\\\n",
  " \\\n",
  " \\ \n  ",
  " \\\n  # c\n  ",
  " \\\n\n  ",
  "\\ ",
];

const instructionArb = fc
  .tuple(
    fc.constantFrom(...KEYWORDS),
    fc.array(fc.tuple(fc.constantFrom(...GLUE), fc.constantFrom(...WORDS)), { maxLength: 7 }),
    fc.constantFrom("", " ", " \\", "\t"),
  )
  .map(([k, parts, tail]) => k + parts.map(([g, w]) => g + w).join("") + tail);

const fileArb = fc
  .array(fc.tuple(instructionArb, fc.constantFrom("\n", "\r\n", "\r")), {
    minLength: 1,
    maxLength: 6,
  })
  .map((lines) =>
    lines
      .map(([line, br]) => line.replace(/\n/g, br) + br)
      .join("")
      .replace(/\r\r/g, "\r"),
  );

/** Everything the extractor reads of each instruction, comments by instruction. */
function read(view: DockerfileView) {
  return view.instructions.map((ins) => ({
    keyword: ins.keyword,
    span: ins.span,
    args: ins.args(),
    flags: ins.flags(),
    stage: ins.buildStage(),
    properties: ins.keyword === "ENV" ? ins.properties() : [],
    comments: view.comments.filter((c) => c.start >= ins.span.start && c.end <= ins.span.end),
  }));
}

describe("the lexer reads instructions as dockerfile-ast does", () => {
  it(
    "generated instructions",
    () => {
      let lexed = 0;
      let tried = 0;
      fc.assert(
        fc.property(fileArb, (text) => {
          const raws = splitInstructions(text);
          if (raws === null) return;
          tried++;
          const view = lexInstructions(text, raws);
          if (view === null) return;
          lexed++;
          expect(read(view)).toEqual(read(parseWithDockerfileAst(text, new Lines(text))));
        }),
        runs(1000),
      );
      // The lexer must read many of them (it refuses ENV words with quotes or escapes, and a
      // continuation at the end of the file), or the property checks little.
      expect(lexed).toBeGreaterThan(tried / 3);
    },
    PROPERTY_TIMEOUT,
  );

  it("arguments: escaped blanks, escaped line breaks, comment lines and `\\$`, as dockerfile-ast reads them", () => {
    // dockerfile-ast's readings (checked against it below): `\ ` splits a word, `\$` stays.
    const text = "RUN a\\ b \\\n  # c\n  d\\$e \\ \n f\\";
    const args = rawArguments(text, 3, text.length).map((a) => [
      a.value,
      text.slice(a.start, a.end),
    ]);
    expect(args).toEqual([
      ["a", "a"],
      ["b", "b"],
      ["d\\$e", "d\\$e"],
      ["f", "f\\"],
    ]);
    const view = lexInstructions(text, splitInstructions(text) ?? []);
    expect(view).not.toBeNull();
    expect(view && read(view)).toEqual(read(parseWithDockerfileAst(text, new Lines(text))));
  });

  it("refuses ONBUILD and an ENV that is not plain words, and an end it reads differently", () => {
    for (const text of [
      "ONBUILD RUN pip install uv==0.9.17\n",
      'ENV A="1 2"\n',
      "ENV A=1 \\\n B=2\n",
      "ENV A=${B:-x y}\n",
    ]) {
      expect(lexInstructions(text, splitInstructions(text) ?? [])).toBeNull();
    }
    // `\ ` then a non-blank: dockerfile-ast skips that character, so the last `\` ends nothing.
    const odd = "RUN a \\ \\\nRUN b\n";
    const raws = splitInstructions(odd);
    if (raws) expect(lexInstructions(odd, raws)).toBeNull();
  });
});
