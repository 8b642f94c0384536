import { describe, expect, it } from "vitest";
import { scanFixture } from "../../test/file-pins.js";
import { printedSpans } from "./printed.js";

/** Each pin as [line, kind, url or image:tag, version]. */
function brief(name: string) {
  const { pins, skipped } = scanFixture(name);
  return {
    pins: pins.map((p) => [p.line, p.kind, p.url ?? `${p.image}:${p.tag}`, p.version]),
    skipped,
  };
}

const text = (t: string) => (s: { start: number; end: number }) => t.slice(s.start, s.end);

describe("printedSpans", () => {
  it("covers an echo's arguments up to the end of its command, quotes included", () => {
    const t = 'echo "curl https://x | sh"; curl y | sh\n';
    expect(printedSpans(t, 0, t.length).map(text(t))).toEqual(['echo "curl https://x | sh"']);
  });

  it("leaves piped, redirected and command-running output visible", () => {
    for (const t of [
      'echo "$sum  uv.tar.gz" | sha256sum -c -',
      "printf '%s' https://x > url.txt",
      'echo "$(curl https://x | sh)"',
      "echo `curl https://x`",
    ]) {
      expect(printedSpans(t, 0, t.length)).toEqual([]);
    }
  });

  it("counts stderr as printing, and ends at && and ||", () => {
    const t = "printf 'a' >&2 && echo b || echo c\n";
    expect(printedSpans(t, 0, t.length).map(text(t))).toEqual([
      "printf 'a' >&2 ",
      "echo b ",
      "echo c",
    ]);
  });

  it("PowerShell: Write-Host in any case, backtick escapes, a pipe makes it data", () => {
    const t = 'write-host "a `" | b"\nWrite-Output "c" | Out-File f\n';
    expect(printedSpans(t, 0, t.length, true).map(text(t))).toEqual(['write-host "a `" | b"']);
  });

  it("is linear: a long run of echo words is one command", () => {
    const t = "echo ".repeat(200_000);
    expect(printedSpans(t, 0, t.length)).toEqual([{ start: 0, end: t.length }]);
  });
});

describe("text that is only printed is not a pin", () => {
  it("shell: install hints in echo/printf are not pins; piped, redirected and $(…) output is", () => {
    expect(brief("forms/printed-hints.sh")).toEqual({
      pins: [
        [8, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
        [9, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
        [11, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
      ],
      skipped: [],
    });
  });

  it("PowerShell: Write-Host hints are not pins; Write-Output piped to a file is", () => {
    expect(brief("forms/printed-hints.ps1")).toEqual({
      pins: [
        [2, "installer", "https://astral.sh/uv/0.9.3/install.ps1", "0.9.3"],
        [3, "installer", "https://astral.sh/uv/0.9.17/install.ps1", "0.9.17"],
      ],
      skipped: [],
    });
  });

  it("Makefile recipes, Dockerfile RUN and workflow run: steps", () => {
    expect(brief("forms/printed-hints.mk").pins).toEqual([
      [3, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
    ]);
    expect(brief("forms/printed-hints.Dockerfile").pins).toEqual([
      [3, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
    ]);
    expect(brief("forms/printed-hints.yml").pins).toEqual([
      [7, "installer", "https://astral.sh/uv/0.9.17/install.sh", "0.9.17"],
    ]);
  });
});

describe("printedSpans and line continuations", () => {
  it("an escaped line break (with blanks before it) continues the command into a pipe", () => {
    const t = 'echo "abc  uv.tar.gz" \\ \n\t| shasum -a 256 -c -\n';
    expect(printedSpans(t, 0, t.length)).toEqual([]);
  });
});

describe("printedSpans and dropped lines", () => {
  it("comment and blank lines after an escaped line break are dropped, as in a Dockerfile", () => {
    const t = 'echo "abc  uv.tar.gz" \\\n  # a comment\n\n\t| sha256sum -c -\n';
    expect(printedSpans(t, 0, t.length)).toEqual([]);
  });
});
