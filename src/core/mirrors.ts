/**
 * Registry mirrors (`images:` in the configuration): image names that count as uv, each looked up
 * on the upstream it mirrors, never on its own host. A pull-through cache keeps the upstream's
 * digests, so tags, index digests and attestations all come from the upstream; the file keeps the
 * mirror's name. Repository configuration must not be able to send the app anywhere: only the uv
 * upstreams can be named in `mirrorOf` (operators route traffic with `UV_PIN_BOT_ORIGINS`). Pure.
 */
import { DEFAULT_IMAGES, sameImage } from "./matchers.js";
import type { Pin, ScanOptions } from "./types.js";

/** A configured image: a mirror of a uv upstream, or (a bare name) an image of unknown origin. */
export interface ImageMirror {
  name: string;
  /** The uv upstream it mirrors (`ghcr.io/astral-sh/uv`, `docker.io/astral/uv`), or null. */
  mirrorOf?: string | null;
}

/** Longest image name accepted (Docker allows 255; a configuration has no use for more than this). */
export const MAX_IMAGE_NAME = 200;

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Docker's repository-name grammar (no tag, no digest): `[HOST[:PORT]/]PATH(/PATH)*`, where the
 * first part is a host when it has a `.` or a `:` or is `localhost`, and path components are
 * lower-case letters and digits joined by `.`, `_`, `__` or dashes. Linear: split, then anchored
 * checks on bounded pieces.
 */
export function isImageName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_IMAGE_NAME) return false;
  const parts = name.split("/");
  const first = parts[0] as string;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    const [host, port, ...more] = first.split(":");
    if (more.length > 0 || (port !== undefined && !/^\d{1,5}$/.test(port))) return false;
    if (!(host as string).split(".").every((l) => HOST_LABEL.test(l))) return false;
    parts.shift();
  }
  return parts.length > 0 && parts.every((p) => PATH_COMPONENT.test(p));
}

/** The uv upstreams a mirror may name (`astral/uv` is Docker Hub's `docker.io/astral/uv`). */
export const MIRROR_UPSTREAMS: readonly string[] = ["ghcr.io/astral-sh/uv", "docker.io/astral/uv"];

/** The upstream `mirrorOf` names, as the registry client reads it, or null when it is not uv's. */
export function upstreamOf(mirrorOf: string): string | null {
  if (sameImage(mirrorOf, "astral/uv")) return "docker.io/astral/uv";
  return MIRROR_UPSTREAMS.find((u) => sameImage(u, mirrorOf)) ?? null;
}

/** Why a pin on a configured image without `mirrorOf` is reported but never moved. */
export const noUpstream = (name: string) =>
  `\`${name}\` is configured in \`images\` without \`mirrorOf\`: uv-pin-bot never contacts a mirror's registry, so it cannot tell what this image should become (write \`{name: ${name}, mirrorOf: ghcr.io/astral-sh/uv}\` to look it up on the upstream it mirrors)`;

const SCAN_OPTIONS = new WeakMap<
  readonly (string | ImageMirror)[],
  Required<Omit<ScanOptions, "buildArgs">>
>();

/**
 * What the scanner needs from `images:`: every name that counts as uv, and the mirrors. One
 * object per configuration list (the scanner caches its marker pattern by the `images` array).
 */
export function scanOptionsFor(
  entries: readonly (string | ImageMirror)[],
): Required<Omit<ScanOptions, "buildArgs">> {
  let options = SCAN_OPTIONS.get(entries);
  if (!options) {
    const mirrors = entries.map((e) =>
      typeof e === "string"
        ? { name: e, mirrorOf: null }
        : { name: e.name, mirrorOf: e.mirrorOf ?? null },
    );
    options = { images: [...DEFAULT_IMAGES, ...mirrors.map((m) => m.name)], mirrors };
    SCAN_OPTIONS.set(entries, options);
  }
  return options;
}

/**
 * Marks each image pin written with a configured mirror's name: `mirrorOf` (its lookups go to
 * that upstream), or a skip reason when the configuration names no upstream.
 */
export function markMirrored(pins: readonly Pin[], mirrors: readonly ImageMirror[]): void {
  if (mirrors.length === 0) return;
  for (const pin of pins) {
    if (pin.kind !== "image" || pin.image === null) continue;
    const mirror = mirrors.find((m) => sameImage(m.name, pin.image as string));
    if (!mirror) continue;
    const upstream = mirror.mirrorOf ? upstreamOf(mirror.mirrorOf) : null;
    if (upstream) pin.mirrorOf = upstream;
    else pin.skipReason ??= noUpstream(mirror.name);
  }
}
