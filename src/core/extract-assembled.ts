/**
 * Installer URLs assembled from variables at the place they are used:
 * `base=https://github.com/astral-sh/uv/releases/download/${UV_VERSION}` and then
 * `curl -LO "${base}/${asset}"`. The text at the use starts with a variable reference, so the
 * literal-URL scan does not see it, and the definition alone is not a whole URL. A token that
 * starts with a reference and expands to a uv installer URL is a pin, unless the URL is already a
 * pin where it is written (`URL=https://astral.sh/uv/0.9.17/install.sh` and then `curl "$URL"`).
 */
import { inside } from "./comments.js";
import { type Expansion, expand, type Lookup } from "./expand.js";
import type { LocatedPin } from "./extract-checksums.js";
import {
  INSTALLER_URL_START,
  isTokenChar,
  parseInstallerUrl,
  readToken,
  withoutDrops,
} from "./matchers.js";
import { type FileContext, installerPin } from "./pins.js";
import type { Span } from "./types.js";

interface Region {
  start: number;
  end: number;
  lookup: Lookup;
  hidden: readonly Span[];
  escapeChar?: string;
  drop?: readonly Span[];
}

const HAS_URL = new WeakMap<FileContext, boolean>();

function mayAssemble(ctx: FileContext): boolean {
  let found = HAS_URL.get(ctx);
  if (found === undefined) {
    found = new RegExp(INSTALLER_URL_START.source).test(ctx.text);
    HAS_URL.set(ctx, found);
  }
  return found;
}

/** Where the URL's first character is written, when it is written in the file. */
function urlSource(exp: Expansion): number | null {
  const first = exp.segments[0];
  return first && first.at === 0 && first.src !== null ? first.src : null;
}

/**
 * Pins for tokens in a region that start with a variable reference and expand to a uv installer
 * URL that is not already a pin where it is written.
 */
export function assembledUrlPins(ctx: FileContext, region: Region): LocatedPin[] {
  const { text } = ctx;
  const pins: LocatedPin[] = [];
  // The next `$` inside the region (a search of the whole text from each region would read the
  // rest of the file once per instruction).
  const region$ = text.slice(region.start, region.end);
  const next$ = (from: number) => {
    const at = region$.indexOf("$", from - region.start);
    return at < 0 ? -1 : region.start + at;
  };
  let i = next$(region.start);
  while (i >= 0 && i < region.end) {
    const before = text[i - 1];
    const tokenStart = before === undefined || !(isTokenChar(before) || before === "$");
    if (!tokenStart || inside(region.hidden, i)) {
      i = next$(i + 1);
      continue;
    }
    const end = Math.min(readToken(text, i, "", region.drop), region.end);
    if (end > i) {
      const exp = expand(text, i, end, {
        lookup: region.lookup,
        escapeChar: region.escapeChar,
        drop: region.drop,
      });
      const src = urlSource(exp);
      // The file-wide tests (a URL start written somewhere, the URLs written whole) last: they
      // read the whole file, once, and only a token that expands to a URL needs them.
      if (
        src !== null &&
        parseInstallerUrl(exp.value) &&
        mayAssemble(ctx) &&
        !writtenUrls(ctx).has(src)
      ) {
        const pin = installerPin(
          ctx,
          exp,
          withoutDrops(text, i, end, region.drop),
          ctx.lines.lineOf(i),
        );
        if (pin) pins.push({ pin, start: i, end });
      }
    }
    i = next$(Math.max(end, i + 1));
  }
  return pins;
}

const WRITTEN = new WeakMap<FileContext, Set<number>>();
const REFERENCE = /\$\{[^}\r\n]*\}|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?/g;

/**
 * Offsets of the literal URL starts in the file whose token is a whole installer URL as written
 * (with each variable reference read as an unknown part), so that the literal scan reports it.
 */
export function writtenUrls(ctx: FileContext): Set<number> {
  let out = WRITTEN.get(ctx);
  if (out) return out;
  out = new Set<number>();
  // A URL start inside the URL read before it is part of that URL (as in `installerPins`).
  let readUpTo = 0;
  for (const m of ctx.text.matchAll(INSTALLER_URL_START)) {
    const at = m.index ?? 0;
    if (at < readUpTo) continue;
    const end = readToken(ctx.text, at, "", ctx.drop);
    readUpTo = end;
    const raw = withoutDrops(ctx.text, at, end, ctx.drop);
    if (parseInstallerUrl(raw.replace(REFERENCE, "\u0000"))) out.add(at);
  }
  WRITTEN.set(ctx, out);
  return out;
}
