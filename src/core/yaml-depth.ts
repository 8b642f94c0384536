/**
 * How deep YAML may nest before it is refused. The `yaml` package composes documents recursively:
 * a few thousand levels (`[[[[…`, `- - - …`, `{a: {a: …`) exhaust the stack, and deep enough text
 * aborts the whole process (a V8 fatal error, which no `catch` sees). Its lexer and parser are
 * not recursive: the parser keeps its open collections on an array, one entry or two per level.
 * So the depth is read from that array, token by token, and a document that goes too deep is
 * refused before anything composes it.
 */
import type { Parser } from "yaml";
import { yaml } from "./yaml-lib.js";

/** Open collections (the parser's stack) allowed: far beyond real files, far below a stack overflow. */
export const MAX_YAML_DEPTH = 200;

/** Why a file that nests too deep is not read as YAML. */
export const TOO_DEEP = `nested deeper than ${MAX_YAML_DEPTH} levels: not read as YAML`;

/** Thrown from a token stream when the parser's stack passes MAX_YAML_DEPTH. */
export class YamlTooDeep extends Error {
  constructor(
    /** Offset of the token that went too deep. */
    readonly offset: number,
  ) {
    super(`nested deeper than ${MAX_YAML_DEPTH} levels`);
  }
}

/** Throws YamlTooDeep when `parser` holds more open collections than allowed. */
export function checkDepth(parser: Parser, offset: number): void {
  if (parser.stack.length > MAX_YAML_DEPTH) throw new YamlTooDeep(offset);
}

/**
 * The offset where a YAML text nests too deep, or null when it does not: one pass of the lexer and
 * parser, nothing composed. For texts that are parsed with the library's own entry points.
 */
export function tooDeepAt(text: string): number | null {
  const { Lexer, Parser } = yaml();
  const parser = new Parser();
  let offset = 0;
  try {
    for (const lexeme of new Lexer().lex(text)) {
      for (const _ of parser.next(lexeme)) {
        // Tokens are not needed, only the depth.
      }
      checkDepth(parser, offset);
      if (lexeme !== "\x02" && lexeme !== "\x18" && lexeme !== "\x1f") offset += lexeme.length;
    }
  } catch (error) {
    if (error instanceof YamlTooDeep) return error.offset;
    throw error;
  }
  return null;
}
