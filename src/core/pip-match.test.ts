import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import { pipInstallMatches } from "./pip-match.js";

/** The regex that `pipInstallMatches` replaces (cubic on `pip install pip install …`). */
const PIP_UV =
  /\b(?:pip3?|pipx|uv\s+pip|uv\s+tool)\b(?:[^\n|;&#]|\\\r?\n)*?\binstall\b(?:[^\n|;&#]|\\\r?\n)*?(?<![\w.-])["']?uv==/g;

const byRegex = (text: string) =>
  [...text.matchAll(PIP_UV)].map((m) => ({ index: m.index, end: m.index + m[0].length }));

/** Text made of the pieces the regex cares about, so that matches and near misses are common. */
const pieceText = fc
  .array(
    fc.constantFrom(
      "pip",
      "pip3",
      "pipx",
      "uv",
      "uv ",
      " ",
      "\t",
      "\n",
      "\r\n",
      "\\\n",
      "\\\r\n",
      "\\",
      "\r",
      "install",
      "installs",
      "reinstall",
      " install ",
      "uv==",
      "0.9.1",
      "'",
      '"',
      "-",
      ".",
      "_",
      "x",
      "|",
      ";",
      "&",
      "#",
      "tool",
      " pip ",
      "pipinstall",
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

describe("pipInstallMatches", () => {
  it("finds what the regex finds", () => {
    for (const text of [
      "pip install uv==0.9.1",
      "RUN pip install --no-cache-dir 'uv==0.9.1' && uv sync",
      "uv pip install -U uv==0.9.1",
      "uv\n  tool install uv==0.9.1",
      "pipx install \\\n  uv==0.9.1",
      "pip install foo; pip install uv==1",
      "pip install pip-uv==1 uv==2",
      "pip3 install xuv==1",
      "pip install x.uv==1",
      "pip install uv==1 uv==2 pip install uv==3",
      "pipinstall uv==1",
      "pip installer uv==1",
      "pip install\nuv==1",
      "pip install # uv==1",
    ]) {
      expect(pipInstallMatches(text), text).toEqual(byRegex(text));
    }
  });

  it(
    "finds what the regex finds, on generated text",
    () => {
      fc.assert(
        fc.property(pieceText, (text) => {
          expect(pipInstallMatches(text)).toEqual(byRegex(text));
        }),
        runs(2000),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
