/**
 * uv pins in shell scripts, Makefiles, PowerShell and YAML text: image references and installer
 * URLs anywhere outside comments, with versions from the same file's variables.
 */
import { commandPins } from "./commands.js";
import { hashComments, inside } from "./comments.js";
import { expand, type Lookup } from "./expand.js";
import { readToken } from "./matchers.js";
import { type FileContext, imagePin } from "./pins.js";
import { printedSpans } from "./printed.js";
import type { Pin, Span } from "./types.js";
import { type Dialect, definitions, lookupIn } from "./variables.js";

export interface TextScan {
  pins: Pin[];
  hidden: Span[];
  lookup: Lookup;
}

/**
 * Scans text in one dialect. `given` replaces what the dialect's own rules would find: the YAML
 * extractor passes the comments and scoped variables that it read from the YAML structure.
 */
export function extractText(
  ctx: FileContext,
  dialect: Dialect,
  given?: { hidden: Span[]; lookup: Lookup },
): TextScan {
  const { text } = ctx;
  const hidden = [
    ...(given?.hidden ??
      (dialect === "make"
        ? makeComments(text)
        : hashComments(
            text,
            0,
            text.length,
            dialect === "powershell" ? { blocks: true, quoteEscape: "`" } : {},
          ))),
    ...printedSpans(text, 0, text.length, dialect === "powershell"),
  ];
  const lookup =
    given?.lookup ??
    lookupIn(definitions(text, dialect, ctx.lines, hidden), {
      ignoreCase: dialect === "powershell",
    });
  const pins = [
    ...imagePinsInText(ctx, lookup, hidden),
    ...commandPins(ctx, {
      start: 0,
      end: text.length,
      lookup,
      hidden,
      powershell: dialect === "powershell",
    }),
  ];
  return { pins, hidden, lookup };
}

/**
 * Comments in a Makefile. A recipe line (tab first) goes to the shell, so shell rules apply; on
 * any other line an unescaped `#` starts a comment wherever it is, and quotes mean nothing.
 */
function makeComments(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(/^.*$/gm)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (m[0].startsWith("\t")) {
      out.push(...hashComments(text, start + 1, end));
      continue;
    }
    const hash = /(?<!\\)#/.exec(m[0]);
    if (hash) out.push({ start: start + hash.index, end });
  }
  return out;
}

const NAME_CHAR = /[A-Za-z0-9_./-]/;

/** Image references written anywhere in the text (not in comments). */
export function imagePinsInText(ctx: FileContext, lookup: Lookup, hidden: readonly Span[]): Pin[] {
  const { text } = ctx;
  const found: { at: number; pin: Pin }[] = [];
  const seen = new Set<number>();
  for (const image of ctx.images) {
    let at = text.indexOf(image);
    // A name written inside the reference read before it is part of that reference: reading it
    // again would read the rest of that reference again (quadratic on `astral/uv:astral/uv:…`).
    let readUpTo = 0;
    while (at >= 0) {
      const before = text[at - 1];
      const after = text[at + image.length];
      const okBefore =
        before === undefined || !NAME_CHAR.test(before) || text.slice(at - 9, at) === "docker://";
      const okAfter = after === undefined || !NAME_CHAR.test(after) || after === ":";
      if (okBefore && okAfter && at >= readUpTo && !inside(hidden, at) && !seen.has(at)) {
        const end = readToken(text, at);
        readUpTo = end;
        const exp = expand(text, at, end, { lookup });
        const pin = imagePin(ctx, exp, ctx.lines.lineOf(at));
        if (pin) {
          found.push({ at, pin });
          seen.add(at);
        }
      }
      at = text.indexOf(image, at + 1);
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.pin);
}
