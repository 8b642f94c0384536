/** uv pins in a Dockerfile, parsed with dockerfile-ast; spans are offsets into the file's text. */
import {
  type Arg,
  DockerfileParser,
  type Env,
  type Flag,
  type From,
  type Instruction,
  ModifiableInstruction,
} from "dockerfile-ast";
import { commandPins } from "./commands.js";
import { hashComments } from "./comments.js";
import { type Definition, expand, type Lookup } from "./expand.js";
import { attachChecksum, type FileContext, imagePin } from "./pins.js";
import type { Pin, Span } from "./types.js";
import { shellDefinitions } from "./variables.js";

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

interface Scoped {
  name: string;
  def: Definition | null;
  /** Visible to text after this offset. */
  at: number;
  /** -1 for global ARGs (visible to FROM lines), else the stage index. */
  stage: number;
}

export function extractDockerfile(ctx: FileContext): Pin[] {
  const { text, lines } = ctx;
  const df = DockerfileParser.parse(text);
  const escapeChar = df.getEscapeCharacter();
  const span = (r: Range): Span => ({
    start: lines.offsetAt(r.start.line, r.start.character),
    end: lines.offsetAt(r.end.line, r.end.character),
  });
  const instructions = df.getInstructions();
  const commentSpans = df.getComments().map((c) => span(c.getRange()));
  const drops = continuationBreaks(text, escapeChar);

  const scoped: Scoped[] = [];
  const fromStarts: Span[] = [];
  const aliases = new Set<string>();
  let stage = -1;

  const stageAt = (at: number): number => {
    if (fromStarts.some((f) => f.start <= at && at < f.end)) return -1;
    let s = -1;
    for (const f of fromStarts) if (f.start <= at) s++;
    return s;
  };
  const lookup: Lookup = (name, at) => {
    const s = stageAt(at);
    let found: Scoped | undefined;
    for (const v of scoped) if (v.stage === s && v.name === name && v.at < at) found = v;
    return found === undefined ? undefined : found.def;
  };
  const globalDef = (name: string): Definition | null | undefined => {
    let found: Scoped | undefined;
    for (const v of scoped) if (v.stage === -1 && v.name === name) found = v;
    return found?.def;
  };

  const pins: Pin[] = [];
  const refPin = (valueRange: Range | null): void => {
    if (!valueRange) return;
    let { start, end } = span(valueRange);
    const raw = text.slice(start, end);
    if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw.endsWith(raw[0] as string)) {
      start++;
      end--;
    }
    const value = text.slice(start, end);
    if (aliases.has(value.toLowerCase()) || /^\d+$/.test(value)) return;
    const exp = expand(text, start, end, { lookup, escapeChar, drop: drops });
    const pin = imagePin(ctx, exp, lines.lineOf(start));
    if (pin) pins.push(pin);
  };

  for (const ins of instructions) {
    const insSpan = span(ins.getRange());
    const keyword = ins.getKeyword();
    if (keyword === "FROM") {
      stage++;
      fromStarts.push(insSpan);
      const from = ins as From;
      const image = from.getArguments()[0];
      if (image) refPin(image.getRange());
      const alias = from.getBuildStage();
      if (alias) aliases.add(alias.toLowerCase());
      continue;
    }
    if (keyword === "ARG" || keyword === "ENV") {
      for (const p of (ins as Arg | Env).getProperties()) {
        const name = p.getName();
        const valueRange = p.getValueRange();
        let def: Definition | null | undefined = null;
        if (valueRange)
          def = definitionAt(text, span(valueRange), lines.lineOf(span(valueRange).start));
        else if (keyword === "ARG" && stage >= 0) def = globalDef(name) ?? null;
        scoped.push({ name, def, at: insSpan.start, stage });
      }
    }
    if (keyword === "COPY" || keyword === "ADD") {
      refPin(flag(ins, "from")?.getValueRange() ?? null);
    }
    if (keyword === "RUN") {
      for (const mount of flags(ins, "mount")) {
        const from = mount.getOption("from");
        if (from) refPin(from.getValueRange());
      }
      for (const def of shellDefinitions(text, lines, insSpan.start, insSpan.end)) {
        scoped.push({ name: def.name, def, at: def.start, stage });
      }
    }
    const hidden = [
      ...commentSpans.filter((c) => c.start >= insSpan.start && c.end <= insSpan.end),
      ...(keyword === "RUN" ? hashComments(text, insSpan.start, insSpan.end, { escapeChar }) : []),
    ];
    const found = commandPins(ctx, {
      start: insSpan.start,
      end: insSpan.end,
      lookup,
      hidden,
      escapeChar,
      drop: drops,
    });
    if (keyword === "ADD") attachAddChecksum(ctx, ins, found, span, lookup, escapeChar);
    pins.push(...found);
  }
  return pins;
}

function flags(ins: Instruction, name: string): Flag[] {
  const all = ins instanceof ModifiableInstruction ? ins.getFlags() : [];
  return all.filter((f) => f.getName().toLowerCase() === name);
}

function flag(ins: Instruction, name: string): Flag | undefined {
  return flags(ins, name)[0];
}

/** A definition whose value range is `value`, with surrounding quotes excluded. */
function definitionAt(text: string, value: Span, line: number): Definition {
  let { start, end } = value;
  const first = text[start];
  if (end - start >= 2 && (first === '"' || first === "'") && text[end - 1] === first) {
    start++;
    end--;
  }
  return { name: "", start, end, line };
}

/** `ADD --checksum=sha256:… <url> <dest>`: the checksum belongs to the single URL source. */
function attachAddChecksum(
  ctx: FileContext,
  ins: Instruction,
  found: Pin[],
  span: (r: Range) => Span,
  lookup: Lookup,
  escapeChar: string,
): void {
  const checksum = flag(ins, "checksum")?.getValueRange();
  const installers = found.filter((p) => p.kind === "installer");
  const [only] = installers;
  if (!checksum || installers.length !== 1 || !only) return;
  const s = span(checksum);
  const exp = expand(ctx.text, s.start, s.end, { lookup, escapeChar });
  attachChecksum(ctx, only, exp, 0, exp.value.length);
}

/**
 * Escaped line breaks (the escapeChar character, optional blanks, the break) and the comment or blank
 * lines that follow inside an instruction: text that the builder removes before it reads a value.
 */
function continuationBreaks(text: string, escapeChar: string): Span[] {
  const out: Span[] = [];
  const re = new RegExp(`${escapeChar === "`" ? "`" : "\\\\"}[ \\t]*(\\r\\n|\\n|\\r)`, "g");
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    let end = start + m[0].length;
    for (;;) {
      const rest = /^[ \t]*(#[^\r\n]*)?(\r\n|\n|\r)/.exec(text.slice(end, end + 4096));
      if (!rest) break;
      end += rest[0].length;
    }
    out.push({ start, end });
  }
  return out;
}
