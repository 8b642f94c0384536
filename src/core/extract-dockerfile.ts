/**
 * uv pins in a Dockerfile; spans are offsets into the file's text. The instructions come from the
 * lexer of the instructions that can matter (dockerfile-lex.ts) when the mask is sure of the file,
 * else from dockerfile-ast (loaded on first use).
 */
import { baseName, fileKey } from "./checksum-tools.js";
import type { Download, LocatedPin } from "./checksum-types.js";
import { commandPins, type Region } from "./commands.js";
import { hashComments } from "./comments.js";
import { lexInstructions } from "./dockerfile-lex.js";
import { maskIrrelevant, maskPlan } from "./dockerfile-mask.js";
import { DockerfileScope } from "./dockerfile-scope.js";
import {
  type DockerArg,
  type DockerFlag,
  type DockerfileView,
  type DockerInstruction,
  parseWithDockerfileAst,
} from "./dockerfile-view.js";
import { type Definition, expand, type Lookup, MAX_EXPANSION } from "./expand.js";
import { tieChecksums } from "./extract-checksums.js";
import { mayNameUvImage } from "./matchers.js";
import { attachChecksum, type FileContext, imagePin } from "./pins.js";
import { printedSpans } from "./printed.js";
import { anyStartingIn, nextStart, spanStartingAt, spansWithin } from "./span-index.js";
import type { Pin, Span } from "./types.js";
import { shellDefinitions } from "./variables.js";

export interface ExtractDockerfileOptions {
  /** false: parse the whole file with dockerfile-ast (the reference the differential tests use). */
  mask?: boolean;
  /** false: parse the masked text with dockerfile-ast instead of lexing the kept instructions. */
  lex?: boolean;
}

/** The parsed view of a file, or null when nothing in it can pin uv. */
export function viewOf(
  base: FileContext,
  options: ExtractDockerfileOptions = {},
): DockerfileView | null {
  const { text, lines } = base;
  if (options.mask === false) return parseWithDockerfileAst(text, lines);
  // Instructions that cannot hold a pin are left out of the parse (lines and columns unchanged).
  if (options.lex === false) {
    const masked = maskIrrelevant(text, base.images);
    return masked === null ? null : parseWithDockerfileAst(masked, lines);
  }
  const plan = maskPlan(text, base.images);
  if (plan === null) return null;
  if (plan === "full") return parseWithDockerfileAst(text, lines);
  return (
    lexInstructions(text, plan.kept) ??
    parseWithDockerfileAst(maskIrrelevant(text, base.images) ?? text, lines)
  );
}

export function extractDockerfile(
  base: FileContext,
  options: ExtractDockerfileOptions = {},
): Pin[] {
  const { text, lines } = base;
  const df = viewOf(base, options);
  if (df === null) return [];
  const { escapeChar, instructions } = df;
  const insSpans: Span[] = instructions.map((i) => i.span);
  // Only the parsed instructions' breaks: nothing reads the rest of the file.
  const drops = continuationBreaks(text, escapeChar, insSpans);
  const ctx: FileContext = { ...base, drop: drops };
  const commentSpans = df.comments;
  const scope = new DockerfileScope();
  const { lookup } = scope;

  const pins: Pin[] = [];
  /** An image reference (a FROM image, a `--from` value): a pin when it names a uv image. */
  const refPin = (value: Span | null): void => {
    if (!value) return;
    let { start, end } = value;
    // A line break may come before the value's first character (`--from=\⏎"ref"`).
    const leading = spanStartingAt(drops, start);
    if (leading) start = leading.end;
    if (text[start] === '"' || text[start] === "'") start++;
    if (end > start && (text[end - 1] === '"' || text[end - 1] === "'")) end--;
    if (scope.isStage(text.slice(start, end))) return;
    // The expansion starts with the text before the first `$`, escape or dropped line break,
    // and so does the image's name: most references (`python:${PY}-slim`) are no uv image.
    if (!mayNameUvImage(literalPrefix(text, start, end, escapeChar, drops), base.images)) return;
    const exp = expand(text, start, end, { lookup, escapeChar, drop: drops });
    const pin = imagePin(ctx, exp, lines.lineOf(start));
    if (pin) pins.push(explainGlobal(pin, scope, start));
  };

  // A stage's RUNs are traced for checksums together: a download in one RUN (or an ADD) may be
  // checked in a later RUN of the same stage.
  let stage = new StageChecksums();
  const joined = new Set<Pin>();
  const tieStage = () => {
    // A stage without a RUN ties nothing.
    if (stage.runs.length === 0) {
      if (stage.adds.length > 0) stage = new StageChecksums();
      return;
    }
    for (const p of stage.tie(ctx, { lookup, escapeChar, drop: drops })) joined.add(p);
    stage = new StageChecksums();
  };

  // The pins read so far by line (`ADD $UV_URL` finds its URL's pin on the ARG's line): indexed
  // as they come, so that each ADD costs what its own pins cost.
  const byLine = new Map<number, Pin[]>();
  let indexed = 0;
  const pinsOnLine = (line: number): readonly Pin[] => {
    for (; indexed < pins.length; indexed++) {
      const p = pins[indexed] as Pin;
      const list = byLine.get(p.line);
      if (list) list.push(p);
      else byLine.set(p.line, [p]);
    }
    return byLine.get(line) ?? [];
  };

  for (let index = 0; index < instructions.length; index++) {
    const outer = instructions[index] as DockerInstruction;
    const insSpan = outer.span;
    if (outer.keyword === "FROM") {
      tieStage();
      const image = outer.args()[0];
      scope.enterStage(insSpan, image?.value ?? null);
      if (image) refPin(image);
      scope.nameStage(outer.buildStage());
      continue;
    }
    // `ONBUILD <instruction>`: the trigger is read like the instruction it holds.
    const ins = outer.keyword === "ONBUILD" ? outer.trigger() : outer;
    if (!ins) continue;
    const keyword = ins.keyword;
    const own = ins === outer;
    if (keyword === "ENV" && own) {
      for (const p of ins.properties()) {
        const def = p.value ? definitionAt(text, p.value, lines) : null;
        scope.declare("env", p.name, def, insSpan.end);
      }
    }
    if (keyword === "ARG" && own) {
      // `ARG A B=1` declares A (no value) and B=1; each argument is `NAME` or `NAME=value`.
      for (const r of ins.args()) {
        const raw = text.slice(r.start, r.end);
        const eq = raw.indexOf("=");
        const name = eq < 0 ? raw : raw.slice(0, eq);
        if (!ARG_NAME.test(name)) continue;
        const def =
          eq < 0 ? null : definitionAt(text, { start: r.start + eq + 1, end: r.end }, lines);
        scope.declare("arg", name, def, insSpan.end);
      }
    }
    if (keyword === "COPY") refPin(flag(ins, "from")?.value ?? null);
    // A label's value is metadata (`org.opencontainers.image.base.digest=sha256:…`): no check.
    if (keyword === "LABEL") ctx.ledger?.hidden.push(insSpan);
    const hidden = commentSpans.length === 0 ? [] : spansWithin(commentSpans, insSpan);
    if (keyword === "RUN") {
      for (const f of ins.flags()) {
        if (f.name.toLowerCase() === "mount") refPin(mountFrom(text, f, drops));
      }
      for (const def of shellDefinitions(text, lines, insSpan.start, insSpan.end)) {
        scope.declareShell(def, insSpan.end);
      }
      for (const s of runComments(text, ins, insSpan, escapeChar)) hidden.push(s);
      for (const s of printedSpans(text, insSpan.start, insSpan.end)) hidden.push(s);
    }
    const run = keyword === "RUN" && own;
    if (run) {
      // The keyword and flags are no shell words: `RUN echo … | sha256sum -c -` is read from echo.
      const shell = ins.args()[0]?.start ?? insSpan.end;
      stage.runs.push({ span: insSpan, hidden: [...hidden, { start: insSpan.start, end: shell }] });
    }
    const found = commandPins(ctx, {
      start: insSpan.start,
      end: insSpan.end,
      lookup,
      hidden,
      escapeChar,
      drop: drops,
      checksums: keyword !== "ADD",
      deferTo: run ? stage.located : undefined,
    });
    if (keyword === "ADD") {
      const add = attachAddChecksum(ctx, ins, found, pinsOnLine, lookup, escapeChar);
      if (add && own) stage.adds.push(add);
    }
    for (const p of found) pins.push(explainGlobal(p, scope, insSpan.start));
  }
  tieStage();
  // Checksum files downloaded next to an archive are part of its pin (see `tieChecksums`).
  return joined.size > 0 ? pins.filter((p) => !joined.has(p)) : pins;
}

/**
 * The start of `text[start, end)` that its expansion begins with: the characters before the first
 * `$`, escape character or dropped range (and no more than an expansion reads).
 */
function literalPrefix(
  text: string,
  start: number,
  end: number,
  escapeChar: string,
  drops: readonly Span[],
): string {
  const escapeCode = escapeChar.length === 1 ? escapeChar.charCodeAt(0) : 36;
  const stop = Math.min(end, start + MAX_EXPANSION, nextStart(drops, start));
  let k = start;
  while (k < stop) {
    const c = text.charCodeAt(k);
    if (c === 36 /* $ */ || c === escapeCode) break;
    k++;
  }
  return text.slice(start, k);
}

/**
 * A pin whose variable is a global ARG that its stage does not redeclare: Docker leaves it empty
 * there, which the skip reason says (with the ARG's line and the fix) instead of "no default".
 */
function explainGlobal(pin: Pin, scope: DockerfileScope, at: number): Pin {
  const name = pin.variable;
  if (!name || !pin.skipReason) return pin;
  const missing = `\`${name}\` has no default value`;
  if (!pin.skipReason.includes(missing)) return pin;
  const global = scope.undeclaredGlobal(name, at);
  if (!global) return pin;
  pin.skipReason = pin.skipReason.replace(
    missing,
    `\`${name}\` is a global ARG (line ${global.line}) that this stage does not redeclare, so it is empty here: add \`ARG ${name}\` to the stage`,
  );
  return pin;
}

/** `ARG NAME`'s name. */
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An instruction's first flag of one name (case-insensitive). */
function flag(ins: DockerInstruction, name: string): DockerFlag | undefined {
  for (const f of ins.flags()) if (f.name.toLowerCase() === name) return f;
  return undefined;
}

/**
 * The value of a `--mount` flag's `from` field, as a range of the file. Mount options are CSV
 * fields: a field may be quoted as a whole (`"from=…"`), keys are read case-insensitively, and an
 * escaped line break may fall anywhere in the flag, so the flag's value is walked here with the
 * breaks skipped rather than trusting per-option positions.
 */
function mountFrom(text: string, mount: DockerFlag, drops: readonly Span[]): Span | null {
  if (!mount.value) return null;
  const { start, end } = mount.value;
  // Raw offsets of the value's characters with line breaks removed (none: `start + k`).
  let offsets: number[] | null = null;
  let clean: string;
  if (anyStartingIn(drops, start, end)) {
    const list: number[] = [];
    for (let i = start; i < end; ) {
      const drop = spanStartingAt(drops, i);
      if (drop) {
        i = drop.end;
        continue;
      }
      list.push(i++);
    }
    offsets = list;
    clean = list.map((o) => text[o]).join("");
  } else {
    clean = text.slice(start, end);
    // Most mounts (`type=cache,target=…`) have no `from` field.
    if (!FROM_KEY.test(clean)) return null;
  }
  let fieldStart = 0;
  let quote: string | null = null;
  for (let k = 0; k <= clean.length; k++) {
    const c = clean[k];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (c !== "," && k !== clean.length) continue;
    let field = clean.slice(fieldStart, k);
    let offset = fieldStart;
    if (/^["']/.test(field) && field.endsWith(field[0] as string) && field.length >= 2) {
      field = field.slice(1, -1);
      offset++;
    }
    const eq = field.indexOf("=");
    if (eq > 0 && field.slice(0, eq).trim().toLowerCase() === "from") {
      const from = offset + eq + 1;
      const to = offset + field.length;
      if (to <= from) return null;
      if (offsets === null) return { start: start + from, end: start + to };
      return { start: offsets[from] as number, end: (offsets[to - 1] as number) + 1 };
    }
    fieldStart = k + 1;
  }
  return null;
}

const FROM_KEY = /from/i;

/**
 * `#` comments of a RUN instruction: shell comments in its command line (which an escaped line
 * break continues), and in each here-document's body (where a line ends a comment).
 */
function runComments(
  text: string,
  ins: DockerInstruction,
  insSpan: Span,
  escapeChar: string,
): Span[] {
  // Comments start at `#` (here-document bodies are read below, wherever they are).
  const slice = text.slice(insSpan.start, insSpan.end);
  if (!slice.includes("#") && !slice.includes("<<")) return [];
  const bodies = ins.keyword === "RUN" && slice.includes("<<") ? ins.heredocBodies() : [];
  const commandEnd = bodies[0]?.start ?? insSpan.end;
  return [
    ...hashComments(text, insSpan.start, commandEnd, { escapeChar }),
    ...bodies.flatMap((b) => hashComments(text, b.start, b.end)),
  ];
}

/** A definition whose value range is `value`, with surrounding quotes excluded. */
function definitionAt(text: string, value: Span, lines: FileContext["lines"]): Definition {
  let { start, end } = value;
  const first = text[start];
  if (end - start >= 2 && (first === '"' || first === "'") && text[end - 1] === first) {
    start++;
    end--;
  }
  return { name: "", start, end, line: lines.lineOf(start) };
}

/** `$NAME` or `${NAME}`: an ADD source that is one variable. */
const ONE_VARIABLE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;

/** `ADD --checksum=sha256:… <url> <dest>`: the checksum belongs to the single URL source. */
function attachAddChecksum(
  ctx: FileContext,
  ins: DockerInstruction,
  found: Pin[],
  pinsOnLine: (line: number) => readonly Pin[],
  lookup: Lookup,
  escapeChar: string,
): Download | null {
  const checksum = flag(ins, "checksum")?.value;
  const insSpan = ins.span;
  let here: Pin[] = [];
  if (found.length > 0) {
    const first = ctx.lines.lineOf(insSpan.start);
    const last = ctx.lines.lineOf(insSpan.end);
    here = found.filter((p) => p.kind === "installer" && p.line >= first && p.line <= last);
  }
  const args = ins.args();
  const sources = args.slice(0, -1);
  // `ADD --checksum=… $UV_URL`: the URL sits in an ARG or ENV, whose line holds its pin.
  let installers = here;
  for (const a of sources) {
    if (a.value.charCodeAt(0) !== 36 /* $ */) continue;
    const m = ONE_VARIABLE.exec(a.value);
    const def = m ? lookup(m[1] as string, a.start) : null;
    if (!def) continue;
    if (installers === here) installers = [...here];
    for (const list of [found, pinsOnLine(def.line)]) {
      for (const p of list) {
        if (p.kind === "installer" && p.line === def.line && !here.includes(p)) installers.push(p);
      }
    }
  }
  const dest = args.at(-1)?.value;
  noteAdd(ctx, installers, sources, dest, checksum, lookup);
  const [only] = installers;
  const [source] = sources;
  // The file the ADD writes, for the RUNs after it that check it.
  const download: Download | null =
    sources.length === 1 && installers.length === 1 && only && source && dest
      ? {
          pin: { pin: only, start: source.start, end: source.end },
          out: fileKey(dest.endsWith("/") ? `${dest}${only.asset ?? ""}` : dest),
          command: {
            start: insSpan.start,
            end: insSpan.end,
            text: "",
            words: [],
            branch: null,
            assignments: [],
          },
        }
      : null;
  if (!checksum || !download || !only) return download;
  const exp = expand(ctx.text, checksum.start, checksum.end, {
    lookup,
    escapeChar,
    drop: ctx.drop,
  });
  attachChecksum(ctx, only, exp, 0, exp.value.length);
  return download;
}

/** A stage's RUNs and ADDs, whose checksums are tied together once the stage is read. */
class StageChecksums {
  readonly runs: { span: Span; hidden: Span[] }[] = [];
  readonly located: LocatedPin[] = [];
  readonly adds: Download[] = [];

  /**
   * Ties the stage's checksums over one region from its first RUN to its last, with the text
   * between RUNs blanked line by line (each RUN stays a line of its own). Returns the pins that
   * joined another (checksum files downloaded next to an archive).
   */
  tie(ctx: FileContext, scope: Pick<Region, "lookup" | "escapeChar" | "drop">): Pin[] {
    const first = this.runs[0];
    const last = this.runs.at(-1);
    if (!first || !last) return [];
    const hidden: Span[] = [];
    let at = first.span.start;
    for (const r of this.runs) {
      blankLines(ctx.text, at, r.span.start, hidden);
      for (const h of r.hidden) hidden.push(h);
      at = r.span.end;
    }
    const located = [...this.located, ...this.adds.map((a) => a.pin)].sort(
      (a, b) => a.start - b.start,
    );
    const region: Region = { start: first.span.start, end: last.span.end, hidden, ...scope };
    const kept = new Set(tieChecksums(ctx, region, located, this.adds).map((l) => l.pin));
    return located.filter((l) => !kept.has(l.pin)).map((l) => l.pin);
  }
}

/** Adds spans covering the text of [start, end) line by line, line breaks left out. */
function blankLines(text: string, start: number, end: number, out: Span[]): void {
  let from = start;
  const cr = text.indexOf("\r", start);
  if (cr < 0 || cr >= end) {
    // `\n` breaks only: found by the engine's own search.
    for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) {
      if (i > from) out.push({ start: from, end: i });
      from = i + 1;
    }
    if (end > from) out.push({ start: from, end });
    return;
  }
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    if (i > from) out.push({ start: from, end: i });
    from = i + 1;
  }
  if (end > from) out.push({ start: from, end });
}

/**
 * What the file-wide checksum rule needs to know of an ADD (`checksum-ledger.ts`): the file a uv
 * download writes; a `--checksum` that checks another URL (written plainly, no variable in it).
 */
function noteAdd(
  ctx: FileContext,
  installers: readonly Pin[],
  sources: readonly DockerArg[],
  dest: string | undefined,
  checksum: Span | null | undefined,
  lookup: Lookup,
): void {
  const ledger = ctx.ledger;
  if (!ledger || !dest || sources.length === 0) return;
  for (const p of installers) {
    ledger.downloaded.add(p);
    ledger.uvOuts.add(baseName(dest.endsWith("/") ? (p.asset ?? "") : dest));
    if (p.asset) ledger.uvOuts.add(p.asset);
  }
  if (installers.length > 0 || !checksum || sources.some((a) => a.value.includes("$"))) return;
  const value = ctx.text.slice(checksum.start, checksum.end);
  const v = ONE_VARIABLE.exec(value);
  const def = v ? lookup(v[1] as string, checksum.start) : null;
  ledger.other.push(def ?? checksum);
}

/**
 * Escaped line breaks (the escapeChar character, optional blanks, the break) and the comment or blank
 * lines that follow inside an instruction: text that the builder removes before it reads a value.
 * With `ranges` (sorted, disjoint: the parsed instructions), only the breaks that start inside them
 * (a break's drop depends only on the text after it, so these are the same spans the whole text
 * gives there); the rest of the file is not read.
 */
export function continuationBreaks(
  text: string,
  escapeChar: string,
  ranges: readonly Span[] = [{ start: 0, end: text.length }],
): Span[] {
  const out: Span[] = [];
  const re = escapeChar === "`" ? BACKTICK_BREAK : BACKSLASH_BREAK;
  // The lines that the last break's drop ran over: a break at the end of one of them (a comment
  // line ending in `\`) drops the same lines after it, up to the same end.
  let linesFrom = -1;
  let linesTo = -1;
  for (const range of ranges) {
    // Each escape character of the range, read once (most instructions have none).
    const slice = text.slice(range.start, range.end);
    for (let k = slice.indexOf(escapeChar); k >= 0; k = slice.indexOf(escapeChar, k + 1)) {
      const start = range.start + k;
      re.lastIndex = start;
      const m = re.exec(text);
      if (!m) continue;
      let end = start + m[0].length;
      if (linesFrom <= end && end <= linesTo) {
        out.push({ start, end: linesTo });
        continue;
      }
      linesFrom = end;
      for (;;) {
        const rest = DROPPED_LINE.exec(text.slice(end, end + 4096));
        if (!rest) break;
        end += rest[0].length;
      }
      linesTo = end;
      out.push({ start, end });
    }
  }
  return out;
}

/** An escaped line break (`continuationBreaks`; sticky, read at one offset at a time). */
const BACKSLASH_BREAK = /\\[ \t]*(\r\n|\n|\r)/y;
const BACKTICK_BREAK = /`[ \t]*(\r\n|\n|\r)/y;
/** A blank or comment line that a continuation drops. */
const DROPPED_LINE = /^[ \t]*(#[^\r\n]*)?(\r\n|\n|\r)/;
