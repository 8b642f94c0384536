/**
 * Parses YAML text once: the lexer's tokens feed the parser and, in the same pass, give the
 * comment spans, so the text is not lexed a second time for its comments.
 */
import { Composer, type Document, Lexer, Parser, parseAllDocuments } from "yaml";
import type { Span } from "./types.js";
import { checkDepth, YamlTooDeep } from "./yaml-depth.js";

export interface ParsedYaml {
  docs: Document[];
  /** Every YAML comment (`# …` outside scalars). */
  comments: Span[];
  /** Whether some document has an error; `docs` then comes from `parseAllDocuments`. */
  errors: boolean;
  /** Where the text nests deeper than MAX_YAML_DEPTH; then nothing was composed (`docs` is empty). */
  tooDeep?: number;
}

/**
 * The documents that `parseAllDocuments(text, { uniqueKeys: false })` returns, and the comments.
 *
 * This is what `parseAllDocuments` does, minus its line counter: that only adds line positions to
 * error messages (the parser's `onNewLine` callback and `prettifyError`), and it changes neither
 * the tokens nor the documents. A text with an error is therefore parsed again by
 * `parseAllDocuments` itself, so that its messages are exactly the library's.
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
  const parser = new Parser();
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
  try {
    docs = Array.from(new Composer({ uniqueKeys: false }).compose(tokens()));
  } catch (error) {
    if (error instanceof YamlTooDeep)
      return { docs: [], comments, errors: true, tooDeep: error.offset };
    throw error;
  }
  if (!docs.some((doc) => doc.errors.length > 0)) return { docs, comments, errors: false };
  const parsed = parseAllDocuments(text, { uniqueKeys: false });
  return { docs: Array.isArray(parsed) ? parsed : [], comments, errors: true };
}
