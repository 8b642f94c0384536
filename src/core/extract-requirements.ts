/**
 * uv as a Python requirement and as a command: `uv==X.Y.Z` in requirement lists
 * (`requirements*.txt`, `pyproject.toml` dependency arrays and groups), `uvx --from uv==X.Y.Z`,
 * `uv self update X.Y.Z`; and the forms that are reported but never edited: `pip install uv`
 * without a version (the newest release), a requirement range (`uv>=0.7,<0.8`, read like
 * `required-version`), and a distribution package (`apk add uv=X.Y.Z-rN`), whose version is the
 * distribution's to move. Every scanner here reads each character a bounded number of times.
 */
import { inside } from "./comments.js";
import { expand, type Lookup } from "./expand.js";
import { isVersion, readToken } from "./matchers.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin, Span } from "./types.js";

interface Region {
  start: number;
  end: number;
  lookup: Lookup;
  hidden: readonly Span[];
  escapeChar?: string;
  drop?: readonly Span[];
}

export const UNPINNED_PIP = "unpinned: installs the newest uv release; nothing to move";
export const SELF_UPDATE_NEWEST = "unpinned: `uv self update` installs the newest release";
export const DISTRO_PACKAGE =
  "unpinned by uv-pin-bot: a distribution package, whose version the distribution moves";

/** A version pin read from `text[start, end)`; a text that is not a uv version is refused. */
function readVersion(ctx: FileContext, region: Region, start: number, end: number): Pin {
  const exp = expand(ctx.text, start, end, {
    lookup: region.lookup,
    escapeChar: region.escapeChar,
    drop: region.drop,
  });
  const pin = versionPin(ctx, exp, ctx.lines.lineOf(start));
  if (pin.version !== null && !isVersion(pin.version)) {
    pin.skipReason = `version: \`${pin.version}\` is not a uv version`;
    pin.version = null;
    pin.spans.version = null;
    pin.versionLine = null;
  }
  return pin;
}

/** A pin that is reported and never edited. */
function unpinned(ctx: FileContext, at: number, why: string, version: string | null = null): Pin {
  const exp = expand(ctx.text, at, at, { lookup: () => undefined });
  const pin = versionPin(ctx, exp, ctx.lines.lineOf(at));
  pin.skipReason = null;
  pin.version = version;
  pin.unpinned = why;
  return pin;
}

const SELF_UPDATE = /\buv[ \t]+self[ \t]+update\b/g;
const UVX_FROM = /(?<![\w.-])uvx[ \t]+--from(?:[ \t]+|=)["']?uv==/g;
const APK_ADD = /\bapk[ \t]+add\b/g;
const PIP_WORD = /\b(?:pip3?|pipx|uv[ \t]+pip|uv[ \t]+tool)[ \t]+install\b/g;

/**
 * Calls `visit` with the offset of each match of `re` in `text[start, end)`; `visit` returns where
 * the search resumes (never before the match's end), so no text is read twice.
 */
function eachMatch(
  re: RegExp,
  text: string,
  start: number,
  end: number,
  visit: (at: number, length: number) => number,
): void {
  const slice = text.slice(start, end);
  const g = new RegExp(re.source, re.flags);
  for (let m = g.exec(slice); m !== null; m = g.exec(slice)) {
    const at = start + m.index;
    const resume = visit(at, m[0].length);
    g.lastIndex = Math.max(m.index + Math.max(m[0].length, 1), resume - start);
  }
}

/** A word that each of `uvCommandPins`' forms holds: the `has(…)` tests below, in one. */
const UV_COMMAND_WORDS = /self|uvx|apk|install/;

/** Command forms in a region of command text (see the file's comment). */
export function uvCommandPins(ctx: FileContext, region: Region): Pin[] {
  const { text } = ctx;
  const pins: Pin[] = [];
  const visible = (at: number) => !inside(region.hidden, at);
  // Each form's literal word, looked for first (most regions hold none of them; a form added
  // below adds its word to UV_COMMAND_WORDS).
  const slice = text.slice(region.start, region.end);
  if (!UV_COMMAND_WORDS.test(slice)) return pins;
  const has = (word: string) => slice.includes(word);

  if (has("self"))
    eachMatch(SELF_UPDATE, text, region.start, region.end, (at, length) => {
      if (!visible(at)) return at + length;
      // Flags may come first (`uv self update --quiet 0.9.17`); no version means the newest.
      const word = firstWord(text, at + length, region.end);
      if (word) pins.push(readVersion(ctx, region, word.start, word.end));
      else pins.push(unpinned(ctx, at, SELF_UPDATE_NEWEST));
      return word ? word.end : at + length;
    });
  if (has("uvx"))
    eachMatch(UVX_FROM, text, region.start, region.end, (at, length) => {
      const from = at + length;
      if (!visible(at)) return from;
      const end = Math.min(readToken(text, from, "*", region.drop), region.end);
      if (end > from) pins.push(readVersion(ctx, region, from, end));
      return end;
    });
  if (has("apk"))
    eachMatch(APK_ADD, text, region.start, region.end, (at, length) => {
      if (!visible(at)) return at + length;
      const stop = commandStop(text, at + length, region.end);
      for (const w of words(text, at + length, stop)) {
        const v = /^uv(?:[=~<>]+(\S*))?$/.exec(text.slice(w.start, w.end));
        if (v) pins.push(unpinned(ctx, w.start, DISTRO_PACKAGE, v[1] ?? null));
      }
      return stop;
    });
  if (has("install"))
    eachMatch(PIP_WORD, text, region.start, region.end, (at, length) => {
      if (!visible(at)) return at + length;
      const stop = commandStop(text, at + length, region.end);
      for (const w of words(text, at + length, stop)) {
        const token = text.slice(w.start, w.end).replace(/^["']|["']$/g, "");
        if (token.toLowerCase() === "uv") pins.push(unpinned(ctx, w.start, UNPINNED_PIP));
      }
      return stop;
    });
  return pins;
}

/** Where a shell command that continues at `i` stops: a newline no `\` continues, `|;&#`. */
function commandStop(text: string, i: number, end: number): number {
  for (let k = i; k < end; k++) {
    const c = text[k];
    if (c === "|" || c === ";" || c === "&" || c === "#") return k;
    if (c === "\n" && text[k - 1] !== "\\" && !(text[k - 1] === "\r" && text[k - 2] === "\\"))
      return k;
  }
  return end;
}

/** The blank-separated words of `text[i, stop)`, line continuations skipped. */
function words(text: string, i: number, stop: number): Span[] {
  const out: Span[] = [];
  let k = i;
  while (k < stop) {
    while (k < stop && /[\s\\]/.test(text[k] as string)) k++;
    const s = k;
    while (k < stop && !/[\s\\]/.test(text[k] as string)) k++;
    if (k > s) out.push({ start: s, end: k });
  }
  return out;
}

/**
 * The first word of the command that is not a flag, read no further than that word (null when the
 * command ends first).
 */
function firstWord(text: string, i: number, end: number): Span | null {
  let k = i;
  while (k < end) {
    while (k < end && /[ \t\\]/.test(text[k] as string)) k++;
    if (k >= end || /[\r\n|;&#]/.test(text[k] as string)) return null;
    const s = k;
    while (k < end && !/[\s\\|;&#]/.test(text[k] as string)) k++;
    if (text[s] !== "-") return { start: s, end: k };
  }
  return null;
}

/** `uv==X`, or a range (`uv>=0.7,<0.8`), or `uv` alone, in one requirement's text. */
const REQUIREMENT =
  /^uv[ \t]*(?:\[[^\]\r\n]*\][ \t]*)?(?:(===?)[ \t]*([^\s;,#"'\\]+)|([<>=!~][^;#"'\\\r\n]*))?/i;

/** One requirement's text `text[start, end)` as a pin, or null when it is not uv. */
function requirementPin(ctx: FileContext, start: number, end: number): Pin | null {
  const s = ctx.text.slice(start, end);
  const m = REQUIREMENT.exec(s);
  if (!m) return null;
  const after = s[m[0].length];
  if (after !== undefined && !/[\s;#,"'\\]/.test(after)) return null; // `uv-foo`, `uvicorn`
  const none: Region = { start, end, lookup: () => undefined, hidden: [] };
  if (m[2] !== undefined) {
    const at = start + m[0].length - m[2].length;
    return readVersion(ctx, none, at, at + m[2].length);
  }
  if (m[3] !== undefined) {
    const range = m[3].trimEnd();
    const at = start + m[0].length - m[3].length;
    const exp = expand(ctx.text, at, at + range.length, { lookup: () => undefined });
    return versionPin(ctx, exp, ctx.lines.lineOf(at));
  }
  return unpinned(ctx, start, UNPINNED_PIP);
}

const HASHED =
  "the requirement file pins hashes (`--hash`), which change with the version and are not PyPI's to guess";

/** `requirements*.txt`: one requirement per logical line; `#` comments; `--hash` holds it back. */
export function extractRequirements(ctx: FileContext): Pin[] {
  const { text } = ctx;
  const pins: Pin[] = [];
  const hashed = /--hash[=\s]/.test(text);
  for (const m of text.matchAll(/^[ \t]*(?=uv\b)/gim)) {
    const start = (m.index ?? 0) + m[0].length;
    let end = start;
    while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
    const pin = requirementPin(ctx, start, end);
    if (!pin) continue;
    if (hashed && pin.spans.version) {
      pin.skipReason = `version: ${HASHED}`;
      pin.spans.version = null;
    }
    pins.push(pin);
  }
  return pins;
}

const TABLE = /^[ \t]*\[\[?([^\]\r\n]*)\]\]?[ \t]*(?:#.*)?$/;
/** Tables whose arrays hold requirements. */
const DEPENDENCY_TABLES = new Set([
  "project",
  "project.optional-dependencies",
  "dependency-groups",
  "tool.uv",
  "build-system",
]);

/** `pyproject.toml` dependency arrays and groups: quoted requirement strings in those tables. */
export function pyprojectRequirements(ctx: FileContext): Pin[] {
  const { text } = ctx;
  const pins: Pin[] = [];
  let table = "";
  let offset = 0;
  for (const raw of text.split(/(?<=\n)/)) {
    const lineStart = offset;
    offset += raw.length;
    const header = TABLE.exec(raw.replace(/\r?\n$/, ""));
    if (header) {
      table = (header[1] ?? "").replace(/["\s]/g, "");
      continue;
    }
    if (!DEPENDENCY_TABLES.has(table)) continue;
    for (const q of raw.matchAll(/"(uv\b[^"\r\n]*)"|'(uv\b[^'\r\n]*)'/gi)) {
      const hash = raw.indexOf("#");
      if (hash >= 0 && hash < (q.index ?? 0)) break;
      const start = lineStart + (q.index ?? 0) + 1;
      const pin = requirementPin(ctx, start, start + (q[1] ?? q[2] ?? "").length);
      if (pin) pins.push(pin);
    }
  }
  return pins;
}
