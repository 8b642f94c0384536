/**
 * What the Dockerfile extractor reads of a parsed Dockerfile, in file offsets: each instruction's
 * keyword and extent, and, for the instructions that need them, arguments, flags, ENV properties,
 * a FROM's stage name, an ONBUILD's trigger and a RUN's here-document bodies. Two sources give
 * it: dockerfile-ast (`parseWithDockerfileAst`, loaded on first use: the full parse, for any file)
 * and the lexer of the instructions that can matter (dockerfile-lex.ts, for the files the mask
 * is sure of). Both give the same values, which a differential property test checks.
 */
import { createRequire } from "node:module";
import type { Instruction } from "dockerfile-ast";
import { astInput } from "./dockerfile-directives.js";
import type { Lines } from "./lines.js";
import type { Span } from "./types.js";

/** An argument: its value (escapes resolved, as dockerfile-ast gives it) and its extent. */
export interface DockerArg {
  value: string;
  start: number;
  end: number;
}

/** A `--name[=value]` flag: its name (as written, after `--`) and its value's extent, if any. */
export interface DockerFlag {
  name: string;
  value: Span | null;
}

/** An ENV property: its name and its value's extent, if any. */
export interface DockerProperty {
  name: string;
  value: Span | null;
}

export interface DockerInstruction {
  /** Upper-cased. */
  readonly keyword: string;
  readonly span: Span;
  /** dockerfile-ast's `getArguments()`: after the flags, for instructions that take flags. */
  args(): readonly DockerArg[];
  /** Flags, for instructions that take them (else none). */
  flags(): readonly DockerFlag[];
  /** A FROM's `AS name`, as written. */
  buildStage(): string | null;
  /** An ENV's properties. */
  properties(): readonly DockerProperty[];
  /** An ONBUILD's instruction. */
  trigger(): DockerInstruction | null;
  /** A RUN's here-document bodies (none on odd input that dockerfile-ast cannot read). */
  heredocBodies(): Span[];
}

export interface DockerfileView {
  escapeChar: string;
  instructions: DockerInstruction[];
  /** Comment lines (top-level and inside instructions). */
  comments: Span[];
}

type Ast = typeof import("dockerfile-ast");
let ast: Ast | undefined;

/** dockerfile-ast, loaded on first use (a scan whose files the lexer reads never loads it). */
function dockerfileAst(): Ast {
  ast ??= createRequire(import.meta.url)("dockerfile-ast") as Ast;
  return ast;
}

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/**
 * A full parse of `parsed` (the file's text, or its masked text: the same lines and columns), with
 * its parser directives read as BuildKit reads them (`astInput`).
 */
export function parseWithDockerfileAst(parsed: string, lines: Lines): DockerfileView {
  const lib = dockerfileAst();
  const df = lib.DockerfileParser.parse(astInput(parsed));
  const span = (r: Range): Span => ({
    start: lines.offsetAt(r.start.line, r.start.character),
    end: lines.offsetAt(r.end.line, r.end.character),
  });
  const view = (ins: Instruction): DockerInstruction => {
    let args: DockerArg[] | undefined;
    let flags: DockerFlag[] | undefined;
    return {
      keyword: ins.getKeyword(),
      span: span(ins.getRange()),
      args() {
        args ??= ins.getArguments().map((a) => ({ value: a.getValue(), ...span(a.getRange()) }));
        return args;
      },
      flags() {
        flags ??=
          ins instanceof lib.ModifiableInstruction
            ? ins.getFlags().map((f) => {
                const value = f.getValueRange();
                return { name: f.getName(), value: value ? span(value) : null };
              })
            : [];
        return flags;
      },
      buildStage: () => (ins instanceof lib.From ? ins.getBuildStage() : null),
      properties: () =>
        ins instanceof lib.Env
          ? ins.getProperties().map((p) => {
              const value = p.getValueRange();
              return { name: p.getName(), value: value ? span(value) : null };
            })
          : [],
      trigger() {
        const t = ins instanceof lib.Onbuild ? ins.getTriggerInstruction() : null;
        return t ? view(t) : null;
      },
      heredocBodies() {
        if (!(ins instanceof lib.Run)) return [];
        try {
          return ins
            .getHeredocs()
            .map((h) => h.getContentRange())
            .filter((r) => r !== null)
            .map(span);
        } catch {
          return [];
        }
      },
    };
  };
  return {
    escapeChar: df.getEscapeCharacter(),
    instructions: df.getInstructions().map(view),
    comments: df.getComments().map((c) => span(c.getRange())),
  };
}
