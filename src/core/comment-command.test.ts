import { describe, expect, it } from "vitest";
import { type Command, parseCommand } from "./comment-command.js";

const run: Command = { command: "run", unknown: null };
const check: Command = { command: "check", unknown: null };
const rebase: Command = { command: "rebase", unknown: null };
const help: Command = { command: "help", unknown: null };
const unknown = (what: string): Command => ({ command: "help", unknown: what });

const CASES: [string, string, Command | null][] = [
  ["the command alone", "/uv-update", run],
  ["check", "/uv-update check", check],
  ["rebase", "/uv-update rebase", rebase],
  ["help", "/uv-update help", help],
  ["a subcommand in any case", "/uv-update Rebase", rebase],
  ["tabs and trailing spaces", "/uv-update\tcheck  \t", check],
  ["an unknown subcommand", "/uv-update bump", unknown("bump")],
  ["more than a subcommand", "/uv-update check please", unknown("check please")],
  ["`run` is not a subcommand", "/uv-update run", unknown("run")],
  ["after other lines", "Thanks!\n\n/uv-update rebase\n", rebase],
  ["on the line after text (GitHub renders a line break)", "please\n/uv-update", run],
  ["up to 3 leading spaces", "   /uv-update check", check],
  ["4 leading spaces: indented code", "    /uv-update", null],
  ["a leading tab: indented code", "\t/uv-update", null],
  ["indented after text: not a line start", "please\n    /uv-update", null],
  ["a longer word", "/uv-updates", null],
  ["a hyphenated word", "/uv-update-foo", null],
  ["punctuation attached", "/uv-update.", null],
  ["mid-line", "please run /uv-update", null],
  ["a list item", "- /uv-update", null],
  ["quoted", "> /uv-update", null],
  ["quoted with spaces before", "  >/uv-update check", null],
  ["a lazy continuation of a quote", "> can you update?\n/uv-update", null],
  ["after a quote and a blank line", "> can you update?\n\n/uv-update check", check],
  ["after a quoted fence (no lazy continuation)", "> ```\n/uv-update", run],
  ["inline code", "`/uv-update`", null],
  ["inside a code span that started on the line before", "try `this\n/uv-update` later", null],
  ["an unmatched backtick opens no span", "a ` tick\n/uv-update", run],
  ["a span over three lines", "a `x\n/uv-update\nand ` here", null],
  ["an escaped backtick opens no span", "a \\`x\n/uv-update\nand ` here", run],
  ["a fenced block", "```\n/uv-update\n```", null],
  ["a fenced block with an info string", "```sh\n/uv-update\n```\n", null],
  ["a tilde fence", "~~~\n/uv-update\n~~~", null],
  ["a longer fence not closed by a shorter one", "````\n```\n/uv-update\n````", null],
  ["a tilde fence not closed by backticks", "~~~\n```\n/uv-update\n~~~\n/uv-update help", help],
  ["after a closed fence", "```\n/uv-update check\n```\n/uv-update rebase", rebase],
  ["an unclosed fence runs to the end", "```\n\n/uv-update", null],
  ["an indented fence (up to 3 spaces)", "   ~~~~\n/uv-update\n   ~~~~", null],
  ["a backtick line that is a code span, not a fence", "``` `x`\n/uv-update", run],
  ["an HTML comment (templates)", "<!--\n/uv-update\n-->\n", null],
  ["after an HTML comment", "<!-- note -->\n/uv-update check", check],
  ["CRLF", "Hi\r\n\r\n/uv-update check\r\n", check],
  ["CRLF fenced", "```\r\n/uv-update\r\n```\r\n/uv-update rebase\r\n", rebase],
  ["CR alone", "hi\r/uv-update help", help],
  ["the first command wins", "/uv-update check\n/uv-update rebase", check],
  [
    "the first command wins, unknown or not",
    "/uv-update frobnicate\n/uv-update",
    unknown("frobnicate"),
  ],
  ["no command", "LGTM, thanks", null],
  ["empty", "", null],
];

describe("parseCommand", () => {
  it.each(CASES)("%s", (_name, body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it("has a table wide enough", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });
});
