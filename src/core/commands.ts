/**
 * Pins inside command text (Dockerfile RUN/ADD, shell scripts, workflow `run:` blocks, Makefile
 * recipes): installer URLs, release archives with their checksums, `pip install uv==X`.
 */
import { inside } from "./comments.js";
import { expand, type Lookup } from "./expand.js";
import { assembledUrlPins } from "./extract-assembled.js";
import { type LocatedPin, tieChecksums } from "./extract-checksums.js";
import { buildArgPins } from "./extract-overrides.js";
import { uvCommandPins } from "./extract-requirements.js";
import { INSTALLER_URL_START, isVersion, readToken, withoutDrops } from "./matchers.js";
import { type FileContext, installerPin, versionPin } from "./pins.js";
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
  /** PowerShell text: variable names ignore case, no `case`/`if … fi`. */
  powershell?: boolean;
  /** Whether to tie checksums to the downloads (false for a Dockerfile ADD, which has its flag). */
  checksums?: boolean;
  /**
   * Tie later: the located downloads are added here instead (a Dockerfile ties a stage's RUNs
   * together, since a download in one RUN may be checked in the next).
   */
  deferTo?: LocatedPin[];
}

/** Installer URLs written in a region, with the line of each URL. */
export function installerPins(ctx: FileContext, region: Region): Pin[] {
  return locatedInstallerPins(ctx, region).map((l) => l.pin);
}

/** Installer URLs written in a region, with where each URL's text is. */
export function locatedInstallerPins(ctx: FileContext, region: Region): LocatedPin[] {
  return installerPinsIn(ctx, region, ctx.text.slice(region.start, region.end));
}

/** `locatedInstallerPins`, with the region's text (`slice`) read by the caller. */
function installerPinsIn(ctx: FileContext, region: Region, slice: string): LocatedPin[] {
  const pins: LocatedPin[] = [];
  // Every installer URL holds `astral` (astral.sh, astral-sh).
  if (!slice.includes("astral")) return pins;
  // A URL start inside the URL read before it is part of that URL (see `imagePinsInText`).
  let readUpTo = 0;
  // One regex for every call (nothing in the loop calls back in): each search starts at 0.
  const re = URL_START;
  re.lastIndex = 0;
  for (let m = re.exec(slice); m !== null; m = re.exec(slice)) {
    const at = region.start + m.index;
    if (at < readUpTo || inside(region.hidden, at)) continue;
    const end = Math.min(readToken(ctx.text, at, "", region.drop), region.end);
    readUpTo = end;
    const exp = expand(ctx.text, at, end, {
      lookup: region.lookup,
      escapeChar: region.escapeChar,
      drop: region.drop,
    });
    const url = withoutDrops(ctx.text, at, end, region.drop);
    const pin = installerPin(ctx, exp, url, ctx.lines.lineOf(at));
    if (pin) pins.push({ pin, start: at, end });
  }
  return pins;
}

const URL_START = new RegExp(INSTALLER_URL_START.source, "g");

/** `pip install uv==X`, `pipx install uv==X` (the version may be a variable). */
export function pipPins(ctx: FileContext, region: Region): Pin[] {
  return pipPinsIn(ctx, region, ctx.text.slice(region.start, region.end));
}

/** `pipPins`, with the region's text (`slice`) read by the caller. */
function pipPinsIn(ctx: FileContext, region: Region, slice: string): Pin[] {
  const pins: Pin[] = [];
  // Every match ends in `uv==`.
  if (!slice.includes("uv==")) return pins;
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

/**
 * Every command-text pin in a region. Each scanner is asked only when the region holds the
 * text that every one of its matches holds (each scanner tests the same itself).
 */
export function commandPins(ctx: FileContext, region: Region): Pin[] {
  const slice = ctx.text.slice(region.start, region.end);
  const found = installerPinsIn(ctx, region, slice);
  // An assembled URL starts with a variable reference.
  if (slice.includes("$")) {
    const assembled = assembledUrlPins(ctx, region);
    if (assembled.length > 0) {
      for (const a of assembled) found.push(a);
      found.sort((a, b) => a.start - b.start);
    }
  }
  if (region.deferTo) for (const l of found) region.deferTo.push(l);
  const located =
    region.checksums === false || region.deferTo ? found : tieChecksums(ctx, region, found);
  const pins: Pin[] = [];
  for (const l of located) pins.push(l.pin);
  if (slice.includes("uv==")) for (const p of pipPinsIn(ctx, region, slice)) pins.push(p);
  if (slice.includes("--build-arg")) for (const p of buildArgPins(ctx, region)) pins.push(p);
  for (const p of uvCommandPins(ctx, region)) pins.push(p);
  return pins;
}
