/**
 * The instructions that can hold a uv pin, read without dockerfile-ast. For the files the mask is
 * sure of (escape `\`, no here-documents, plain keywords), the mask already knows each
 * instruction's extent; this reads the few instructions it keeps the way dockerfile-ast 0.7.1
 * does (its parser's instruction end and comments, `getRawArguments`, `getFlags`, ENV
 * properties), in file offsets, with no text document and no position objects. It reads only what
 * it is sure of: an instruction whose end it finds elsewhere than the mask did, an ONBUILD, an
 * ENV that is not one line of plain `NAME=value` words, gives null and the file is parsed with
 * dockerfile-ast instead. A differential property test (dockerfile-lex.test.ts) checks every
 * value against dockerfile-ast.
 *
 * Measured (3,000-file corpus, whole `scan --json` processes): dockerfile-ast for the kept
 * instructions cost ≈ 165 ms of the scan with its text document; see the README's benchmark.
 */
import type { RawInstruction } from "./dockerfile-mask.js";
import type {
  DockerArg,
  DockerFlag,
  DockerfileView,
  DockerInstruction,
  DockerProperty,
} from "./dockerfile-view.js";
import type { Span } from "./types.js";

/** Keywords whose instructions take flags (dockerfile-ast's ModifiableInstruction among them). */
const WITH_FLAGS = new Set(["FROM", "COPY", "RUN", "ADD"]);
/** Keywords this lexer reads in full; any other is read for its extent and comments only. */
const NOT_LEXED = new Set(["ONBUILD"]);

/**
 * The view of `instructions` (those of the mask's parse, in order), or null when one of them is
 * not read here (the caller then parses the file with dockerfile-ast).
 */
export function lexInstructions(
  text: string,
  instructions: readonly RawInstruction[],
): DockerfileView | null {
  const out: DockerInstruction[] = [];
  const comments: Span[] = [];
  for (const raw of instructions) {
    if (NOT_LEXED.has(raw.keyword)) return null;
    const keywordEnd = raw.start + raw.keyword.length;
    const end = instructionEnd(text, keywordEnd, comments);
    if (end !== raw.end) return null;
    const ins = new LexedInstruction(text, raw.keyword, raw.start, keywordEnd, end);
    if (raw.keyword === "ENV" && ins.properties() === null) return null;
    out.push(ins);
  }
  return { escapeChar: "\\", instructions: out, comments };
}

/**
 * dockerfile-ast's parser from the end of a keyword: where the instruction ends (its first line
 * break that no escape continues) and the comment lines inside it (pushed to `comments`).
 */
function instructionEnd(text: string, keywordEnd: number, comments: Span[]): number {
  const n = text.length;
  const first = text.charCodeAt(keywordEnd);
  // A keyword followed by its line break (or the end) has no arguments.
  if (keywordEnd >= n || first === 10 || first === 13) return keywordEnd;
  let escaped = false;
  for (let i = keywordEnd + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (escaped) continue;
      return i;
    }
    if (c === 92 /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (next === 10 || next === 13) {
        escaped = true;
        i++;
      } else if (next === 32 || next === 9) {
        let j = i + 2;
        for (; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d === 32 || d === 9) continue;
          if (d === 10 || d === 13) escaped = true;
          break;
        }
        if (j >= n) return n;
        i = j;
      }
      continue;
    }
    if (c === 35 /* # */) {
      if (escaped) {
        let e = i + 1;
        while (e < n) {
          const d = text.charCodeAt(e);
          if (d === 10 || d === 13) break;
          e++;
        }
        comments.push({ start: i, end: e });
        i = e;
      }
      continue;
    }
    if (c !== 32 && c !== 9) escaped = false;
  }
  return n;
}

class LexedInstruction implements DockerInstruction {
  readonly span: Span;
  private raw: DockerArg[] | undefined;
  private argList: readonly DockerArg[] | undefined;
  private flagList: DockerFlag[] | undefined;
  private props: DockerProperty[] | null | undefined;

  constructor(
    private readonly text: string,
    readonly keyword: string,
    start: number,
    private readonly keywordEnd: number,
    end: number,
  ) {
    this.span = { start, end };
  }

  private rawArgs(): DockerArg[] {
    this.raw ??= rawArguments(this.text, this.keywordEnd, this.span.end);
    return this.raw;
  }

  args(): readonly DockerArg[] {
    if (this.argList === undefined) {
      const raw = this.rawArgs();
      const n = WITH_FLAGS.has(this.keyword) ? this.flags().length : 0;
      this.argList = n === 0 ? raw : raw.slice(n);
    }
    return this.argList;
  }

  flags(): readonly DockerFlag[] {
    if (!WITH_FLAGS.has(this.keyword)) return [];
    this.flagList ??= flagsOf(this.text, this.rawArgs());
    return this.flagList;
  }

  buildStage(): string | null {
    if (this.keyword !== "FROM") return null;
    const args = this.args();
    const stage = args[2];
    if (args.length > 2 && (args[1] as DockerArg).value.toUpperCase() === "AS" && stage) {
      return this.text.slice(stage.start, stage.end);
    }
    return null;
  }

  /** An ENV's properties; null (only from `lexInstructions`' check) when not plain. */
  properties(): DockerProperty[] {
    if (this.keyword !== "ENV") return [];
    if (this.props === undefined)
      this.props = plainProperties(this.text, this.keywordEnd, this.span.end);
    return this.props as DockerProperty[];
  }

  trigger(): DockerInstruction | null {
    return null;
  }

  heredocBodies(): Span[] {
    // The lexer reads no file with here-documents.
    return [];
  }
}

/**
 * dockerfile-ast's `Instruction.getRawArguments` (escape `\`), in offsets: words split at blanks,
 * escaped line breaks and the comment lines after them skipped, an escape followed by a character
 * dropped from the value (kept before `$`).
 */
export function rawArguments(text: string, keywordEnd: number, end: number): DockerArg[] {
  const args: DockerArg[] = [];
  const s = text.slice(keywordEnd, end);
  const offset = keywordEnd;
  const n = s.length;
  let start = false;
  let comment = false;
  let found = -1;
  let escapedWhitespaceDetected = false;
  let escaping = false;
  let escapeMarker = -1;
  // The argument's value so far: `done`, then the characters `s[runFrom, runTo)` (most values are
  // one run of the text, read with one slice).
  let done = "";
  let runFrom = 0;
  let runTo = 0;
  const append = (from: number, to: number) => {
    if (runTo === from && runTo > runFrom) {
      runTo = to;
      return;
    }
    if (runTo > runFrom) done += s.slice(runFrom, runTo);
    runFrom = from;
    runTo = to;
  };
  const clear = () => {
    done = "";
    runFrom = 0;
    runTo = 0;
  };
  const push = (to: number) => {
    const value = runTo > runFrom ? done + s.slice(runFrom, runTo) : done;
    args.push({ value, start: offset + found, end: offset + to });
  };
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (escaping) {
        escapedWhitespaceDetected = true;
        if (c === 10 || c === 13) {
          escapedWhitespaceDetected = false;
          if (comment) {
            comment = false;
            start = true;
          }
        }
        continue;
      }
      if (found !== -1) {
        push(escapeMarker === -1 ? i : escapeMarker);
        escapeMarker = -1;
        clear();
        found = -1;
      }
    } else if (c === 92 /* \ */) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : -1;
      if (next === 32 || next === 9) {
        for (let j = i + 2; j < n; j++) {
          const d = s.charCodeAt(j);
          if (d === 32 || d === 9) continue;
          if (d === 13 || d === 10) {
            const k = d === 13 ? j + 1 : j;
            comment = false;
            escaping = true;
            start = true;
            if (found !== -1) escapeMarker = i;
            i = k;
            break;
          }
          escapeMarker = i;
          if (found === -1) i = j - 1;
          break;
        }
      } else if (next === 13 || next === 10) {
        comment = false;
        escaping = true;
        start = true;
        if (found !== -1 && escapeMarker === -1) escapeMarker = i;
        i += next === 13 ? 2 : 1;
      } else {
        if (escapedWhitespaceDetected && escapeMarker !== -1) {
          push(escapeMarker);
          clear();
          found = -1;
        }
        escapeMarker = -1;
        escapedWhitespaceDetected = false;
        escaping = false;
        if (next === -1) break;
        // `\$` stays as written; any other escaped character is kept without its escape.
        if (next === 36 /* $ */) append(i, i + 2);
        else append(i + 1, i + 2);
        if (found === -1) found = i;
        i++;
      }
    } else if (!comment) {
      if (start && c === 35 /* # */) {
        comment = true;
      } else {
        if (escapedWhitespaceDetected && escapeMarker !== -1) {
          push(escapeMarker);
          clear();
          found = -1;
        }
        escapedWhitespaceDetected = false;
        escaping = false;
        escapeMarker = -1;
        append(i, i + 1);
        if (found === -1) found = i;
      }
      start = false;
    }
  }
  if (found !== -1) push(escapeMarker === -1 ? n : escapeMarker);
  return args;
}

/**
 * dockerfile-ast's `ModifiableInstruction.getFlags` for FROM, COPY, RUN and ADD: the leading
 * arguments that start with `--`, up to the first argument without `--` anywhere in it.
 */
function flagsOf(text: string, raw: readonly DockerArg[]): DockerFlag[] {
  const flags: DockerFlag[] = [];
  for (const arg of raw) {
    const value = arg.value;
    if (!value.includes("--")) break;
    if (!value.startsWith("--")) continue;
    const rawValue = text.slice(arg.start, arg.end);
    const nameIndex = value.indexOf("=");
    const index = rawValue.indexOf("=");
    if (index === -1) flags.push({ name: value.substring(2), value: null });
    else if (index === value.length - 1) {
      flags.push({ name: value.substring(2, index), value: { start: arg.end, end: arg.end } });
    } else {
      flags.push({
        name: value.substring(2, nameIndex),
        value: { start: arg.start + index + 1, end: arg.end },
      });
    }
  }
  return flags;
}

/** A plain ENV word: `NAME=value` or `NAME`, nothing dockerfile-ast reads specially. */
const PLAIN_WORD = /^[A-Za-z_][A-Za-z0-9_]*(?:=[^\s"'\\`{}#]*)?$/;

/**
 * The properties of a one-line ENV of plain words (dockerfile-ast's `getProperties` for them:
 * `NAME=value …`, or the legacy `NAME value…` whose value runs to the last word); null for
 * anything else (quotes, escapes, braces, comments, continuations).
 */
function plainProperties(text: string, keywordEnd: number, end: number): DockerProperty[] | null {
  const words: { start: number; end: number; eq: number }[] = [];
  let i = keywordEnd;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    let j = i;
    while (j < end) {
      const d = text.charCodeAt(j);
      if (d === 32 || d === 9) break;
      j++;
    }
    const word = text.slice(i, j);
    if (!PLAIN_WORD.test(word)) return null;
    words.push({ start: i, end: j, eq: word.indexOf("=") });
    i = j;
  }
  const [first] = words;
  if (!first) return [];
  const name = (w: { start: number; end: number; eq: number }) =>
    text.slice(w.start, w.eq < 0 ? w.end : w.start + w.eq);
  const own = (w: { start: number; end: number; eq: number }): DockerProperty => ({
    name: name(w),
    value: w.eq < 0 ? null : { start: w.start + w.eq + 1, end: w.end },
  });
  if (words.length === 1) return [own(first)];
  if (first.eq < 0) {
    const last = words[words.length - 1] as { end: number };
    return [{ name: name(first), value: { start: (words[1] as Span).start, end: last.end } }];
  }
  return words.map(own);
}
