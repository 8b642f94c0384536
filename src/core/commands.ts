/**
 * Pins inside command text (Dockerfile RUN/ADD, shell scripts, workflow `run:` blocks, Makefile
 * recipes): installer URLs, release archives with their checksums, `pip install uv==X`.
 */
import { inside } from "./comments.js";
import { expand, type Lookup } from "./expand.js";
import { INSTALLER_URL_START, isArchive, isVersion, readToken, withoutDrops } from "./matchers.js";
import { attachChecksum, type FileContext, installerPin, versionPin } from "./pins.js";
import { pipInstallMatches } from "./pip-match.js";
import type { Pin, Span } from "./types.js";

export interface Region {
  start: number;
  end: number;
  lookup: Lookup;
  /** Ranges to ignore: comments, dropped continuation lines. */
  hidden: readonly Span[];
  escapeChar?: string;
  drop?: readonly Span[];
}

/** Installer URLs written in a region, with the line of each URL. */
export function installerPins(ctx: FileContext, region: Region): Pin[] {
  const pins: Pin[] = [];
  const slice = ctx.text.slice(region.start, region.end);
  for (const m of slice.matchAll(INSTALLER_URL_START)) {
    const at = region.start + (m.index ?? 0);
    if (inside(region.hidden, at)) continue;
    const end = Math.min(readToken(ctx.text, at, "", region.drop), region.end);
    const exp = expand(ctx.text, at, end, {
      lookup: region.lookup,
      escapeChar: region.escapeChar,
      drop: region.drop,
    });
    const url = withoutDrops(ctx.text, at, end, region.drop);
    const pin = installerPin(ctx, exp, url, ctx.lines.lineOf(at));
    if (pin) pins.push(pin);
  }
  return pins;
}

/** `pip install uv==X`, `pipx install uv==X` (the version may be a variable). */
export function pipPins(ctx: FileContext, region: Region): Pin[] {
  const pins: Pin[] = [];
  const slice = ctx.text.slice(region.start, region.end);
  for (const m of pipInstallMatches(slice)) {
    const at = region.start + m.end;
    if (inside(region.hidden, region.start + m.index)) continue;
    // `*` is read too, so that a wildcard (`uv==0.9.*`) is seen whole and never edited as a version.
    const end = Math.min(readToken(ctx.text, at, "*", region.drop), region.end);
    if (end === at) continue;
    const exp = expand(ctx.text, at, end, {
      lookup: region.lookup,
      escapeChar: region.escapeChar,
      drop: region.drop,
    });
    const pin = versionPin(ctx, exp, ctx.lines.lineOf(at));
    if (pin.version !== null && !isVersion(pin.version)) {
      pin.skipReason = `version: \`${pin.version}\` is not a uv version`;
      pin.version = null;
      pin.spans.version = null;
      pin.versionLine = null;
    }
    pins.push(pin);
  }
  return pins;
}

const HEX64 = /(?<![A-Za-z0-9])(?:sha256:)?[a-f0-9]{64}(?![A-Za-z0-9])/gi;
const VAR_REF = /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g;
const CHECKS = /\b(?:sha256sum|shasum\s+(?:-a\s*256|--algorithm\s+256))\b/;

/**
 * Pairs a release archive with the checksum that a `sha256sum -c` / `shasum -a 256 -c` in the same
 * region checks it against: only when the region holds exactly one archive URL and exactly one
 * sha256 value (written there or held by a variable), so that the pairing is never a guess.
 */
export function pairArchiveChecksum(ctx: FileContext, region: Region, pins: Pin[]): void {
  const archives = pins.filter((p) => p.kind === "installer" && p.asset && isArchive(p.asset));
  const [archive] = archives;
  if (archives.length !== 1 || !archive || archive.form === "url+checksum") return;
  const slice = ctx.text.slice(region.start, region.end);
  if (!CHECKS.test(slice)) return;
  // Keyed by where the checksum text lives, so a variable and its definition count once.
  const found = new Map<number, Span>();
  for (const m of slice.matchAll(HEX64)) {
    const at = region.start + (m.index ?? 0);
    if (!inside(region.hidden, at)) found.set(at, { start: at, end: at + m[0].length });
  }
  for (const m of slice.matchAll(VAR_REF)) {
    const at = region.start + (m.index ?? 0);
    if (inside(region.hidden, at)) continue;
    const def = region.lookup(m[1] as string, at);
    if (!def) continue;
    const value = ctx.text.slice(def.start, def.end);
    if (/^(?:sha256:)?[a-f0-9]{64}$/i.test(value))
      found.set(def.start, { start: at, end: at + m[0].length });
  }
  if (found.size !== 1) return;
  const [where] = [...found.values()] as [Span];
  const exp = expand(ctx.text, where.start, where.end, { lookup: region.lookup });
  attachChecksum(ctx, archive, exp, 0, exp.value.length);
}

/** Every command-text pin in a region. */
export function commandPins(ctx: FileContext, region: Region): Pin[] {
  const pins = installerPins(ctx, region);
  pairArchiveChecksum(ctx, region, pins);
  return [...pins, ...pipPins(ctx, region)];
}
