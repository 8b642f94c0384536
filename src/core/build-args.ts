/**
 * The Dockerfile ARGs that feed uv pins, so that a build-time override of any of them (compose
 * `build: args:`, `docker build --build-arg`, build-push-action `build-args:`) is read as a pin in
 * the files that set it: an ARG that supplies a pin's version (`UV_VERSION`, `UV_TAG` used in
 * `FROM ghcr.io/astral-sh/uv:${UV_TAG}`), or one whose default is a checksum tied to a uv download
 * (`ARG UV_SHA256_AMD64=<hex>`). A repository is scanned once, then the files that name one of
 * these ARGs are scanned again knowing them (`ScanOptions.buildArgs`); the rewriter is given the
 * same options, so it reads the same pins. Pure.
 */
import { fileKind } from "./file-kind.js";
import { Lines } from "./lines.js";
import type { Pin, PinChecksum } from "./types.js";

/** What a Dockerfile ARG feeds: a pin's version, or a checksum tied to a uv download. */
export type BuildArgUse =
  | { role: "version"; dockerfile: string; line: number }
  | { role: "checksum"; dockerfile: string; line: number; installer: Pin; checksum: PinChecksum };

/** By ARG name. */
export type BuildArgUses = ReadonlyMap<string, readonly BuildArgUse[]>;

const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * The ARG whose default value is exactly a checksum's text (`ARG UV_SHA256_AMD64=<hex>`, quotes
 * allowed), or null (a checksum written in a RUN, an ENV, a checksum file).
 */
export function checksumArg(text: string, lines: Lines, c: PinChecksum): string | null {
  const lineStart = lines.starts[c.line - 1] ?? 0;
  let at = c.span.start - 1;
  if (text[at] === '"' || text[at] === "'") at--;
  if (text[at] !== "=") return null;
  const end = at;
  while (at > lineStart && NAME_CHAR.test(text[at - 1] as string)) at--;
  const name = text.slice(at, end);
  if (!/^[A-Za-z_]/.test(name)) return null;
  const before = text.slice(lineStart, at);
  // Only `ARG` and the name before it (one declaration per line: `ARG A=1 B=2` is not read).
  return /^[ \t]*ARG[ \t]+$/i.test(before) ? name : null;
}

const ARG_LINE = /^[ \t]*ARG[ \t]/i;

/** The ARGs that Dockerfile pins read, with what each feeds. `texts`: the Dockerfiles' texts. */
export function buildArgUses(
  pins: readonly Pin[],
  texts: ReadonlyMap<string, string>,
): Map<string, BuildArgUse[]> {
  const uses = new Map<string, BuildArgUse[]>();
  const add = (name: string, use: BuildArgUse) => {
    const list = uses.get(name) ?? [];
    list.push(use);
    uses.set(name, list);
  };
  const lineCache = new Map<string, Lines>();
  for (const pin of pins) {
    if (pin.overrides !== undefined || fileKind(pin.file) !== "dockerfile") continue;
    const text = texts.get(pin.file);
    if (text === undefined) continue;
    let lines = lineCache.get(pin.file);
    if (!lines) {
      lines = new Lines(text);
      lineCache.set(pin.file, lines);
    }
    if (pin.variable !== null) {
      const at = pin.versionLine;
      const declared =
        at === null ||
        ARG_LINE.test(text.slice(lines.starts[at - 1] ?? 0, lines.starts[at] ?? text.length));
      if (declared)
        add(pin.variable, { role: "version", dockerfile: pin.file, line: at ?? pin.line });
    }
    for (const c of pin.kind === "installer" ? (pin.checksums ?? []) : []) {
      const name = checksumArg(text, lines, c);
      if (name)
        add(name, {
          role: "checksum",
          dockerfile: pin.file,
          line: c.line,
          installer: pin,
          checksum: c,
        });
    }
  }
  return uses;
}

const NAMES = new WeakMap<BuildArgUses, RegExp>();

/** Whether a text names one of the ARGs (as a whole word). */
export function mentionsBuildArg(text: string, uses: BuildArgUses | undefined): boolean {
  if (!uses || uses.size === 0) return false;
  let re = NAMES.get(uses);
  if (!re) {
    re = new RegExp(`(?<![A-Za-z0-9_])(?:${[...uses.keys()].join("|")})(?![A-Za-z0-9_])`);
    NAMES.set(uses, re);
  }
  return re.test(text);
}
