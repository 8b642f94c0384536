/** The texts every uv pin has written in its file; a file (or instruction) without them has none. */

const MARKERS = new WeakMap<readonly string[], RegExp>();

/**
 * Finds an image name (its registry host in any case), an astral.sh / astral-sh URL or action,
 * `uv==` or `required-version`. Not global: `test` keeps no state.
 */
export function markers(images: readonly string[]): RegExp {
  let re = MARKERS.get(images);
  if (!re) {
    const names = images.map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    re = new RegExp(["astral", "uv==", "required-version", ...names].join("|"), "i");
    MARKERS.set(images, re);
  }
  return re;
}
