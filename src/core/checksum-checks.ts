/**
 * Checks of a file against an expected sha256: `sha256sum -c`/`shasum -a 256 -c` fed by `echo`,
 * `printf`, a here-string or a file written first; comparisons (`[ … = … ]`, `test`, `-ne`) of a
 * computed sum (`sha256sum F`, `Get-FileHash F`) with a value; Chocolatey's `url64bit` and
 * `checksum64`. Each command is read once, each check reads a bounded number of words.
 */
import type { FlowIndex } from "./checksum-index.js";
import { reaching } from "./checksum-reach.js";
import { fileKey, lastIndexBefore, MAX_ARGS, toolOf } from "./checksum-tools.js";
import type { Check, Download } from "./checksum-types.js";
import type { Branch, Command } from "./shell-flow.js";
import { unquote, type Word, wordKey } from "./shell-words.js";

/** How much of a command after `Get-FileHash` is read for its arguments. */
const MAX_HASH_ARGS = 4096;

interface Writer {
  words: Word[];
  at: number;
  branch: Branch | null;
  appends: boolean;
}

export class CheckReader {
  readonly checks: Check[] = [];
  /** `sha256sum -c FILE` where no command read before writes FILE: FILE and the command's start. */
  readonly lists: { file: string; at: number }[] = [];
  /** `curl URL | sha256sum -c -`: the words that may be URLs, and the command's start. */
  readonly fetched: { word: Word; at: number }[] = [];
  /** `sha256sum FILE` that checks nothing itself (a cache key, a log line): FILE and the command's start. */
  readonly computes: { file: string; at: number }[] = [];
  /** Variables that hold a computed sha256 of a file: folded name → the file and where. */
  private readonly computed = new Map<
    string,
    { file: string; at: number; branch: Branch | null }
  >();
  private readonly chocolatey = new Map<string, Word>();
  /** Commands that write a file with `>`/`>>`, by the file's key, with the words before it. */
  private readonly writers = new Map<string, Writer[]>();

  constructor(private readonly index: FlowIndex) {}

  /** Reads one command (commands are read in text order). */
  read(c: Command): void {
    const words = c.words;
    const redirect = words.findIndex((w) => w.key === ">" || w.key === ">>");
    const target = words[redirect + 1];
    if (redirect > 0 && redirect <= MAX_ARGS && target) {
      const key = fileKey(target.raw);
      const list = this.writers.get(key) ?? [];
      const appends = (words[redirect] as Word).key === ">>";
      list.push({ words: words.slice(0, redirect), at: c.start, branch: c.branch, appends });
      this.writers.set(key, list);
    }
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as Word;
      const tool = toolOf(w.key);
      if (tool === "sha256sum" || tool === "shasum") this.readSumCommand(c, i);
      if (/^-(?:[ic])?(?:eq|ne)$/i.test(w.key) || w.key === "=" || w.key === "==" || w.key === "!=")
        this.readComparison(c, i);
    }
    for (const w of words) this.readComputation(c, w);
    this.readChocolatey(c);
  }

  /** `sha256sum -c` (fed by echo/printf, a here-string, or a file written first) or a computation. */
  private readSumCommand(c: Command, i: number): void {
    const words = c.words;
    const tool = toolOf((words[i] as Word).key);
    let check = false;
    let sha256 = tool === "sha256sum";
    const args: Word[] = [];
    let here: Word | null = null;
    for (let j = i + 1; j < Math.min(words.length, i + MAX_ARGS); j++) {
      const w = words[j] as Word;
      const k = w.key;
      if (k === "|" || k === "&") break;
      if (k === "-a" || k === "--algorithm") {
        sha256 = words[j + 1]?.key === "256";
        j++;
      } else if (/^(?:-a|--algorithm=)256$/.test(k)) sha256 = true;
      else if (k === "--check" || /^-[A-Za-z]*c[A-Za-z]*$/.test(k)) check = true;
      else if (k === "<<<") {
        here = words[j + 1] ?? null;
        j++;
      } else if (k.startsWith("<<<")) here = { ...w, raw: w.raw.slice(3), start: w.start + 3 };
      else if (!k.startsWith("-") && !k.startsWith(">") && !k.startsWith("<")) args.push(w);
    }
    if (!check) {
      const file = args.find((a) => a.key !== "-");
      if (file && !here) this.computes.push({ file: fileKey(file.raw), at: c.start });
      return;
    }
    if (!sha256) return;
    if (here) {
      this.addCheckFrom([here], c.start, c);
      return;
    }
    const file = args.find((a) => a.key !== "-");
    if (!file) {
      // Fed by a pipe: the producer is the stage before `|`.
      const bar = lastIndexBefore(words, i, "|");
      if (bar < 0) return;
      const producerStart = lastIndexBefore(words, bar, "|") + 1;
      const producer = words.slice(producerStart, bar);
      const fetch = toolOf(producer[0]?.key ?? "");
      if (fetch === "curl" || fetch === "wget" || fetch === "iwr") {
        // A checksum file fetched straight into the check: its URL's words.
        for (const w of producer.slice(1))
          if (!w.key.startsWith("-")) this.fetched.push({ word: w, at: c.start });
      } else this.addProducer(producer, c.start, c);
      return;
    }
    // A file written first (`echo "SUM  FILE" > FILE.sha256`): the writes this read sees.
    const written = this.writers.get(fileKey(file.raw)) ?? [];
    const { seen } = reaching(written, c.start - 1, c.branch, false);
    if (seen.length === 0) this.lists.push({ file: fileKey(file.raw), at: c.start });
    for (const w of seen) this.addProducer(w.words, w.at, c);
  }

  /** `echo "SUM  FILE"` / `printf '%s  %s\n' SUM FILE` → a check of FILE against SUM. */
  private addProducer(all: Word[], at: number, reader: Command): void {
    // A workflow step written on one line (`- run: echo … | sha256sum -c -`): the YAML key first.
    let k = 0;
    while (k < Math.min(all.length, 2) && /^(?:-|[A-Za-z_][\w-]*:)$/.test((all[k] as Word).key))
      k++;
    const [cmd, ...rest] = k > 0 ? all.slice(k) : all;
    if (!cmd) return;
    const tool = toolOf(cmd.key);
    if (tool === "echo") {
      this.addCheckFrom(
        rest.filter((w) => !/^-[neE]+$/.test(w.key)),
        at,
        reader,
      );
    } else if (tool === "printf" && rest[0]) {
      const format = rest[0];
      if (format.key.includes("%s")) this.addCheckFrom(rest.slice(1), at, reader);
      else this.addCheckFrom([format], at, reader);
    }
  }

  /** The first two whitespace-separated parts of some words: the checksum and the file. */
  private addCheckFrom(words: Word[], at: number, reader: Command): void {
    const parts: { text: string; start: number; end: number }[] = [];
    for (const w of words) {
      for (const m of w.raw.matchAll(/[^\s"']+/g)) {
        const s = w.start + (m.index ?? 0);
        parts.push({ text: m[0], start: s, end: s + m[0].length });
        if (parts.length >= 2) break;
      }
      if (parts.length >= 2) break;
    }
    const [sum, file] = parts;
    // An expected value that is a command's output (`$(cat uv.sha256)`) is not read: the words
    // split inside it, so neither it nor the file is known.
    if (!sum || !file || !whole(sum.text) || !whole(file.text)) return;
    const name = file.text.replace(/^\*/, "").replace(/\\n$/, "");
    this.checks.push({
      sum,
      file: fileKey(name),
      at,
      readAt: reader.start,
      branch: reader.branch,
    });
  }

  /** `v=$(sha256sum F | …)` / `$h = (Get-FileHash F -Algorithm SHA256).Hash`: v holds F's sum. */
  private readComputation(c: Command, w: Word): void {
    const file =
      computedFile(w.raw) ??
      (/get-filehash/i.test(w.raw)
        ? computedFile(c.text.slice(w.start - c.start, w.start - c.start + MAX_HASH_ARGS))
        : null);
    if (file === null) return;
    this.computes.push({ file, at: c.start });
    const assign = c.assignments.filter((a) => a.at <= w.start).at(-1);
    if (assign)
      this.computed.set(this.index.fold(assign.name), { file, at: c.start, branch: c.branch });
  }

  /** `[ "$actual" = "$expected" ]`, `$hash -ne $expected`: one side a computed sum of a file. */
  private readComparison(c: Command, i: number): void {
    const left = c.words[i - 1];
    const right = c.words[i + 1];
    if (!left || !right) return;
    const here = { file: "", at: c.start, branch: c.branch };
    const fileOf = (w: Word): { file: string; at: number; branch: Branch | null } | null => {
      const direct = computedFile(w.raw);
      if (direct !== null) return { ...here, file: direct };
      if (/\.Hash\b/i.test(w.raw)) {
        // `(Get-FileHash $zip -Algorithm SHA256).Hash -ne …`: the group started words before.
        const end = w === left ? i - 1 : i + 1;
        for (let k = end; k >= Math.max(0, end - 8); k--) {
          const g = c.words[k] as Word;
          if (/get-filehash/i.test(g.raw)) {
            const file = computedFile(
              c.words
                .slice(k, end + 1)
                .map((x) => x.raw)
                .join(" "),
            );
            return file === null ? null : { ...here, file };
          }
        }
      }
      const v = /^\(*\$(?:env:)?\{?([A-Za-z_][A-Za-z0-9_]*)\}?/i.exec(unquote(w.raw));
      return v ? (this.computed.get(this.index.fold(v[1] as string)) ?? null) : null;
    };
    const sumOf = (w: Word) => {
      const cleaned = w.raw
        .replace(/^\(+/, "")
        .replace(/\)+$/, "")
        .replace(/\.(?:ToLower|ToUpper|ToLowerInvariant|ToUpperInvariant|Trim)\(\)/gi, "");
      return {
        text: cleaned,
        start: w.start + w.raw.indexOf(cleaned),
        end: w.start + w.raw.indexOf(cleaned) + cleaned.length,
      };
    };
    const lf = fileOf(left);
    const rf = fileOf(right);
    const add = (sum: Word, read: { file: string; at: number; branch: Branch | null }) =>
      this.checks.push({
        sum: sumOf(sum),
        file: read.file,
        at: c.start,
        readAt: read.at,
        branch: read.branch,
      });
    if (lf !== null && rf === null) add(right, lf);
    else if (rf !== null && lf === null) add(left, rf);
  }

  /** Chocolatey: `-Url64bit $url64 -Checksum64 $checksum64` or a packageArgs table. */
  private readChocolatey(c: Command): void {
    const found = this.chocolatey;
    const ws = c.words;
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k] as Word;
      const m = /^-?(url64bit|url64|url|checksum64|checksum)(=.+)?$/i.exec(w.key);
      if (!m) continue;
      const name = (m[1] as string).toLowerCase().replace("url64bit", "url64");
      let value: Word | undefined;
      if (m[2]) {
        const off = w.raw.indexOf("=") + 1;
        value = {
          raw: w.raw.slice(off),
          key: wordKey(w.raw.slice(off)),
          start: w.start + off,
          end: w.end,
        };
      } else if (ws[k + 1]?.key === "=") value = ws[k + 2];
      else if (w.key.startsWith("-")) value = ws[k + 1];
      if (value && !found.has(name)) found.set(name, value);
    }
  }

  /**
   * Pairs Chocolatey's `url64bit`/`checksum64` (and `url`/`checksum`) read anywhere in the
   * region: a download and its check, keyed by the pin, as if at the region's first command.
   */
  pairChocolatey(first: Command, downloads: Download[]): void {
    const found = this.chocolatey;
    for (const [u, s] of [
      ["url64", "checksum64"],
      ["url", "checksum"],
    ] as const) {
      const url = found.get(u);
      const sum = found.get(s);
      if (!url || !sum) continue;
      const pin = this.index.pinAt(url.start, url.key, url.end);
      if (!pin) continue;
      const key = `chocolatey:${u}:${pin.start}`;
      downloads.push({ pin, out: key, command: first });
      const cleaned = sum.raw.replace(/[;}]+$/, "");
      this.checks.push({
        sum: { text: cleaned, start: sum.start, end: sum.start + cleaned.length },
        file: key,
        at: first.start,
        readAt: first.start,
        branch: first.branch,
      });
    }
  }
}

/** Whether a part split at blanks is whole: its parentheses balance and it holds no backquote. */
function whole(part: string): boolean {
  let depth = 0;
  for (const ch of part) {
    if (ch === "`") return false;
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** The file whose sha256 a piece of text computes (`sha256sum F`, `Get-FileHash F`), or null. */
function computedFile(raw: string): string | null {
  const sum =
    /(?:^|[\s(`])(?:g?sha256sum|shasum[ \t]+(?:-a[ \t]*256|--algorithm[ =]256))((?:[ \t]+-[A-Za-z-]+)*)[ \t]+("[^"]*"|'[^']*'|[^\s|)`;]+)/.exec(
      raw,
    );
  if (sum && !/(?:^|\s)(?:-c|--check)\b/.test(sum[1] ?? "")) return fileKey(sum[2] as string);
  const ps = /get-filehash\b([^)|]*)/i.exec(raw);
  if (!ps) return null;
  const args = ps[1] as string;
  const algorithm = /-algorithm[ \t]+['"]?(\w+)/i.exec(args);
  if (algorithm && (algorithm[1] as string).toUpperCase() !== "SHA256") return null;
  const path = /-(?:literal)?path[ \t]+("[^"]*"|'[^']*'|\S+)/i.exec(args);
  if (path) return fileKey(path[1] as string);
  const positional = args
    .replace(/-algorithm[ \t]+\S+/i, "")
    .trim()
    .split(/\s+/)[0];
  return positional ? fileKey(positional) : null;
}
