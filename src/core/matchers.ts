/** What counts as uv: image repositories, tags, installer URLs. Pure string work. */
import { endingAfter, nextStart, spanStartingAt } from "./span-index.js";
import type { Span } from "./types.js";

export const DEFAULT_IMAGES: readonly string[] = [
  "ghcr.io/astral-sh/uv",
  "docker.io/astral/uv",
  "astral/uv",
];

/** A uv version as it appears in tags and URLs: `X.Y`, `X.Y.Z`, optionally a pre-release. */
export const VERSION_SOURCE = String.raw`\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc|alpha|beta|dev)\.?\d+)?`;
const VERSION = new RegExp(`^${VERSION_SOURCE}$`);
const TAG_WITH_VERSION = new RegExp(`^(v?)(${VERSION_SOURCE})(-.*)?$`);

export function isVersion(s: string): boolean {
  return VERSION.test(s);
}

/** A reference's parts, as offsets into the string that was parsed. */
export interface RefParts {
  name: string;
  nameStart: number;
  tag: { start: number; end: number } | null;
  digest: { start: number; end: number } | null;
}

/** Splits `name[:tag][@digest]`. Returns null for text that is not shaped like a reference. */
export function parseImageRef(ref: string): RefParts | null {
  if (ref.length === 0 || /\s/.test(ref)) return null;
  const at = ref.indexOf("@");
  const beforeDigest = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? { start: at + 1, end: ref.length } : null;
  const slash = beforeDigest.lastIndexOf("/");
  const colon = beforeDigest.indexOf(":", slash + 1);
  const name = colon >= 0 ? beforeDigest.slice(0, colon) : beforeDigest;
  const tag = colon >= 0 ? { start: colon + 1, end: beforeDigest.length } : null;
  if (name.length === 0) return null;
  return { name, nameStart: 0, tag, digest };
}

/** Whether an image repository is one of the uv images (registry host compared case-insensitively). */
export function isUvImage(name: string, images: readonly string[]): boolean {
  return imageNames(images).names.has(normalizeName(name));
}

/**
 * Whether an image name that starts with `prefix` (or that `prefix` starts with) can be one of
 * the uv images: a name that is one agrees with it in all but case.
 */
export function mayNameUvImage(prefix: string, images: readonly string[]): boolean {
  const lower = prefix.toLowerCase();
  for (const image of imageNames(images).lower) {
    if (lower.startsWith(image) || image.startsWith(lower)) return true;
  }
  return false;
}

interface ImageNames {
  /** The list's items when they were read (a list changed since is read again). */
  list: readonly string[];
  names: Set<string>;
  lower: string[];
}

/** The uv images' names, normalized and lower-cased, by list (the list a scan is given is read once). */
const IMAGE_NAMES = new WeakMap<readonly string[], ImageNames>();

function imageNames(images: readonly string[]): ImageNames {
  let known = IMAGE_NAMES.get(images);
  if (known === undefined || !sameList(known.list, images)) {
    known = {
      list: [...images],
      names: new Set(images.map(normalizeName)),
      lower: images.map((i) => i.toLowerCase()),
    };
    IMAGE_NAMES.set(images, known);
  }
  return known;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Whether two image repository names are the same (registry host compared case-insensitively). */
export function sameImage(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

function normalizeName(name: string): string {
  const slash = name.indexOf("/");
  if (slash < 0) return name;
  const host = name.slice(0, slash);
  return host.includes(".") || host.includes(":") || host === "localhost"
    ? `${host.toLowerCase()}${name.slice(slash)}`
    : name;
}

export interface TagParts {
  /** Offsets of the version inside the tag, or null. */
  version: { start: number; end: number } | null;
  suffix: string | null;
}

/** Reads the version and the variant suffix of a tag. `python3.12-bookworm-slim` has no version. */
export function parseTag(tag: string): TagParts {
  const m = TAG_WITH_VERSION.exec(tag);
  if (m) {
    const prefix = m[1] ?? "";
    const version = m[2] ?? "";
    return {
      version: { start: prefix.length, end: prefix.length + version.length },
      suffix: m[3] ?? null,
    };
  }
  if (tag === "latest") return { version: null, suffix: null };
  return { version: null, suffix: tag };
}

export const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

const ASSET = String.raw`(uv-installer\.sh|uv-installer\.ps1|uv-[A-Za-z0-9_.\u0000-]+?\.(?:tar\.gz|zip)(?:\.sha256)?|sha256\.sum|dist-manifest\.json|source\.tar\.gz(?:\.sha256)?)`;
// No `d` flag (indices cost a match several times over): the version is the URL's last directory.
const INSTALLER_PATTERNS: readonly RegExp[] = [
  /^https?:\/\/astral\.sh\/uv\/(?:(?<v>[^/]+)\/)?(?<asset>install\.sh|install\.ps1)$/,
  new RegExp(
    String.raw`^https?://github\.com/astral-sh/uv/releases/download/v?(?<v>[^/]+)/(?<asset>${ASSET})$`,
  ),
  new RegExp(
    String.raw`^https?://github\.com/astral-sh/uv/releases/latest/download/(?<asset>${ASSET})$`,
  ),
  // Astral's mirror of the release downloads, and its installers (the newest under `latest/`).
  new RegExp(
    String.raw`^https?://releases\.astral\.sh/github/uv/releases/download/v?(?<v>[^/]+)/(?<asset>${ASSET})$`,
  ),
  new RegExp(
    String.raw`^https?://releases\.astral\.sh/github/uv/releases/latest/download/(?<asset>${ASSET})$`,
  ),
  /^https?:\/\/releases\.astral\.sh\/installers\/uv\/latest\/(?<asset>uv-installer\.(?:sh|ps1))$/,
  /^https?:\/\/releases\.astral\.sh\/installers\/uv\/v?(?<v>[^/]+)\/(?<asset>uv-installer\.(?:sh|ps1))$/,
];

/** INSTALLER_PATTERNS by host, in their order. */
const ASTRAL_SH = INSTALLER_PATTERNS.slice(0, 1);
const GITHUB = INSTALLER_PATTERNS.slice(1, 3);
const RELEASES = INSTALLER_PATTERNS.slice(3);

/** Where an installer URL's parts are, as offsets into the URL. */
export interface InstallerParts {
  version: { start: number; end: number } | null;
  /** The version text as it appears (may hold unresolved placeholders). */
  versionText: string | null;
  asset: string;
}

/** Parses a uv installer or release-download URL. */
export function parseInstallerUrl(url: string): InstallerParts | null {
  // Only the patterns of the URL's host can match (each starts with `https?://` and its host).
  const host = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (host < 0) return null;
  const patterns = url.startsWith("astral.sh/", host)
    ? ASTRAL_SH
    : url.startsWith("github.com/", host)
      ? GITHUB
      : url.startsWith("releases.astral.sh/", host)
        ? RELEASES
        : null;
  if (patterns === null) return null;
  for (const pattern of patterns) {
    const m = pattern.exec(url);
    if (!m?.groups) continue;
    const asset = m.groups.asset ?? "";
    const v = m.groups.v;
    if (v === undefined) return { version: null, versionText: null, asset };
    // `v` is `[^/]+` followed by `/` and the asset, which holds no `/`: it ends at the last `/`.
    const end = url.lastIndexOf("/");
    return { version: { start: end - v.length, end }, versionText: v, asset };
  }
  return null;
}

/** Whether an installer asset is a release archive (which a checksum can be paired with). */
export function isArchive(asset: string): boolean {
  return /\.(tar\.gz|zip)$/.test(asset) && asset !== "source.tar.gz";
}

/**
 * The start of a uv installer URL in free text. The URL continues with URL characters and
 * variable references.
 */
export const INSTALLER_URL_START =
  /https?:\/\/(?:astral\.sh\/uv\/|github\.com\/astral-sh\/uv\/releases\/|releases\.astral\.sh\/(?:github\/uv\/releases\/|installers\/uv\/))/g;

/** `[A-Za-z0-9_.:/@%?=&+~-]` by character code (a table: read once per character of a token). */
const TOKEN_CHARS = (() => {
  const table = new Uint8Array(128);
  for (const c of "_.:/@%?=&+~-") table[c.charCodeAt(0)] = 1;
  for (let c = 48; c <= 57; c++) table[c] = 1;
  for (let c = 65; c <= 90; c++) table[c] = 1;
  for (let c = 97; c <= 122; c++) table[c] = 1;
  return table;
})();

/** Whether `c` (one character) is a reference/URL character. */
export function isTokenChar(c: string | undefined): boolean {
  if (c === undefined || c.length !== 1) return false;
  const code = c.charCodeAt(0);
  return code < 128 && TOKEN_CHARS[code] === 1;
}

/**
 * The most characters that a `${…}`, `${{ … }}` or `$(…)` reference inside a token may hold. Real
 * ones are a name and a short default; the bound keeps each token's read short where a file opens
 * many references and never closes them (each search would otherwise run to the end of the text).
 */
export const MAX_REFERENCE = 1024;

/** `text.indexOf(needle, from)`, looking no further than `from + MAX_REFERENCE`. */
function indexWithin(text: string, needle: string, from: number): number {
  const at = text.slice(from, from + MAX_REFERENCE + needle.length).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/** `$(NAME)`, `$($NAME)`, `$($env:NAME)` at `at` (the `(`): the offset after the `)`, or -1. */
const PAREN_REFERENCE = /\((?:\$(?:env:)?)?[A-Za-z_][A-Za-z0-9_.]{0,1024}\)/iy;

/**
 * Reads a token made of reference/URL characters and variable references, starting at `i`. A
 * token goes on across `drop` ranges (Dockerfile line continuations) that start inside it, and
 * is read no further than `limit`.
 */
export function readToken(
  text: string,
  i: number,
  extra = "",
  drop: readonly Span[] = [],
  limit = text.length,
): number {
  const stop = Math.min(text.length, limit);
  let j = i;
  // The next drop start after `i` (a drop is looked for at every character after the first).
  let nextDrop = drop.length === 0 ? Number.POSITIVE_INFINITY : nextStart(drop, i + 1);
  while (j < stop) {
    if (j > i) {
      if (nextDrop < j) nextDrop = nextStart(drop, j);
      if (nextDrop === j) {
        const dropped = spanStartingAt(drop, j) as Span;
        const next = text[dropped.end];
        if (next === undefined || !(isTokenChar(next) || next === "$" || extra.includes(next)))
          break;
        j = dropped.end;
        continue;
      }
    }
    const code = text.charCodeAt(j);
    // A reference/URL character (never `$`).
    if (code < 128 && TOKEN_CHARS[code] === 1) {
      j++;
      continue;
    }
    const c = text[j] as string;
    if (c === "$" && text[j + 1] === "$" && /[{A-Za-z_]/.test(text[j + 2] ?? "")) {
      // Make's `$$` is a literal `$` handed to the shell: `$${NAME}` reads NAME.
      j++;
      continue;
    }
    if (c === "$") {
      const next = text[j + 1];
      if (next === "{") {
        const close = indexWithin(text, text[j + 2] === "{" ? "}}" : "}", j + 2);
        if (close < 0 || text.slice(j, close).includes("\n")) break;
        j = close + (text[j + 2] === "{" ? 2 : 1);
        continue;
      }
      if (next === "(") {
        // The text up to the first `)` is a name (the name cannot hold a `)`).
        PAREN_REFERENCE.lastIndex = j + 1;
        if (!PAREN_REFERENCE.test(text)) break;
        j = PAREN_REFERENCE.lastIndex;
        continue;
      }
      if (next !== undefined && /[A-Za-z_]/.test(next)) {
        j++;
        if (/^env:/i.test(text.slice(j, j + 4))) j += 4;
        while (j < text.length && /[A-Za-z0-9_]/.test(text[j] as string)) j++;
        continue;
      }
      break;
    }
    if (extra.includes(c)) {
      j++;
      continue;
    }
    break;
  }
  return j;
}

/** `text[start, end)` without the `drop` ranges inside it. */
export function withoutDrops(
  text: string,
  start: number,
  end: number,
  drop: readonly Span[] = [],
): string {
  if (drop.length === 0) return text.slice(start, Math.max(start, end));
  let out = "";
  let i = start;
  const { spans, from } = endingAfter(drop, start);
  for (let k = from; k < spans.length; k++) {
    const d = spans[k] as Span;
    if (d.start >= end) break;
    if (d.end <= i) continue;
    out += text.slice(i, Math.max(i, d.start));
    i = Math.max(i, d.end);
  }
  return out + text.slice(i, Math.max(i, end));
}
