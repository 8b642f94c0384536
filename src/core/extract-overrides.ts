/**
 * Build-time overrides of a Dockerfile's uv version ARG: `docker build --build-arg UV_VERSION=…`
 * (shell, Make, CI scripts, Dockerfile RUN), compose `build: args:` (map and list forms) and
 * `docker/build-push-action`'s `build-args:`. Each is a `version` pin whose `overrides` names the
 * ARG it sets, so that the plan moves it together with that ARG (an override left behind makes the
 * Dockerfile's update change nothing that runs; an ARG left behind breaks its checksums).
 */
import type { Document, Scalar } from "yaml";
import type { BuildArgUse } from "./build-args.js";
import { inside } from "./comments.js";
import { type Expansion, expand, type Lookup } from "./expand.js";
import { isVersion, readToken } from "./matchers.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin, Span } from "./types.js";
import { isMap, isScalar, isSeq } from "./yaml-lib.js";
import { valueRange } from "./yaml-scopes.js";

/** An ARG name that holds the uv version: `UV_VERSION`, `ASTRAL_UV_VERSION`, `uv_version`. */
export function isUvVersionArg(name: string): boolean {
  return /^(?:[A-Za-z0-9]+_)*uv_version$/i.test(name);
}

const BUILD_ARG = /--build-arg(?:[ \t]+|=)/g;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

interface Region {
  start: number;
  end: number;
  lookup: Lookup;
  hidden: readonly Span[];
  escapeChar?: string;
  drop?: readonly Span[];
}

/** `--build-arg NAME=VALUE`, `--build-arg=NAME=VALUE`, `--build-arg "NAME=VALUE"`, `--build-arg NAME`. */
export function buildArgPins(ctx: FileContext, region: Region): Pin[] {
  const { text } = ctx;
  const pins: Pin[] = [];
  const slice = text.slice(region.start, region.end);
  if (!slice.includes("--build-arg")) return pins;
  for (const m of slice.matchAll(BUILD_ARG)) {
    const flagAt = region.start + (m.index ?? 0);
    if (inside(region.hidden, flagAt)) continue;
    let at = flagAt + m[0].length;
    const quote = text[at] === '"' || text[at] === "'" ? text[at] : null;
    if (quote) at++;
    NAME.lastIndex = at;
    const name = NAME.exec(text)?.[0];
    if (!name || !isOverride(ctx, name)) continue;
    const afterName = at + name.length;
    const line = ctx.lines.lineOf(flagAt);
    if (text[afterName] !== "=") {
      if (/[\w.-]/.test(text[afterName] ?? "")) continue;
      pins.push(fromEnvironment(ctx, name, region.lookup, flagAt, line));
      continue;
    }
    const valueAt = afterName + 1;
    let end = Math.min(readToken(text, valueAt, "", region.drop), region.end);
    if (quote) {
      const close = text.indexOf(quote, valueAt);
      if (close < 0 || close > region.end) continue;
      end = Math.min(end, close);
    }
    const exp = expand(text, valueAt, end, {
      lookup: region.lookup,
      escapeChar: region.escapeChar,
      drop: region.drop,
    });
    pins.push(overrideFrom(ctx, exp, line, name));
  }
  return pins;
}

/** `--build-arg NAME` (or a compose `- NAME` item): the value comes from the environment. */
function fromEnvironment(
  ctx: FileContext,
  name: string,
  lookup: Lookup,
  at: number,
  line: number,
  dockerfile: string | null = null,
): Pin {
  const def = lookup(name, at);
  if (def) {
    const exp = expand(ctx.text, def.start, def.end, { lookup });
    const pin = overrideFrom(ctx, exp, line, name, dockerfile);
    pin.variable = name;
    return pin;
  }
  const exp = expand(ctx.text, at, at, { lookup });
  const pin = overridePin(ctx, versionPin(ctx, exp, line), name);
  pin.variable = name;
  if (dockerfile !== null) pin.overridesIn = dockerfile;
  pin.skipReason = `${checksumUses(ctx, name, dockerfile) ? "checksum" : "version"}: the build takes \`${name}\` from its environment, which this file does not set`;
  return pin;
}

/** Whether a build argument of this name is a uv pin: a uv version ARG, or one a Dockerfile pin reads. */
function isOverride(ctx: FileContext, name: string): boolean {
  return isUvVersionArg(name) || ctx.buildArgs?.has(name) === true;
}

/** The Dockerfile checksum ARGs of this name, when every Dockerfile ARG of the name is one. */
function checksumUses(
  ctx: FileContext,
  name: string,
  dockerfile: string | null = null,
): Extract<BuildArgUse, { role: "checksum" }>[] | null {
  const uses = usesOf(ctx, name, dockerfile);
  const sums = uses.filter((u) => u.role === "checksum");
  return sums.length > 0 ? sums : null;
}

/**
 * The Dockerfile ARGs of this name that an override may set: those of its build's Dockerfile
 * when that is known and reads the ARG, else every one (the safe grouping).
 */
function usesOf(ctx: FileContext, name: string, dockerfile: string | null): readonly BuildArgUse[] {
  const uses = ctx.buildArgs?.get(name) ?? [];
  const own = dockerfile === null ? [] : uses.filter((u) => u.dockerfile === dockerfile);
  return own.length > 0 ? own : uses;
}

/** An override's pin: of a checksum ARG, or of a version ARG. */
function overrideFrom(
  ctx: FileContext,
  exp: Expansion,
  line: number,
  name: string,
  dockerfile: string | null = null,
): Pin {
  const sums = checksumUses(ctx, name, dockerfile);
  const pin = sums
    ? checksumOverride(versionPin(ctx, exp, line), name, sums, usesOf(ctx, name, dockerfile).length)
    : overridePin(ctx, versionPin(ctx, exp, line), name);
  if (dockerfile !== null) pin.overridesIn = dockerfile;
  return pin;
}

/** Marks a version pin as an override of `name`, and refuses a value that is not a uv version. */
function overridePin(_ctx: FileContext, pin: Pin, name: string): Pin {
  pin.overrides = name;
  pin.variable ??= name;
  if (pin.version !== null && !isVersion(pin.version)) {
    pin.skipReason = `version: \`${pin.version}\` is not a uv version`;
    pin.version = null;
    pin.spans.version = null;
    pin.versionLine = null;
  }
  return pin;
}

const HEX64 = /^(sha256:)?([0-9a-fA-F]{64})$/;

/**
 * Turns an override's pin (read as a version) into the checksum it sets: an installer pin for the
 * asset that checksum guards, with no version text of its own (the build's version moves it).
 * Held when the ARG name guards different assets (or versions) in different places, or also
 * feeds a version: which one the override sets cannot be told with certainty.
 */
function checksumOverride(
  read: Pin,
  name: string,
  sums: Extract<BuildArgUse, { role: "checksum" }>[],
  uses: number,
): Pin {
  const first = sums[0] as (typeof sums)[number];
  const pin: Pin = {
    ...read,
    kind: "installer",
    url: first.installer.url,
    resolvedUrl: first.checksum.url,
    asset: first.checksum.asset,
    version: first.installer.version,
    versionLine: null,
    form: "url+checksum",
    digest: null,
    overrides: name,
    variable: name,
    spans: { version: null, digest: null, checksum: null, checksumPrefixed: false },
    overridesChecksums: sums.map((u) => ({
      file: u.dockerfile,
      line: u.line,
      pinLine: u.installer.line,
    })),
  };
  if (read.skipReason) {
    pin.skipReason = read.skipReason.replace(/^version: /, "checksum: ");
    return pin;
  }
  const value = read.skipReason === null ? (read.version ?? "") : "";
  const span = read.spans.version;
  const m = HEX64.exec(value);
  if (!m || !span) {
    pin.skipReason = `checksum: \`${value}\` is not a sha256 checksum`;
    return pin;
  }
  const digest = `sha256:${(m[2] as string).toLowerCase()}`;
  pin.digest = digest;
  pin.spans.checksum = span;
  pin.spans.checksumPrefixed = m[1] !== undefined;
  pin.checksums = [
    {
      digest,
      line: read.versionLine ?? read.line,
      span,
      prefixed: m[1] !== undefined,
      asset: first.checksum.asset,
      url: first.checksum.url,
      arch: first.checksum.arch,
    },
  ];
  const where = (u: BuildArgUse) => `${u.dockerfile}:${u.line}`;
  const other = sums.find(
    (u) =>
      u.checksum.asset !== first.checksum.asset || u.installer.version !== first.installer.version,
  );
  if (other) {
    pin.hold = `\`${name}\` is the checksum of ${first.checksum.asset} (uv ${first.installer.version ?? "?"}) at ${where(first)} and of ${other.checksum.asset} (uv ${other.installer.version ?? "?"}) at ${where(other)}: which one this override sets cannot be told`;
  } else if (uses > sums.length) {
    pin.hold = `\`${name}\` is a checksum at ${where(first)} and also supplies a uv version in another Dockerfile: which one this override sets cannot be told`;
  } else if (first.installer.skipReason || first.installer.version === null) {
    pin.skipReason = `checksum: it sets the checksum at ${where(first)}, whose download cannot be read${first.installer.skipReason ? ` (${first.installer.skipReason})` : ""}`;
  }
  return pin;
}

const BUILD_PUSH = /^docker\/build-push-action(@|$)/;
const ARG_LINE = /^[ \t]*["']?([A-Za-z_][A-Za-z0-9_]*)=([^\r\n]*)$/gm;

/** compose `build: args:` and `docker/build-push-action` `with: build-args:`, anywhere. */
export function yamlOverridePins(
  ctx: FileContext,
  docs: readonly Document[],
  lookup: Lookup,
  hidden: readonly Span[],
): Pin[] {
  const pins: Pin[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 200) return;
    if (isSeq(node)) {
      for (const item of node.items) visit(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    const build = node.get("build", true);
    if (isMap(build)) {
      const args = build.get("args", true);
      // compose: the context is relative to the compose file, the Dockerfile to the context.
      const file = dockerfileOf(
        joinPath(dirOf(ctx.file), stringAt(build, "context") ?? "."),
        stringAt(build, "dockerfile"),
      );
      if (isMap(args)) {
        for (const pair of args.items) {
          const key = isScalar(pair.key) ? pair.key.value : null;
          if (typeof key !== "string" || !isOverride(ctx, key) || !isScalar(pair.value)) continue;
          const range = valueRange(pair.value);
          if (range) pins.push(valuePin(ctx, range, key, lookup, file));
        }
      } else if (isSeq(args)) {
        for (const item of args.items) {
          if (isScalar(item)) pins.push(...linePins(ctx, item, lookup, hidden, file));
        }
      }
    }
    const uses = node.get("uses", true);
    if (isScalar(uses) && typeof uses.value === "string" && BUILD_PUSH.test(uses.value)) {
      const withMap = node.get("with", true);
      const buildArgs = isMap(withMap) ? withMap.get("build-args", true) : null;
      // build-push-action: `file` is relative to the workspace; by default `{context}/Dockerfile`.
      const file = isMap(withMap)
        ? (pathOf(stringAt(withMap, "file")) ??
          dockerfileOf(joinPath("", stringAt(withMap, "context") ?? "."), null))
        : null;
      if (isScalar(buildArgs)) pins.push(...linePins(ctx, buildArgs, lookup, hidden, file));
    }
    for (const pair of node.items) visit(pair.value, depth + 1);
  };
  for (const doc of docs) visit(doc.contents, 0);
  return pins;
}

function valuePin(
  ctx: FileContext,
  range: Span,
  name: string,
  lookup: Lookup,
  dockerfile: string | null,
): Pin {
  const exp = expand(ctx.text, range.start, range.end, { lookup });
  return overrideFrom(ctx, exp, ctx.lines.lineOf(range.start), name, dockerfile);
}

/** A plain string value of a map's key, or null. */
function stringAt(map: { get(key: string, keep: true): unknown }, key: string): string | null {
  const node = map.get(key, true);
  return isScalar(node) && typeof node.value === "string" ? node.value : null;
}

const dirOf = (file: string) => {
  const at = file.replace(/\\/g, "/").lastIndexOf("/");
  return at < 0 ? "" : file.slice(0, at);
};

/**
 * `base/rel` as the repository names files (`a/./b/../c` → `a/c`), or null when it cannot be a
 * path inside it (absolute, a URL or a variable, above the root).
 */
function joinPath(base: string | null, rel: string): string | null {
  if (base === null || /^[/\\]|^[A-Za-z][\w+.-]*:|[$]/.test(rel)) return null;
  const out: string[] = [];
  for (const part of `${base}/${rel}`.replace(/\\/g, "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.pop() === undefined) return null;
    } else out.push(part);
  }
  return out.join("/");
}

const pathOf = (file: string | null) => (file === null ? null : joinPath("", file));

/** The Dockerfile a build uses: `dockerfile` (relative to the context), by default `Dockerfile`. */
function dockerfileOf(context: string | null, dockerfile: string | null): string | null {
  return joinPath(context, dockerfile ?? "Dockerfile");
}

/** `NAME=VALUE` lines of a scalar (a list item, or a block of lines), and `NAME` alone. */
function linePins(
  ctx: FileContext,
  node: Scalar,
  lookup: Lookup,
  hidden: readonly Span[],
  dockerfile: string | null,
): Pin[] {
  const range = valueRange(node);
  if (!range || typeof node.value !== "string") return [];
  const pins: Pin[] = [];
  const slice = ctx.text.slice(range.start, range.end);
  const bare = /^[A-Za-z_][A-Za-z0-9_]*$/.exec(slice.trim())?.[0];
  if (bare && isOverride(ctx, bare)) {
    return [
      fromEnvironment(ctx, bare, lookup, range.start, ctx.lines.lineOf(range.start), dockerfile),
    ];
  }
  for (const m of slice.matchAll(ARG_LINE)) {
    const name = m[1] as string;
    if (!isOverride(ctx, name)) continue;
    const lineAt = range.start + (m.index ?? 0);
    if (inside(hidden, lineAt)) continue;
    const valueAt = lineAt + m[0].length - (m[2] as string).length;
    let valueEnd = valueAt + (m[2] as string).trimEnd().length;
    const q = ctx.text[lineAt + m[0].indexOf(name) - 1];
    if ((q === '"' || q === "'") && ctx.text[valueEnd - 1] === q) valueEnd--;
    pins.push(valuePin(ctx, { start: valueAt, end: valueEnd }, name, lookup, dockerfile));
  }
  return pins;
}
