/**
 * `/uv-update` comment parsing on hostile comments. A comment body comes from anyone who can
 * comment: its parsing must be linear in its length. The line reader is compared with the regex it
 * replaced, and the bodies below were quadratic (code spans: every opener searched the rest of
 * the paragraph; every line start was checked against every span) or cubic (blanks around the
 * command); they finish far inside the test timeout now (80,000 lines of them took 101 s before).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { parseCommand } from "./comment-command.js";

/** The regex that read a command line before (cubic on a long line of blanks). */
const COMMAND = /^ {0,3}\/uv-update(?:[ \t]+(.*?))?[ \t]*$/;
const SUBCOMMANDS: Record<string, string> = { check: "check", rebase: "rebase", help: "help" };

function byRegex(line: string) {
  const m = COMMAND.exec(line);
  if (!m) return null;
  const rest = m[1] ?? "";
  if (rest === "") return { command: "run", unknown: null };
  const known = SUBCOMMANDS[rest.toLowerCase()];
  return known ? { command: known, unknown: null } : { command: "help", unknown: rest };
}

const lineArb = fc
  .array(
    fc.constantFrom(" ", "\t", "/uv-update", "check", "Rebase", "x", "\u00a0", "\u2028", "-"),
    {
      maxLength: 10,
    },
  )
  .map((parts) => parts.join(""));

describe("parseCommand on hostile comments", () => {
  it(
    "reads a command line as the regex did",
    () => {
      fc.assert(
        fc.property(lineArb, (line) => {
          // A line of its own, in a body where nothing else can hide it.
          expect(parseCommand(line)).toEqual(byRegex(line));
        }),
        runs(3000),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it("reads long and many-line bodies", () => {
    const n = 200_000;
    expect(parseCommand(`${"`x`\n".repeat(n)}/uv-update\n`)).toEqual({
      command: "run",
      unknown: null,
    });
    expect(parseCommand("`` `\n".repeat(n))).toBeNull();
    expect(parseCommand(`x${"`".repeat(n)}\n/uv-update check`)).toEqual({
      command: "check",
      unknown: null,
    });
    expect(parseCommand(`/uv-update x${" ".repeat(n)}y${"\t".repeat(n)}`)).toEqual({
      command: "help",
      unknown: `x${" ".repeat(n)}y`,
    });
    expect(parseCommand(`${"> a\n".repeat(n)}\n/uv-update rebase`)).toEqual({
      command: "rebase",
      unknown: null,
    });
  });
});
