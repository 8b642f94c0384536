/**
 * Parses YAML text once: the lexer's tokens feed the parser and, in the same pass, give the
 * comment spans, so the text is not lexed a second time for its comments.
 */
import type { Document, YAMLError } from "yaml";
import type { Span } from "./types.js";
import { checkDepth, YamlTooDeep } from "./yaml-depth.js";
import { yaml } from "./yaml-lib.js";

export interface ParsedYaml {
  docs: Document[];
  /** Every YAML comment (`# …` outside scalars). */
  comments: Span[];
  /** Whether some document has an error (each document's first one has its line and column). */
  errors: boolean;
  /** Where the text nests deeper than MAX_YAML_DEPTH; then nothing was composed (`docs` is empty). */
  tooDeep?: number;
}

/**
 * The documents that `parseAllDocuments(text, { uniqueKeys: false })` returns, and the comments.
 *
 * This is what `parseAllDocuments` does, except how errors are made pretty: the library adds the
 * line and column to every error's message, with an excerpt of the line (quadratic on a long line
 * full of errors); here only each document's first error gets its position (`linePos`) and
 * ` at line L, column C` (the first line of the library's message), which is all that is read.
 * Errors are made without stack traces (a text can hold one per token).
 *
 * A text that nests deeper than MAX_YAML_DEPTH is refused as it is read (see `yaml-depth.ts`): its
 * documents are never composed, and `tooDeep` says where.
 *
 * Comments, from the lexer's tokens: their lengths add up to the text, except the document and
 * flow-end markers, and the token after a scalar marker is scalar text (which may begin with `#`
 * without being a comment).
 */
export function parseYaml(text: string): ParsedYaml {
  const comments: Span[] = [];
  const { Composer, Lexer, LineCounter, Parser } = yaml();
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  // As `Parser.parse` does: the first line starts at 0.
  lines.addNewLine(0);
  function* tokens() {
    let offset = 0;
    let scalar = false;
    // As `Parser.parse` does, with the lexer's tokens seen on their way.
    for (const lexeme of new Lexer().lex(text)) {
      yield* parser.next(lexeme);
      checkDepth(parser, offset);
      if (lexeme === "\x02" || lexeme === "\x18") continue;
      if (lexeme === "\x1f") {
        scalar = true;
        continue;
      }
      if (!scalar && lexeme.startsWith("#")) {
        comments.push({ start: offset, end: offset + lexeme.length });
      }
      scalar = false;
      offset += lexeme.length;
    }
    yield* parser.end();
  }
  let docs: Document[];
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    docs = Array.from(new Composer({ uniqueKeys: false }).compose(tokens()));
  } catch (error) {
    if (error instanceof YamlTooDeep)
      return { docs: [], comments, errors: true, tooDeep: error.offset };
    throw error;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  let errors = false;
  for (const doc of docs) {
    const [first] = doc.errors;
    if (!first) continue;
    errors = true;
    if (first.pos[0] === -1) continue;
    first.linePos = first.pos.map((pos) => lines.linePos(pos)) as YAMLError["linePos"] & {};
    const { line, col } = first.linePos[0];
    first.message += ` at line ${line}, column ${col}`;
  }
  return { docs, comments, errors };
}
