/**
 * Text that a script only prints: the arguments of `echo`, `printf`, `Write-Host` (and PowerShell's
 * `Write-Output`/`Write-Information`) whose output goes to the terminal. An install hint such as
 * `echo "Install: curl -LsSf https://astral.sh/uv/install.sh | sh"` is not a pin. Output that is
 * piped (`echo "$sum  uv.tar.gz" | sha256sum -c -`), redirected to a file, or that runs a command
 * (`$(…)`, backticks) is data, not printing, and stays visible. One pass over the text.
 */
import type { Span } from "./types.js";

const PRINT = /(?:^|[\s;&|(){@])(echo|printf|write-host|write-output|write-information)(?=[ \t])/gi;

/** Spans of printed-only command text in `text[start, end)`. */
export function printedSpans(text: string, start: number, end: number, powershell = false): Span[] {
  const out: Span[] = [];
  const slice = start === 0 && end === text.length ? text : text.slice(start, end);
  // One regex for every call (nothing here calls back in): its search starts at the slice's start.
  const re = PRINT;
  re.lastIndex = 0;
  const esc = powershell ? "`" : "\\";
  for (let m = re.exec(slice); m !== null; m = re.exec(slice)) {
    const word = m[1] as string;
    const from = start + m.index + m[0].length - word.length;
    const stop = commandEnd(text, from + word.length, end, esc, powershell);
    if (stop.printed) out.push({ start: from, end: stop.at });
    // Whatever happened, the rest of this command holds no further command to look at.
    re.lastIndex = Math.max(re.lastIndex, stop.at - start);
  }
  return out;
}

/** Where the command that starts before `i` ends, and whether its output is only printed. */
function commandEnd(
  text: string,
  i: number,
  end: number,
  esc: string,
  powershell: boolean,
): { at: number; printed: boolean } {
  let quote: string | null = null;
  let j = i;
  while (j < end) {
    const c = text[j] as string;
    if (c === esc && quote !== "'") {
      j = afterEscape(text, j + 1, end);
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "$" && text[j + 1] === "(" && quote === '"') return { at: j, printed: false };
      else if (c === "\n" || c === "\r") return { at: j, printed: true };
      j++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "\n" || c === "\r" || c === ";") return { at: j, printed: true };
    else if (c === "&" && text[j + 1] === "&") return { at: j, printed: true };
    else if (c === "|") return { at: j, printed: text[j + 1] === "|" };
    else if (c === "&") return { at: j, printed: !powershell };
    else if (c === "$" && text[j + 1] === "(") return { at: j, printed: false };
    else if (c === "`" && !powershell) return { at: j, printed: false };
    else if (c === ">") {
      // `>&2`, `1>&2`: still printing; `> file`: data written somewhere.
      if (text[j + 1] !== "&") return { at: j, printed: false };
      j += 2;
      continue;
    }
    j++;
  }
  return { at: end, printed: true };
}

/**
 * The offset after an esc at `i - 1`: past an escaped line break (blanks may come before it,
 * and the comment or blank lines after it are dropped, as a Dockerfile reads them), else past the
 * escaped character.
 */
function afterEscape(text: string, i: number, end: number): number {
  let k = blanks(text, i, end);
  if (text[k] !== "\r" && text[k] !== "\n") return i + 1;
  for (;;) {
    k = lineBreak(text, k);
    const next = blanks(text, k, end);
    if (text[next] === "#") {
      let e = next;
      while (e < end && text[e] !== "\n" && text[e] !== "\r") e++;
      k = e;
    } else if (text[next] === "\n" || text[next] === "\r") {
      k = next;
    } else {
      return k;
    }
    if (k >= end) return k;
  }
}

function blanks(text: string, i: number, end: number): number {
  let k = i;
  while (k < end && (text[k] === " " || text[k] === "\t")) k++;
  return k;
}

function lineBreak(text: string, k: number): number {
  if (text[k] === "\r") return text[k + 1] === "\n" ? k + 2 : k + 1;
  return text[k] === "\n" ? k + 1 : k;
}
