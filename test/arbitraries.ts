/**
 * Generators for the property tests of the scanner and the rewriter.
 *
 * Files are rendered from a sequence of small integers (the "choices"): every decision the
 * generator makes reads the next number, and a sequence that runs out answers 0, the simplest
 * option. fast-check shrinks the sequence (shorter, smaller numbers), which shrinks the file.
 * The Dockerfile generator also records the uv pins it wrote, so a test can compare them with
 * what the scanner finds.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Pin, Span, Target } from "../src/core/types.js";

// ---------------------------------------------------------------------------------------------
// Run parameters

/** Multiplies every property's runs, for a longer search: `PROPERTY_RUNS_SCALE=50 npx vitest …`. */
export const RUNS_SCALE = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);

/** Replays a reported failure: `PROPERTY_SEED=1948786878 npx vitest run …` (the seed it printed). */
const SEED = process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {};

/**
 * fast-check parameters: `numRuns` runs (times the scale), and a time budget, so that a failure
 * whose shrinking takes long still reports its smallest counterexample so far, with the seed and
 * path that resume it, before the test times out. Passing runs take a few seconds. A run that
 * the budget interrupts fails (`failOnInterrupt`): a property cut short has not shown anything.
 */
export function runs<T>(numRuns: number, timeLimitMs = 60_000 * RUNS_SCALE): fc.Parameters<T> {
  return {
    numRuns: Math.round(numRuns * RUNS_SCALE),
    ...SEED,
    plugins: [fc.interruptAfterTimeLimit(timeLimitMs, { failOnInterrupt: true }) as fc.Plugin<T>],
  };
}

/** The vitest timeout for one property test. */
export const PROPERTY_TIMEOUT = 120_000 * RUNS_SCALE;

// ---------------------------------------------------------------------------------------------
// Choices

export class Choices {
  private i = 0;
  constructor(private readonly seq: readonly number[]) {}

  /** An integer in `[0, n)`; 0 once the sequence has run out. */
  int(n: number): number {
    const v = this.seq[this.i++];
    return v === undefined || n <= 1 ? 0 : v % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** True with about `percent`% probability; false once the sequence has run out. */
  flag(percent: number): boolean {
    return this.int(100) >= 100 - percent;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const rest = [...items];
    const out: T[] = [];
    while (rest.length) out.push(...rest.splice(this.int(rest.length), 1));
    return out;
  }
}

/** The choice sequences that the file generators render. */
export const choicesArb = fc.array(fc.nat({ max: 0xffff }), { maxLength: 400, size: "max" });

// ---------------------------------------------------------------------------------------------
// Values

/** Sixteen fixed sha256 hex strings (lowercase), so digests are well-formed and repeatable. */
export const HEXES: readonly string[] = Array.from({ length: 16 }, (_, i) =>
  createHash("sha256").update(`uv-pin-bot ${i}`).digest("hex"),
);

function hex(c: Choices): string {
  return c.pick(HEXES);
}

/** A uv version as tags and URLs write it: mostly `X.Y.Z`, sometimes rolling `X.Y` or a pre-release. */
function version(c: Choices): string {
  const core = `${c.int(2)}.${c.int(12)}.${c.int(25)}`;
  const form = c.int(10);
  if (form === 8) return core.slice(0, core.lastIndexOf("."));
  if (form === 9) return `${core}${c.pick(["rc", "a", "b"])}${1 + c.int(3)}`;
  return core;
}

const UV_REPOS = ["ghcr.io/astral-sh/uv", "astral/uv", "docker.io/astral/uv"] as const;
const OTHER_IMAGES = [
  "python:3.12-slim",
  "debian:bookworm-slim",
  "ghcr.io/astral-sh/ruff:0.8.0",
  "ghcr.io/astral-sh/uv-docker-example:latest",
  "astral/uvx:1.0.0",
  "ghcr.io/astral-sh/uv/extra:0.9.1",
  "scratch",
] as const;
const ARCHIVES = [
  "uv-x86_64-unknown-linux-gnu.tar.gz",
  "uv-aarch64-apple-darwin.tar.gz",
  "uv-x86_64-pc-windows-msvc.zip",
] as const;
const DECOYS = [
  "# FROM ghcr.io/astral-sh/uv:0.1.0",
  "# curl -LsSf https://astral.sh/uv/0.2.0/install.sh | sh",
  "#COPY --from=astral/uv:0.3.0 /uv /bin/",
  "# pip install uv==0.4.0",
  "# a plain comment",
] as const;

// ---------------------------------------------------------------------------------------------
// Text with line bookkeeping

type EolMode = "lf" | "crlf" | "mixed";

class Writer {
  private readonly parts: string[] = [];
  /** 1-based line of the next character written. */
  line = 1;

  constructor(
    private readonly c: Choices,
    private readonly mode: EolMode,
  ) {}

  put(s: string): void {
    this.parts.push(s);
    this.line += (s.match(/\r\n|\r|\n/g) ?? []).length;
  }

  nl(): void {
    const crlf = this.mode === "crlf" || (this.mode === "mixed" && this.c.flag(50));
    this.put(crlf ? "\r\n" : "\n");
  }

  text(): string {
    return this.parts.join("");
  }
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

/**
 * Constructs the scanner gets wrong today, each pinned by an `it.fails` regression test. The
 * generator leaves them out while the flag is false, so that the properties keep checking
 * everything else; set a flag to true once its bug is fixed.
 */
export const KNOWN_BUGS = {
  /** `ARG A B=1`: dockerfile-ast reads it as the ENV-style `A = "B=1"`. */
  argWithoutValueThenMore: true,
  /**
   * `RUN --mount=…,\⏎from=…`: dockerfile-ast's mount option ranges ignore escaped line breaks
   * inside the flag, so such a `from=` is missed or read short.
   */
  mountOptionAfterLineBreak: true,
  /** `COPY --from=\⏎"ref"`: the quote is not stripped when a line break comes before it. */
  quoteAfterLineBreak: true,
  /** `FROM a\⏎stral/uv`: the quick "can this file pin uv?" test looks for "astral" unbroken. */
  breakInsideAstral: true,
  /**
   * `RUN \⏎  # C:\Users/me⏎  …`: dockerfile-ast's `Run.getHeredocs()` throws, and the file
   * reads as "could not be read". Until it is fixed, that one crash is tolerated.
   */
  runCommentWithBackslash: true,
  /**
   * The rewriter treats a pin that has an update as agreeing with any edit to a span it shares,
   * even when its own update does not make that edit; confirmation then abandons the whole file.
   */
  sharedSpanWithoutEdit: true,
};

/** A uv pin the generator wrote, as the scanner should report it. */
export interface ExpectedPin {
  line: number;
  kind: Pin["kind"];
  /** The version the pin stands for; null when it has none or cannot be read. */
  version: string | null;
  digest: string | null;
  /** Whether the scanner should give a skip reason. */
  skipped: boolean;
}

type Expect = Omit<ExpectedPin, "line">;

export interface GeneratedFile {
  path: string;
  text: string;
}

export interface GeneratedDockerfile extends GeneratedFile {
  expected: ExpectedPin[];
}

type VarType = "version" | "digest" | "hex" | "registry" | "image" | "url";

interface Var {
  type: VarType;
  /** The resolved value, or null for a variable declared without one. */
  value: string | null;
  /** For an image variable with a value: the pin its use stands for (null: not a uv image). */
  ref: Expect | null;
  /** How many variables deep the value is (bounds chains of `ARG B=${A}`). */
  depth: number;
}

/**
 * The variables visible at a point of a Dockerfile, as the builder sees them: global ARGs (in
 * FROM lines), or a stage's ARGs and ENVs, where an ENV beats an ARG of the same name and a stage
 * built FROM an earlier stage inherits that stage's ENVs.
 */
class Scope {
  readonly args = new Map<string, Var>();
  readonly envs = new Map<string, Var>();
  constructor(private readonly parent: Scope | null = null) {}

  get(name: string): Var | undefined {
    return this.env(name) ?? this.args.get(name);
  }

  names(): string[] {
    return [...new Set([...this.args.keys(), ...this.envNames()])];
  }

  copy(): Scope {
    const s = new Scope(this.parent);
    for (const [k, v] of this.args) s.args.set(k, v);
    for (const [k, v] of this.envs) s.envs.set(k, v);
    return s;
  }

  private env(name: string): Var | undefined {
    return this.envs.get(name) ?? this.parent?.env(name);
  }

  private envNames(): string[] {
    return [...this.envs.keys(), ...(this.parent?.envNames() ?? [])];
  }
}

const NAMES = ["UV_VERSION", "V", "UV_IMAGE", "UV_DIGEST", "REG", "UV_SHA", "TAG", "IMG"] as const;
/** Never declared: references to them resolve to their fallback or to nothing. */
const UNSET = ["UNSET", "NOT_DEFINED"] as const;

/**
 * Marks in generated text (removed before it is written): a literal version, a literal digest,
 * and text never to split (a variable reference, the start of a URL). They tell where an escaped
 * line break may split a token, and what it does to the pin there.
 */
const MARK = {
  version: ["\u0001", "\u0002"],
  digest: ["\u0003", "\u0004"],
  whole: ["\u0005", "\u0006"],
};
const mark = (kind: keyof typeof MARK, s: string) => `${MARK[kind][0]}${s}${MARK[kind][1]}`;

/** A token of an instruction and the pins that start in it (at `pinAt`, an offset in its text). */
interface Token {
  text: string;
  pins: Expect[];
  pinAt: number;
  /** Whether the pin's text is quoted (the quote ends the prefix). */
  quoted?: boolean;
}

const tok = (text: string, ...pins: (Expect | null)[]): Token => ({
  text,
  pins: pins.filter((p): p is Expect => p !== null),
  pinAt: 0,
});

/** A token whose pin starts after `prefix`. */
const tokAfter = (prefix: string, text: string, pin: Expect | null): Token => ({
  ...tok(`${prefix}${text}`, pin),
  pinAt: unmark(prefix).clean.length,
  quoted: prefix.endsWith('"') || prefix.endsWith("'"),
});

/** A token's text without marks, and the ranges (in that text) of each kind of mark. */
function unmark(text: string): { clean: string; ranges: Record<keyof typeof MARK, Span[]> } {
  const ranges: Record<keyof typeof MARK, Span[]> = { version: [], digest: [], whole: [] };
  const open: Record<keyof typeof MARK, number[]> = { version: [], digest: [], whole: [] };
  let clean = "";
  for (const ch of text) {
    const kind = (Object.keys(MARK) as (keyof typeof MARK)[]).find((k) => MARK[k].includes(ch));
    if (!kind) clean += ch;
    else if (ch === MARK[kind][0]) open[kind].push(clean.length);
    else ranges[kind].push({ start: open[kind].pop() ?? 0, end: clean.length });
  }
  return { clean, ranges };
}

const strictlyInside = (k: number, spans: readonly Span[]) =>
  spans.some((r) => r.start < k && k < r.end);

function varsOf(scope: Scope, type: VarType): [string, Var][] {
  return scope
    .names()
    .map((name): [string, Var] => [name, scope.get(name) as Var])
    .filter(([, v]) => v.type === type);
}

function varRef(c: Choices, name: string): string {
  return c.flag(30) ? `$${name}` : `\${${name}}`;
}

interface Resolved {
  text: string;
  value: string | null;
}

/** A version as written: literal, a variable, a variable with a fallback, or unresolvable. */
function versionRef(c: Choices, scope: Scope): Resolved {
  const vars = varsOf(scope, "version");
  switch (c.int(5)) {
    case 1:
    case 2: {
      if (!vars.length) break;
      const [name, v] = c.pick(vars);
      return { text: mark("whole", varRef(c, name)), value: v.value };
    }
    case 3: {
      const lit = version(c);
      const named = vars.length && c.flag(50) ? c.pick(vars) : null;
      const name = named ? named[0] : c.pick(UNSET);
      const value = named?.[1].value ?? lit;
      return { text: mark("whole", `\${${name}:-${lit}}`), value };
    }
    case 4: {
      const missing = vars.filter(([, v]) => v.value === null);
      const name = missing.length && c.flag(50) ? c.pick(missing)[0] : c.pick(UNSET);
      return { text: mark("whole", varRef(c, name)), value: null };
    }
  }
  const lit = version(c);
  return { text: mark("version", lit), value: lit };
}

/**
 * An image without a version that a variable holds whole (`ARG I=…:latest`, then `FROM ${I}` twice)
 * is one pin however often it is used: the variable's pin object is shared by its uses, so the
 * second use of the same object is not a pin of its own.
 */
const REPORTED = new WeakSet<Expect>();
function reportedBefore(pin: Expect): boolean {
  if (pin.kind !== "image" || pin.version !== null) return false;
  if (REPORTED.has(pin)) return true;
  REPORTED.add(pin);
  return false;
}

/** An image reference, uv or not, and the pin it stands for. */
function imageRef(
  c: Choices,
  scope: Scope,
  noDigest = false,
): { text: string; pin: Expect | null } {
  const form = c.int(6);
  if (form === 4) return { text: c.pick(OTHER_IMAGES), pin: null };
  if (form === 5) {
    const images = varsOf(scope, "image").filter(([, v]) => !noDigest || !v.ref?.digest);
    if (images.length) {
      const [name, v] = c.pick(images);
      return { text: mark("whole", varRef(c, name)), pin: v.value === null ? null : v.ref };
    }
  }
  let repo: string = c.pick(UV_REPOS);
  // Known scanner bug (see the regression tests): a break inside "astral" can hide the file.
  if (!KNOWN_BUGS.breakInsideAstral) repo = repo.replace("astral", mark("whole", "astral"));
  let isUv = true;
  const registries = varsOf(scope, "registry");
  if (registries.length && c.flag(20)) {
    const [name, v] = c.pick(registries);
    repo = `${mark("whole", `\${${name}}`)}${v.value === "docker.io" ? "/astral/uv" : "/astral-sh/uv"}`;
    isUv = v.value === "ghcr.io" || v.value === "docker.io";
  }
  let text = repo;
  let pinVersion: string | null = null;
  let skipped = false;
  switch (c.int(6)) {
    case 3:
      text += ":latest";
      break;
    case 4:
      text += ":python3.12-bookworm-slim";
      break;
    case 5:
      break;
    default: {
      const v = versionRef(c, scope);
      text += `:${v.text}${c.pick(["", "", "-alpine", "-python3.12-bookworm-slim"])}`;
      pinVersion = v.value;
      skipped = v.value === null;
    }
  }
  let digest: string | null = null;
  if (!noDigest) {
    const digests = varsOf(scope, "digest");
    const form = c.int(4);
    if (form === 1 || form === 2) {
      digest = `sha256:${hex(c)}`;
      text += `@${mark("digest", digest)}`;
    } else if (form === 3 && digests.length) {
      const [name, v] = c.pick(digests);
      text += `@${mark("whole", varRef(c, name))}`;
      digest = v.value;
      if (v.value === null) skipped = true;
    }
  }
  return { text, pin: isUv ? { kind: "image", version: pinVersion, digest, skipped } : null };
}

interface Installer {
  text: string;
  pin: Expect;
  archive: boolean;
}

/** A uv installer or release-download URL, and the pin it stands for. */
function installerUrl(c: Choices, scope: Scope, archives: "any" | "none" | "only"): Installer {
  const forms =
    archives === "only" ? [3, 5] : archives === "none" ? [0, 1, 2, 4, 6] : [0, 1, 2, 3, 4, 5, 6];
  const form = c.pick(forms);
  // The scanner finds URLs by their start, so a line break is never put inside one.
  const gh = mark("whole", "https://github.com/astral-sh/uv/releases/");
  const astral = mark("whole", "https://astral.sh/uv/");
  const versioned = form === 0 || form === 2 || form === 3 || form === 6;
  const v = versioned ? versionRef(c, scope) : null;
  const archive = c.pick(ARCHIVES);
  const text = {
    0: `${astral}${v?.text}/install.sh`,
    1: `${astral}install.sh`,
    2: `${gh}download/${v?.text}/uv-installer.sh`,
    3: `${gh}download/${v?.text}/${archive}`,
    4: `${gh}latest/download/uv-installer.sh`,
    5: `${gh}latest/download/${archive}`,
    6: `${astral}${v?.text}/install.ps1`,
  }[form] as string;
  // An installer version must be `X.Y.Z` (a rolling `X.Y` cannot be installed).
  const readable = v?.value != null && /^\d+\.\d+\.\d+/.test(v.value);
  return {
    text,
    archive: form === 3 || form === 5,
    pin: {
      kind: "installer",
      version: readable ? (v?.value ?? null) : null,
      digest: null,
      skipped: v !== null && !readable,
    },
  };
}

/** A value for an ARG or ENV, its type, how it reads, and the pin written in it (if any). */
function definedValue(c: Choices, scope: Scope): { text: string; v: Var; pin?: Expect } {
  const quote = c.pick(["", "", '"', "'"]);
  const q = (s: string) => `${quote}${s}${quote}`;
  switch (c.int(8)) {
    case 1: {
      const d = `sha256:${hex(c)}`;
      return { text: q(d), v: { type: "digest", value: d, ref: null, depth: 0 } };
    }
    case 2: {
      const h = hex(c);
      return { text: q(h), v: { type: "hex", value: h, ref: null, depth: 0 } };
    }
    case 3: {
      const r = c.pick(["ghcr.io", "docker.io", "quay.io"]);
      return { text: q(r), v: { type: "registry", value: r, ref: null, depth: 0 } };
    }
    case 4: {
      const ref = imageRef(c, scope);
      return { text: q(ref.text), v: { type: "image", value: ref.text, ref: ref.pin, depth: 1 } };
    }
    case 5: {
      // A chain: `ARG B=${A}` where A holds a version.
      const vars = varsOf(scope, "version").filter(([, v]) => v.value !== null && v.depth < 3);
      if (vars.length) {
        const [name, v] = c.pick(vars);
        return { text: q(`\${${name}}`), v: { ...v, depth: v.depth + 1 } };
      }
      break;
    }
    case 6: {
      // An installer URL held in a variable is a pin where it is written.
      const url = installerUrl(c, scope, "any");
      return {
        text: q(url.text),
        v: { type: "url", value: url.text, ref: null, depth: 0 },
        pin: url.pin,
      };
    }
  }
  const ver = version(c);
  return { text: q(ver), v: { type: "version", value: ver, ref: null, depth: 0 } };
}

const KEYWORD_CASES = [
  (k: string) => k,
  (k: string) => k.toLowerCase(),
  (k: string) => k[0] + k.slice(1).toLowerCase(),
  (k: string) => [...k].map((ch, i) => (i % 2 ? ch.toLowerCase() : ch)).join(""),
];

interface DockerfileContext {
  c: Choices;
  w: Writer;
  esc: string;
  expected: ExpectedPin[];
}

/** Writes one instruction, tokens separated by blanks or by escaped line breaks. */
function instruction(
  ctx: DockerfileContext,
  keyword: string,
  tokens: Token[],
  breaks = true,
): void {
  const { c, w, esc, expected } = ctx;
  w.put(c.pick(KEYWORD_CASES)(keyword));
  const lineBreak = () => {
    w.put(`${esc}${c.flag(15) ? " " : ""}`);
    w.nl();
    while (c.flag(15)) {
      w.put(c.flag(70) ? `  ${c.pick(DECOYS)}` : "");
      w.nl();
    }
  };
  for (const t of tokens) {
    if (breaks && c.flag(12)) {
      w.put(" ");
      lineBreak();
      w.put(c.pick(["  ", "    ", "\t"]));
    } else {
      w.put(" ");
    }
    const { clean, ranges } = unmark(t.text);
    // An escaped line break inside the token, after the start of its pin and outside variable
    // references. The builder joins the lines; the scanner cannot edit text split by one.
    const splits = Array.from({ length: clean.length }, (_, k) => k).filter(
      (k) =>
        k > 0 &&
        k !== t.pinAt &&
        !strictlyInside(k, ranges.whole) &&
        // Known scanner bug (see the regression tests): `--from=\⏎"ref"` keeps the quote.
        (KNOWN_BUGS.quoteAfterLineBreak || !(t.quoted && k < t.pinAt)),
    );
    const split = breaks && t.pins.length && splits.length && c.flag(8) ? c.pick(splits) : null;
    // A break before the pin moves it to the line after the break.
    const pins: Expect[] = [];
    for (const pin of t.pins) {
      if (reportedBefore(pin)) continue;
      const p = { ...pin };
      if (split !== null && strictlyInside(split, ranges.version)) {
        p.version = null;
        p.skipped = true;
      }
      if (split !== null && strictlyInside(split, ranges.digest)) {
        p.digest = null;
        p.skipped = true;
      }
      pins.push(p);
    }
    const record = () => {
      for (const p of pins) expected.push({ line: w.line, ...p });
    };
    if (split === null) {
      record();
      w.put(clean);
    } else {
      if (split > t.pinAt) record();
      w.put(clean.slice(0, split));
      lineBreak();
      if (split < t.pinAt) record();
      w.put(clean.slice(split));
    }
  }
  w.nl();
}

/** Blank lines and comments between instructions. */
function filler(ctx: DockerfileContext): void {
  const { c, w } = ctx;
  while (c.flag(25)) {
    if (c.flag(60)) w.put(`${c.pick(["", "  "])}${c.pick(DECOYS)}`);
    w.nl();
  }
}

/**
 * `ARG`/`ENV` with one or two definitions. As in the builder, every value in the instruction is
 * read with the variables as they were before it (`ENV a=1 b=$a` gives `b` the old `a`).
 */
function declare(
  ctx: DockerfileContext,
  keyword: "ARG" | "ENV",
  scope: Scope,
  global: Scope | null,
) {
  const { c } = ctx;
  const before = scope.copy();
  const vars = keyword === "ARG" ? scope.args : scope.envs;
  const tokens: Token[] = [];
  const count = 1 + (c.flag(20) ? 1 : 0);
  for (let i = 0; i < count; i++) {
    // Mostly the same two names, so that ARGs, ENVs and stages often shadow one another.
    const name = c.flag(60) ? c.pick(["UV_VERSION", "V"]) : c.pick(NAMES);
    const inherited = global?.args.get(name);
    if (keyword === "ARG" && c.flag(25)) {
      // `ARG NAME`: inherits a global default inside a stage, else has no value.
      tokens.push(tok(name));
      vars.set(
        name,
        inherited
          ? { ...inherited }
          : {
              type: c.pick(["version", "digest", "image"] as const),
              value: null,
              ref: null,
              depth: 0,
            },
      );
      // Known scanner bug (see the regression test): `ARG A B=1` is read as A = "B=1".
      if (!KNOWN_BUGS.argWithoutValueThenMore) break;
      continue;
    }
    const { text, v, pin } = definedValue(c, before);
    const quoted = text.startsWith('"') || text.startsWith("'");
    const prefix = `${mark("whole", `${name}=`)}${quoted ? text[0] : ""}`;
    tokens.push(tokAfter(prefix, quoted ? text.slice(1) : text, pin ?? null));
    vars.set(name, v);
  }
  instruction(ctx, keyword, tokens);
}

/** Writes a FROM line; returns the stage it is built from, if it is built from one. */
function fromInstruction(
  ctx: DockerfileContext,
  globals: Scope,
  stages: Map<string, Scope>,
): { alias: string | null; parent: Scope | null } {
  const { c } = ctx;
  const tokens: Token[] = [];
  let parent: Scope | null = null;
  if (c.flag(25)) tokens.push(tok(c.pick(["--platform=$BUILDPLATFORM", "--platform=linux/amd64"])));
  if (stages.size && c.flag(20)) {
    const base = c.pick([...stages.keys()]);
    parent = stages.get(base) ?? null;
    tokens.push(tok(base));
  } else {
    const ref = imageRef(c, globals);
    tokens.push(tok(ref.text, ref.pin));
  }
  let alias: string | null = null;
  if (c.flag(50)) {
    alias = `${c.pick(["uv", "base", "build", "final"])}${stages.size || ""}`;
    tokens.push(tok(c.pick(["AS", "as", "As"])), tok(alias));
  }
  instruction(ctx, "FROM", tokens);
  return { alias, parent };
}

function copyInstruction(ctx: DockerfileContext, scope: Scope, aliases: string[]): void {
  const { c } = ctx;
  const flags: Token[] = [];
  const which = c.int(4);
  if (which === 0 || which === 1) {
    const ref = imageRef(c, scope);
    const quote = c.flag(15) ? '"' : "";
    flags.push(tokAfter(`${mark("whole", "--from=")}${quote}`, `${ref.text}${quote}`, ref.pin));
  } else if (which === 2) {
    flags.push(tok(`--from=${aliases.length ? c.pick(aliases) : "0"}`));
  }
  if (c.flag(40)) flags.push(tok("--link"));
  if (c.flag(30)) flags.push(tok("--chown=1000:1000"));
  if (c.flag(30)) flags.push(tok("--chmod=755"));
  const sources = which === 3 ? [tok("."), tok("/app")] : [tok("/uv"), tok("/uvx"), tok("/bin/")];
  instruction(ctx, "COPY", [...c.shuffle(flags), ...sources]);
}

function addInstruction(ctx: DockerfileContext, scope: Scope): void {
  const { c } = ctx;
  const installer = c.flag(85) ? installerUrl(c, scope, "any") : null;
  const pin = installer ? { ...installer.pin } : null;
  const flags: Token[] = [];
  if (c.flag(60)) {
    const digests = varsOf(scope, "digest");
    let text: string;
    let value: string | null;
    if (digests.length && c.flag(30)) {
      const [name, v] = c.pick(digests);
      text = varRef(c, name);
      value = v.value;
    } else {
      const h = hex(c);
      text = `sha256:${c.flag(20) ? h.toUpperCase() : h}`;
      value = `sha256:${h}`;
    }
    flags.push(tok(`--checksum=${text}`));
    if (pin) {
      pin.digest = value;
      if (value === null) pin.skipped = true;
    }
  }
  if (c.flag(30)) flags.push(tok("--chmod=755"));
  if (c.flag(30)) flags.push(tok("--link"));
  const source = installer ? tok(installer.text, pin) : tok("https://example.com/tool.tar.gz");
  instruction(ctx, "ADD", [...c.shuffle(flags), source, tok("/tmp/uv/")]);
}

function runInstruction(ctx: DockerfileContext, scope: Scope, shellVar: { n: number }): void {
  const { c } = ctx;
  // A RUN that checks an archive with sha256sum pairs the archive with the one checksum in it:
  // it holds one archive URL and no other sha256 text.
  const check = c.flag(15);
  const tokens: Token[] = [];
  const mounts = c.int(3);
  for (let i = 0; i < mounts; i++) {
    if (c.flag(30)) {
      tokens.push(tok("--mount=type=cache,target=/root/.cache/uv"));
      continue;
    }
    const ref = imageRef(c, scope, check);
    const others = c.shuffle([
      "source=/uv",
      "target=/bin/uv",
      ...(c.flag(40) ? ["type=bind"] : []),
    ]);
    const at = c.int(others.length + 1);
    const before = [
      mark("whole", "--mount="),
      ...others.slice(0, at).map((o) => `${mark("whole", o)},`),
      mark("whole", "from="),
    ].join("");
    const after = others
      .slice(at)
      .map((o) => `,${mark("whole", o)}`)
      .join("");
    const mount = tokAfter(before, `${ref.text}${after}`, ref.pin);
    // Known scanner bug (see the regression tests): mount options after a line break are misread.
    if (!KNOWN_BUGS.mountOptionAfterLineBreak) mount.text = mark("whole", mount.text);
    tokens.push(mount);
  }
  const commands: Token[][] = [];
  if (check) {
    const url = installerUrl(c, scope, "only");
    const hexes = varsOf(scope, "hex");
    let sum: string;
    let value: string | null;
    if (hexes.length && c.flag(30)) {
      const [name, v] = c.pick(hexes);
      sum = varRef(c, name);
      value = v.value;
    } else {
      const h = hex(c);
      sum = c.flag(20) ? h.toUpperCase() : h;
      value = h;
    }
    const pin = { ...url.pin, digest: value === null ? null : `sha256:${value}` };
    commands.push([
      // The check names the file the download writes: that is what ties the checksum to it.
      tok("curl"),
      tok("-fsSLo"),
      tok("uv.tar.gz"),
      tok(url.text, pin),
      tok("&&"),
      tok(`echo "${sum}  uv.tar.gz"`),
      tok("|"),
      tok(c.pick(["sha256sum -c -", "shasum -a 256 -c -"])),
    ]);
  }
  const count = 1 + c.int(3);
  for (let i = 0; i < count; i++) {
    switch (c.int(5)) {
      case 1:
      case 2: {
        const url = installerUrl(c, scope, check ? "none" : "any");
        const quote = c.flag(30) ? '"' : "";
        commands.push([
          tok("curl"),
          tok("-LsSf"),
          tokAfter(quote, `${url.text}${quote}`, url.pin),
          tok("|"),
          tok("sh"),
        ]);
        break;
      }
      case 3: {
        const v = versionRef(c, scope);
        const pin: Expect = { kind: "version", version: v.value, digest: null, skipped: !v.value };
        const quote = c.flag(30) ? '"' : "";
        const pip = c.pick(["pip install", "pip install --no-cache-dir", "pipx install"]);
        // Never split: a break inside `pip install` is not worth reading.
        commands.push([tok(mark("whole", `${pip} ${quote}uv==${v.text}${quote}`), pin)]);
        break;
      }
      case 4: {
        // A shell variable set and used in the same RUN.
        const name = `SV${shellVar.n++}`;
        const ver = `${c.int(2)}.${c.int(12)}.${c.int(25)}`;
        const pin: Expect = { kind: "installer", version: ver, digest: null, skipped: false };
        commands.push([
          tok(`${name}=${ver}`),
          tok("&&"),
          tok("curl"),
          tok(`${mark("whole", `https://astral.sh/uv/${varRef(c, name)}`)}/install.sh`, pin),
          tok("|"),
          tok("sh"),
        ]);
        break;
      }
      default:
        commands.push([tok(c.pick(["uv sync --frozen", "echo ok", "uv --version"]))]);
    }
  }
  const ordered = c.shuffle(commands);
  if (!check && c.flag(15)) {
    // A here-document: one command a line, shell comments between them.
    const { w, expected } = ctx;
    instruction(ctx, "RUN", [...tokens, tok("<<EOF")], false);
    for (const cmd of ordered) {
      if (c.flag(30)) {
        w.put(c.pick(DECOYS));
        w.nl();
      }
      for (const t of cmd)
        for (const pin of t.pins) if (!reportedBefore(pin)) expected.push({ line: w.line, ...pin });
      w.put(cmd.map((t) => unmark(t.text).clean).join(" "));
      w.nl();
    }
    w.put("EOF");
    w.nl();
    return;
  }
  ordered.forEach((cmd, i) => {
    if (i > 0) tokens.push(tok("&&"));
    tokens.push(...cmd);
  });
  instruction(ctx, "RUN", tokens);
}

/** A random well-formed Dockerfile and the uv pins written in it. */
export function renderDockerfile(seq: readonly number[]): GeneratedDockerfile {
  const c = new Choices(seq);
  const w = new Writer(c, c.pick(["lf", "crlf", "mixed"] as const));
  const ctx: DockerfileContext = { c, w, esc: "\\", expected: [] };
  if (c.flag(15)) w.put("\uFEFF");
  const directives = c.shuffle([
    ...(c.flag(30) ? ["# syntax=docker/dockerfile:1"] : []),
    ...(c.flag(20) ? ["# escape=`"] : []),
  ]);
  for (const d of directives) {
    if (d.includes("escape")) ctx.esc = "`";
    w.put(d);
    w.nl();
  }
  filler(ctx);
  const globals = new Scope();
  const globalArgs = c.int(4);
  for (let i = 0; i < globalArgs; i++) {
    declare(ctx, "ARG", globals, null);
    filler(ctx);
  }
  const stages = new Map<string, Scope>();
  const stageCount = 1 + c.int(3);
  const shellVar = { n: 0 };
  for (let s = 0; s < stageCount; s++) {
    const { alias, parent } = fromInstruction(ctx, globals, stages);
    filler(ctx);
    const scope = new Scope(parent);
    const aliases = [...stages.keys()];
    if (alias) stages.set(alias, scope);
    const count = c.int(9);
    for (let i = 0; i < count; i++) {
      switch (c.int(12)) {
        case 0:
        case 1:
          copyInstruction(ctx, scope, aliases);
          break;
        case 2:
        case 3:
          runInstruction(ctx, scope, shellVar);
          break;
        case 4:
          addInstruction(ctx, scope);
          break;
        case 5:
        case 6:
          declare(ctx, "ARG", scope, globals);
          break;
        case 7:
        case 8:
          declare(ctx, "ENV", scope, null);
          break;
        case 9:
          instruction(ctx, "LABEL", [tok('uv.image="ghcr.io/astral-sh/uv:0.5.0"')]);
          break;
        case 10:
          instruction(ctx, "CMD", [tok('["docker", "run", "ghcr.io/astral-sh/uv:0.6.0"]')]);
          break;
        default:
          instruction(ctx, "WORKDIR", [tok("/app")]);
      }
      filler(ctx);
    }
  }
  return { path: "Dockerfile", text: w.text(), expected: ctx.expected };
}

export const dockerfileArb: fc.Arbitrary<GeneratedDockerfile> = choicesArb.map(renderDockerfile);

// ---------------------------------------------------------------------------------------------
// Workflows and shell scripts (for the rewriter; no expected pins)

function textRef(c: Choices, versionVar: string | null): string {
  const repo = c.pick(UV_REPOS);
  const ver = versionVar && c.flag(40) ? versionVar : version(c);
  const digest = c.flag(30) ? `@sha256:${hex(c)}` : "";
  return `${repo}:${ver}${c.pick(["", "-alpine"])}${digest}`;
}

function textInstaller(c: Choices, versionVar: string | null): string {
  const ver = versionVar && c.flag(40) ? versionVar : `${c.int(2)}.${c.int(12)}.${c.int(25)}`;
  return c.pick([
    `https://astral.sh/uv/${ver}/install.sh`,
    `https://github.com/astral-sh/uv/releases/download/${ver}/uv-installer.sh`,
    `https://github.com/astral-sh/uv/releases/download/${ver}/uv-x86_64-unknown-linux-gnu.tar.gz`,
  ]);
}

/** A GitHub Actions workflow (or a pre-commit config) with uv pins. */
export function renderWorkflow(seq: readonly number[]): GeneratedFile {
  const c = new Choices(seq);
  const w = new Writer(c, c.pick(["lf", "crlf", "mixed"] as const));
  const line = (s: string) => {
    w.put(s);
    w.nl();
  };
  if (c.flag(20)) {
    line("repos:");
    const hooks = 1 + c.int(2);
    for (let i = 0; i < hooks; i++) {
      line("  - repo: https://github.com/astral-sh/uv-pre-commit");
      const q = c.pick(["", '"', "'"]);
      line(`    rev: ${q}${version(c)}${q}`);
      line("    hooks:");
      line("      - id: uv-lock");
    }
    return { path: ".pre-commit-config.yaml", text: w.text() };
  }
  line("name: ci");
  line("on: [push]");
  let envVar: string | null = null;
  if (c.flag(50)) {
    line("env:");
    const q = c.pick(["", '"', "'"]);
    line(`  UV_VERSION: ${q}${version(c)}${q}`);
    envVar = c.pick(["${{ env.UV_VERSION }}", "${UV_VERSION}", "$UV_VERSION"]);
  }
  line("jobs:");
  line("  build:");
  line("    runs-on: ubuntu-latest");
  if (c.flag(40)) line(`    container: ${textRef(c, envVar?.startsWith("${{") ? envVar : null)}`);
  line("    steps:");
  const steps = 1 + c.int(5);
  for (let i = 0; i < steps; i++) {
    switch (c.int(5)) {
      case 1: {
        line(`      - uses: astral-sh/setup-uv@${c.pick(["v7", "v6.4.3", "main"])}`);
        const q = c.pick(["", '"', "'"]);
        const comment = c.pick(["", "", " # pinned"]);
        if (c.flag(25))
          line(`        with: { version: ${q}${version(c)}${q}, enable-cache: true }`);
        else {
          line("        with:");
          line(`          version: ${q}${version(c)}${q}${comment}`);
        }
        break;
      }
      case 2:
        line(`      - run: curl -LsSf ${textInstaller(c, envVar)} | sh`);
        break;
      case 3:
        line("      - name: in a container");
        line("        run: |");
        line(`          docker run --rm ${textRef(c, envVar)} uv --version`);
        if (c.flag(50)) line(`          pip install uv==${version(c)}`);
        break;
      case 4:
        line(`      ${c.pick(DECOYS)}`);
        break;
      default:
        line("      - uses: actions/checkout@v5");
    }
  }
  return { path: ".github/workflows/ci.yml", text: w.text() };
}

/** A shell script with uv pins. */
export function renderShell(seq: readonly number[]): GeneratedFile {
  const c = new Choices(seq);
  const w = new Writer(c, c.pick(["lf", "lf", "crlf"] as const));
  const line = (s: string) => {
    w.put(s);
    w.nl();
  };
  line("#!/bin/sh");
  line("set -eu");
  let versionVar: string | null = null;
  if (c.flag(60)) {
    line(
      c.pick([
        `UV_VERSION="${version(c)}"`,
        `export UV_VERSION=${version(c)}`,
        `UV_VERSION="\${UV_VERSION:-${version(c)}}"`,
      ]),
    );
    versionVar = c.pick(["${UV_VERSION}", "$UV_VERSION"]);
  }
  const count = 1 + c.int(6);
  let archives = 0;
  for (let i = 0; i < count; i++) {
    switch (c.int(6)) {
      case 1:
        line(`curl -LsSf "${textInstaller(c, versionVar)}" | sh`);
        break;
      case 2:
        line(`docker run --rm ${textRef(c, versionVar)} uv --version`);
        break;
      case 3:
        line(`python3 -m pip install uv==${versionVar && c.flag(50) ? versionVar : version(c)}`);
        break;
      case 4:
        if (archives++) break;
        line(
          `curl -fsSLo uv.tar.gz ${textInstaller(c, versionVar)} && echo "${hex(c)}  uv.tar.gz" | sha256sum -c -`,
        );
        break;
      case 5:
        line(c.pick(DECOYS));
        break;
      default:
        line("uv sync --frozen");
    }
  }
  return { path: "scripts/install-uv.sh", text: w.text() };
}

export const otherFileArb: fc.Arbitrary<GeneratedFile> = fc.oneof(
  choicesArb.map(renderWorkflow),
  choicesArb.map(renderShell),
);

// ---------------------------------------------------------------------------------------------
// Text for the never-throws properties

const SPECIAL_CHARS = [..."${}:@/\\\r\n#\"'`=-.<> \t", ..."0123456789"];
const FRAGMENTS = [
  "ghcr.io/astral-sh/uv",
  "docker.io/astral/uv",
  "astral/uv",
  ":0.9.17",
  ":0.9",
  "-alpine",
  "https://astral.sh/uv/",
  "/install.sh",
  "https://github.com/astral-sh/uv/releases/download/",
  "https://github.com/astral-sh/uv/releases/latest/download/",
  "uv-x86_64-unknown-linux-gnu.tar.gz",
  "ARG ",
  "FROM ",
  "RUN ",
  "RUN --mount=from=",
  "COPY --from=",
  "ADD --checksum=",
  " AS ",
  "sha256:",
  `sha256:${HEXES[0]}`,
  HEXES[1] as string,
  "${UV_VERSION:-",
  "${UV_VERSION}",
  "$UV_VERSION",
  "UV_VERSION=",
  "$(UV_VERSION)",
  "${{ env.UV_VERSION }}",
  "$env:UV_VERSION",
  "<<EOF",
  "\nEOF\n",
  "# escape=`",
  "# escape=\\",
  "# syntax=docker/dockerfile:1",
  "\\\n",
  "`\r\n",
  "pip install uv==",
  "| sha256sum -c -",
  "[tool.uv]",
  'required-version = "',
  "uses: astral-sh/setup-uv@v7",
  "with:\n  version: ",
  "repo: https://github.com/astral-sh/uv-pre-commit",
  "rev: ",
  "- ",
  "<#",
  "#>",
  "\uFEFF",
  "\u0000",
  "\uD800",
];

/** Generated files with a few characters or fragments inserted at random places. */
export const mutatedFileArb: fc.Arbitrary<GeneratedFile> = fc
  .tuple(
    fc.oneof(dockerfileArb, otherFileArb),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(fc.constantFrom(...SPECIAL_CHARS), fc.constantFrom(...FRAGMENTS)),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([file, inserts]) => {
    let text = file.text;
    for (const [at, s] of inserts) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + s + text.slice(i);
    }
    return { path: file.path, text };
  });

/** Strings built from the characters and fragments that the scanner reacts to. */
export const biasedTextArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...SPECIAL_CHARS), weight: 5 },
      { arbitrary: fc.constantFrom(...FRAGMENTS), weight: 4 },
      { arbitrary: fc.string({ maxLength: 4, unit: "binary" }), weight: 1 },
    ),
    { maxLength: 150 },
  )
  .map((parts) => parts.join(""));

/**
 * Inserts a mention of uv at a random place, so that the text passes the scanner's quick "can this
 * file pin uv at all?" test and the extractors really read it.
 */
function mentioningUv(arb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const mentions = [
    "ghcr.io/astral-sh/uv:0.9.1",
    "astral",
    "uv==0.9.1",
    'required-version = "0.9"',
  ];
  return fc.tuple(arb, fc.nat(), fc.constantFrom(...mentions)).map(([text, at, mention]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + mention + text.slice(i);
  });
}

/** Random bytes decoded as UTF-8 (lossy), with a mention of uv. */
export const utf8BytesArb: fc.Arbitrary<string> = mentioningUv(
  fc.uint8Array({ maxLength: 600 }).map((bytes) => new TextDecoder("utf-8").decode(bytes)),
);

/** Random bytes decoded as latin1, with a mention of uv. */
export const latin1BytesArb: fc.Arbitrary<string> = mentioningUv(
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);

// ---------------------------------------------------------------------------------------------
// Targets

export const versionArb: fc.Arbitrary<string> = fc
  .tuple(fc.nat(1), fc.nat(12), fc.nat(25))
  .map(([a, b, c]) => `${a}.${b}.${c}`);

export const digestArb: fc.Arbitrary<string> = fc.constantFrom(...HEXES).map((h) => `sha256:${h}`);

export const targetArb: fc.Arbitrary<Target> = fc.record({
  version: fc.option(versionArb, { freq: 3 }),
  digest: fc.option(digestArb, { freq: 3 }),
  checksum: fc.option(digestArb, { freq: 3 }),
});

/** Targets by pin index; `undefined` leaves that pin alone. */
export const targetsArb: fc.Arbitrary<(Target | undefined)[]> = fc.array(
  fc.option(targetArb, { nil: undefined, freq: 3 }),
  { maxLength: 14 },
);

// ---------------------------------------------------------------------------------------------
// Checks shared by both test files

const spanText = (text: string, s: Span) => text.slice(s.start, s.end);

/** What is wrong with the spans of the pins the scanner reported for `text` (empty: nothing). */
export function spanProblems(text: string, pins: readonly Pin[]): string[] {
  const problems: string[] = [];
  pins.forEach((pin, i) => {
    const { version, digest, checksum, checksumPrefixed } = pin.spans;
    for (const [name, s] of [
      ["version", version],
      ["digest", digest],
      ["checksum", checksum],
    ] as const) {
      if (
        s &&
        !(Number.isInteger(s.start) && 0 <= s.start && s.start <= s.end && s.end <= text.length)
      )
        problems.push(`pin ${i}: ${name} span ${s.start}..${s.end} is outside 0..${text.length}`);
    }
    if (version && spanText(text, version) !== pin.version)
      problems.push(
        `pin ${i}: version span reads ${JSON.stringify(spanText(text, version))}, pin says ${pin.version}`,
      );
    if (digest && spanText(text, digest) !== pin.digest)
      problems.push(
        `pin ${i}: digest span reads ${JSON.stringify(spanText(text, digest))}, pin says ${pin.digest}`,
      );
    if (checksum) {
      const written = spanText(text, checksum);
      const want = checksumPrefixed ? pin.digest : pin.digest?.slice("sha256:".length);
      if (written.toLowerCase() !== want || written.startsWith("sha256:") !== checksumPrefixed)
        problems.push(
          `pin ${i}: checksum span reads ${JSON.stringify(written)}, pin says ${pin.digest} (prefixed: ${checksumPrefixed})`,
        );
    }
  });
  return problems;
}
