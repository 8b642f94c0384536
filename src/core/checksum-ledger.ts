/**
 * The file-wide rule of issue 8: a proposed edit never leaves a checksum that no longer matches.
 * The checksum tracer ties what the file's data flow proves (see `extract-checksums.ts`); every
 * region it reads records here what it saw: the checks (the file each reads, the checksums its
 * expected value reaches, the commands it is made of), the files uv downloads write, the checksum
 * files downloaded next to them. Once the whole file is read, `holdUntied` looks at the file as a
 * whole: when it holds a uv download and also a 64-hex value, or a command that computes or checks
 * a sha256, that no tied check accounts for (and that no check proves to be about another file),
 * every uv download in the file is held with a reason that names the file and the line. Whatever
 * words the file uses: a comment saying "checksum" is not needed to block.
 *
 * Cost: one pass of a loop and a linear pattern over the text, each hit looked up in sorted spans.
 */
import { baseName } from "./checksum-tools.js";
import { hex64Values } from "./hex64.js";
import type { FileContext } from "./pins.js";
import type { Pin, Span } from "./types.js";

/** A check the tracer read: the file it reads, what its expected value reaches, its commands. */
export interface LedgerCheck {
  /** Key of the file checked. */
  file: string;
  /** The checksums its expected value can hold (null: the value could not be read). */
  sums: Span[] | null;
  /** The commands the check is made of (the write of a checksum file, the read, the comparison). */
  commands: Span[];
}

export class ChecksumLedger {
  /** Text that is no command (comments, printed text), as the regions read it. */
  readonly hidden: Span[] = [];
  readonly checks: LedgerCheck[] = [];
  /** Base names of the files uv downloads write. */
  readonly uvOuts = new Set<string>();
  /** The uv pins whose download the tracer read (so where each one writes is known). */
  readonly downloaded = new Set<Pin>();
  /** Base names of the checksum files downloaded next to uv downloads (`….sha256`, `sha256.sum`). */
  readonly sidecarOuts = new Set<string>();
  /** `sha256sum -c FILE` with FILE written by no command the tracer read: FILE and the command. */
  readonly lists: { file: string; command: Span }[] = [];
  /** Commands whose checks are about the pin's own checksum files (`curl URL.sha256 | sha256sum -c -`). */
  readonly accounted: Span[] = [];
  /** `sha256sum FILE` that checks nothing itself: FILE and the command. */
  readonly computes: { file: string; command: Span }[] = [];
  /** Checksums the file proves to be about something else (`ADD --checksum` of another URL). */
  readonly other: Span[] = [];
}

/**
 * Commands that compute or check a sha256 (or anything the tracer cannot follow), standing alone:
 * no letter, digit, `_` or `-` before (tested in `checkCommands`: as a lookbehind here it was
 * tried at every character) or after.
 */
const CHECK_COMMAND =
  /(?:g?sha256sum|shasum|openssl[ \t]+(?:dgst|sha256)|hashlib|get-filehash|certutil(?:\.exe)?[ \t]+-hashfile)(?![A-Za-z0-9_-])/gi;

const isWordOrDash = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 45;

/**
 * Where each match of CHECK_COMMAND with `(?<![A-Za-z0-9_-])` in front starts, in order: a match
 * the lookbehind refuses is passed over one character on, as the regex with it would go on.
 */
export function* checkCommands(text: string): Generator<number> {
  const re = new RegExp(CHECK_COMMAND);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > 0 && isWordOrDash(text.charCodeAt(m.index - 1))) {
      re.lastIndex = m.index + 1;
      continue;
    }
    yield m.index;
  }
}

/**
 * A file name that may be a uv download or what it unpacks (`uv`, `uvx.exe`, `uv.tar.gz`,
 * `uv-x86_64-….tar.gz`, `uv-installer.sh`), not a file of a uv project (`uv.lock`, `uv.toml`).
 */
const UV_NAME =
  /^(?:uvx?(?:\.exe)?|uv[-_.].*\.(?:tar\.gz|tgz|tar\.xz|zip|sh|ps1|exe)|uv\.(?:tar\.gz|tgz|zip))$/i;

/** Holds every uv download in the file when a checksum or a check in it is not accounted for. */
export function holdUntied(ctx: FileContext, ledger: ChecksumLedger, pins: readonly Pin[]): void {
  const downloads = pins.filter(
    (p) =>
      p.kind === "installer" &&
      p.url !== null &&
      p.version !== null &&
      !p.hold &&
      // An override of a Dockerfile checksum ARG downloads nothing here.
      p.overridesChecksums === undefined,
  );
  if (downloads.length === 0) return;
  const used = new Set<number>();
  for (const p of pins) {
    if (p.spans.checksum) used.add(p.spans.checksum.start);
    for (const c of p.checksums ?? []) used.add(c.span.start);
  }
  const tied = new Set(used);
  for (const s of ledger.other) used.add(s.start);
  const accounted: Span[] = [...ledger.accounted];
  let untied: { at: number; what: "checksum" | "check" } | null = null;
  const note = (at: number, what: "checksum" | "check") => {
    if (!untied || at < untied.at) untied = { at, what };
  };
  const allKnown = downloads.every((p) => ledger.downloaded.has(p));
  const uvFile = (file: string) => {
    const base = baseName(file);
    return ledger.uvOuts.has(base) || UV_NAME.test(base);
  };
  for (const check of ledger.checks) {
    const isTied =
      check.sums !== null && check.sums.length > 0 && check.sums.every((s) => tied.has(s.start));
    // Another file's check only when where every uv download writes is known.
    if (isTied || (allKnown && !uvFile(check.file))) {
      for (const s of check.sums ?? []) used.add(s.start);
      for (const c of check.commands) accounted.push(c);
    } else {
      const first = check.sums?.find((s) => !tied.has(s.start));
      note(first ? first.start : (check.commands[0] as Span).start, first ? "checksum" : "check");
    }
  }
  for (const l of ledger.lists) {
    if (ledger.sidecarOuts.has(baseName(l.file))) accounted.push(l.command);
  }
  // A sum of another file that nothing compares (a cache key): not about the uv download.
  if (allKnown) for (const c of ledger.computes) if (!uvFile(c.file)) accounted.push(c.command);
  const { text } = ctx;
  const hidden = sortedSpans(ledger.hidden);
  const comment = commentLines(ctx);
  let inHidden = cursor(hidden);
  for (const at of hex64Values(text)) {
    if (used.has(at) || inHidden(at) || comment(at)) continue;
    const before = text[at - 1];
    // An image digest (`@sha256:…`), a value after a colon that is part of a word (`x:…`).
    if (before === "@" || before === ":") continue;
    note(at, "checksum");
    break;
  }
  const inAccounted = cursor(sortedSpans(accounted));
  inHidden = cursor(hidden);
  for (const at of checkCommands(text)) {
    if (inHidden(at) || inAccounted(at) || comment(at)) continue;
    note(at, "check");
    break;
  }
  if (!untied) return;
  const { at, what } = untied as { at: number; what: "checksum" | "check" };
  const where = `${ctx.file}:${ctx.lines.lineOf(at)}`;
  const why =
    what === "checksum"
      ? `a sha256 checksum next to this download cannot be tied to one uv asset (${where}); update it by hand`
      : `a sha256 check next to this download cannot be tied to one uv asset (${where}); update it by hand`;
  for (const p of downloads) p.hold = why;
}

function sortedSpans(spans: readonly Span[]): Span[] {
  return [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * Whether offsets, asked in increasing order, fall inside spans sorted by start (they may
 * overlap): one pass over both.
 */
function cursor(spans: readonly Span[]): (at: number) => boolean {
  let k = 0;
  let reach = -1;
  return (at) => {
    while (k < spans.length && (spans[k] as Span).start <= at) {
      reach = Math.max(reach, (spans[k] as Span).end);
      k++;
    }
    return at < reach;
  };
}

/** Whether an offset is on a line whose first non-blank character is `#` (memoised per line). */
function commentLines(ctx: FileContext): (at: number) => boolean {
  const memo = new Map<number, boolean>();
  return (at) => {
    const line = ctx.lines.lineOf(at);
    let known = memo.get(line);
    if (known === undefined) {
      let i = ctx.lines.starts[line - 1] ?? 0;
      while (ctx.text[i] === " " || ctx.text[i] === "\t") i++;
      known = ctx.text[i] === "#";
      memo.set(line, known);
    }
    return known;
  };
}
