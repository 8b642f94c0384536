/** The texts every uv pin has written in its file; a file (or instruction) without them has none. */

/** Words without which no extractor finds anything (besides the image names). */
const MARKER_WORDS = [
  "astral",
  "uv=",
  "required-version",
  "uv_version",
  // `pip install uv`, `uv self update`, `apk add uv`, a requirement line or string `uv…`
  "pip",
  "self update",
  "apk",
  String.raw`(?:^|\n)[ \t]*uv\b`,
  String.raw`["']uv\b`,
];

const MARKERS = new WeakMap<readonly string[], RegExp>();

/**
 * Finds an image name (its registry host in any case), an astral.sh / astral-sh URL or action,
 * `uv=` (`uv==`, `uv===`), `required-version` or `UV_VERSION`. Not global: `test` keeps no state.
 */
export function markers(images: readonly string[]): RegExp {
  let re = MARKERS.get(images);
  if (!re) {
    const names = images.map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    re = new RegExp([...MARKER_WORDS, ...names].join("|"), "i");
    MARKERS.set(images, re);
  }
  return re;
}
