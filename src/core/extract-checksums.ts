/**
 * Checksums that guard a uv download, tied by the file's own data flow: the download writes a
 * file, a check reads that same file (`sha256sum -c` fed by `echo`/`printf`/a here-string/a file
 * written first, a comparison with `sha256sum`/`shasum -a 256`/`Get-FileHash` output, Chocolatey's
 * `checksum64`), and the expected value flows from a literal or a variable — per architecture when
 * it is chosen by `case`/`if` or read from an associative array. Each tied checksum learns the
 * asset it checks by evaluating the download URL under its branch. A 64-hex value next to the
 * download that cannot be tied this way holds the region's pins (the update is blocked, never a
 * checksum left stale).
 */
import type { Region } from "./commands.js";
import { type Definition, expand, type Lookup, PLACEHOLDER } from "./expand.js";
import { parseInstallerUrl } from "./matchers.js";
import type { FileContext } from "./pins.js";
import {
  type Assignment,
  type Branch,
  type Command,
  definitionOf,
  type Flow,
  readFlow,
  unquote,
  type Word,
  wordKey,
} from "./shell-flow.js";
import type { Pin, PinChecksum, Span } from "./types.js";

/** An installer pin with the range of its URL text. */
export interface LocatedPin {
  pin: Pin;
  start: number;
  end: number;
}

const HEX64 = /(?<![A-Za-z0-9])(?:sha256:)?[a-f0-9]{64}(?![A-Za-z0-9])/gi;
const HEX_VALUE = /^(?:sha256:)?[a-f0-9]{64}$/i;
const CHECK_WORDS = /sha256sum|shasum|get-filehash|checksum/i;
const MAX_DEPTH = 6;
/** How many words after a command name are read as its arguments. */
const MAX_ARGS = 64;

interface Download {
  pin: LocatedPin;
  /** Key of the file the download writes, or null (stdout piped on). */
  out: string | null;
  command: Command;
}

interface Check {
  /** The expected value as written: a word part's text and place. */
  sum: { text: string; start: number; end: number };
  /** Key of the file checked. */
  file: string;
  at: number;
}

/** A checksum reached from a check: where its text is and the bindings of its branch. */
interface Reached {
  span: Span;
  bindings: Map<string, Definition>;
  keys: string[];
  arch: string | null;
}

export function tieChecksums(
  ctx: FileContext,
  region: Region,
  located: LocatedPin[],
): LocatedPin[] {
  const kept = joinSidecars(located);
  tieTo(ctx, region, kept);
  return kept;
}

/**
 * A checksum file downloaded next to an archive (`….tar.gz.sha256`, `sha256.sum`) from a URL whose
 * version is the archive's own version text is part of the archive's pin, not a pin of its own.
 */
function joinSidecars(located: LocatedPin[]): LocatedPin[] {
  const sidecar = (p: Pin) => p.asset !== null && /(?:\.sha256|^sha256\.sum)$/.test(p.asset);
  return located.filter((s) => {
    if (!sidecar(s.pin) || !s.pin.spans.version) return true;
    const v = s.pin.spans.version;
    const owner = located.find(
      (o) =>
        !sidecar(o.pin) &&
        o.pin.spans.version?.start === v.start &&
        o.pin.spans.version.end === v.end &&
        (s.pin.asset === "sha256.sum" || s.pin.asset === `${o.pin.asset}.sha256`),
    );
    if (!owner || !s.pin.url) return true;
    owner.pin.sidecars = [...(owner.pin.sidecars ?? []), s.pin.url];
    return false;
  });
}

function tieTo(ctx: FileContext, region: Region, located: LocatedPin[]): void {
  const text = ctx.text;
  const slice = text.slice(region.start, region.end);
  if (located.length === 0 || !CHECK_WORDS.test(slice)) return;
  const blank = [...region.hidden, ...(region.drop ?? [])].filter(
    (s) => s.end > region.start && s.start < region.end,
  );
  const flow = readFlow(text, region.start, region.end, blank, region.powershell === true);
  const t = new Tracer(ctx, region, flow, located);
  t.run();
}

class Tracer {
  private readonly downloads: Download[] = [];
  private readonly checks: Check[] = [];
  /** Variables that hold a computed sha256 of a file: name → file key. */
  private readonly computed = new Map<string, string>();
  private readonly conditional = new Set<string>();
  private readonly chocolatey = new Map<string, Word>();

  /** Assignments by (folded) name, in order. */
  private readonly byName = new Map<string, Assignment[]>();
  /** Unconditional scalar assignments by their value's key (`$(uname -m)`), for branch subjects. */
  private byValue: Map<string, Assignment[]> | null = null;
  /** Commands that write a file with `>`/`>>`, by the file's key, with the words before it. */
  private readonly writers = new Map<string, { words: Word[]; at: number }[]>();

  constructor(
    private readonly ctx: FileContext,
    private readonly region: Region,
    private readonly flow: Flow,
    private readonly located: LocatedPin[],
  ) {
    for (const a of flow.assignments) {
      const key = this.fold(a.name);
      if (a.branch) this.conditional.add(key);
      const list = this.byName.get(key);
      if (list) list.push(a);
      else this.byName.set(key, [a]);
    }
  }

  private named(name: string): Assignment[] {
    return this.byName.get(this.fold(name)) ?? [];
  }

  private valued(key: string): Assignment[] {
    if (!this.byValue) {
      this.byValue = new Map();
      for (const a of this.flow.assignments) {
        if (a.branch || a.entries) continue;
        const v = wordKey(this.ctx.text.slice(a.value.start, a.value.end));
        const list = this.byValue.get(v);
        if (list) list.push(a);
        else this.byValue.set(v, [a]);
      }
    }
    return this.byValue.get(key) ?? [];
  }

  /** The located pin whose URL starts in [start, end): binary search (they are in text order). */
  private locatedIn(start: number, end: number): LocatedPin | null {
    let lo = 0;
    let hi = this.located.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.located[mid] as LocatedPin).start < start) lo = mid + 1;
      else hi = mid;
    }
    const found = this.located[lo];
    return found && found.start < end ? found : null;
  }

  private fold(name: string): string {
    return this.region.powershell ? name.toLowerCase() : name;
  }

  run(): void {
    for (const c of this.flow.commands) this.readCommand(c);
    if (this.flow.commands.length) this.pairChocolatey();
    const tied = new Map<Pin, PinChecksum[]>();
    const used = new Set<number>();
    const holds = new Map<Pin, string>();
    const byOut = new Map<string, Download[]>();
    for (const d of this.downloads) {
      if (d.out === null) continue;
      const list = byOut.get(d.out);
      if (list) list.push(d);
      else byOut.set(d.out, [d]);
    }
    for (const check of this.checks) {
      const reached = this.resolve(check.sum.text, check.sum.start, check.sum.end, check.at, 0);
      const targets = byOut.get(check.file) ?? [];
      if (targets.length === 0) {
        // A check of another file: its checksums are that file's business.
        if (reached) for (const r of reached) used.add(r.span.start);
        continue;
      }
      for (const d of targets) {
        const list = tied.get(d.pin.pin) ?? [];
        const problem = reached
          ? this.tieAll(d, reached, list)
          : `its checksum cannot be read: ${this.where(check.sum.start)}`;
        if (problem) holds.set(d.pin.pin, problem);
        else for (const r of reached ?? []) used.add(r.span.start);
        tied.set(d.pin.pin, list);
      }
    }
    for (const [pin, list] of tied) {
      if (holds.has(pin) || list.length === 0 || pin.form === "url+checksum") continue;
      const first = list[0] as PinChecksum;
      pin.form = "url+checksum";
      pin.digest = first.digest;
      pin.spans.checksum = first.span;
      pin.spans.checksumPrefixed = first.prefixed;
      if (pin.skipReason) continue;
      pin.checksums = list;
      if (new Set(list.map((c) => c.asset)).size > 1 && pin.url) {
        // One URL, several assets: the asset is as written, resolved per checksum.
        pin.asset = pin.url.slice(pin.url.lastIndexOf("/") + 1);
        pin.resolvedUrl = null;
      }
    }
    for (const pin of this.located.map((l) => l.pin))
      for (const c of pin.checksums ?? []) used.add(c.span.start);
    const untied = this.candidates().filter((s) => !used.has(s.start));
    const [first] = untied;
    for (const { pin } of this.located) {
      const why =
        holds.get(pin) ??
        (first
          ? `a sha256 checksum next to this download cannot be tied to one uv asset (${this.where(first.start)}); update it by hand`
          : null);
      if (why && pin.version !== null && !pin.hold) pin.hold = why;
    }
  }

  private where(at: number): string {
    return `${this.ctx.file}:${this.ctx.lines.lineOf(at)}`;
  }

  /** Ties every reached checksum to the download's asset under its branch; a reason on doubt. */
  private tieAll(d: Download, reached: Reached[], list: PinChecksum[]): string | null {
    for (const r of reached) {
      const url = this.urlUnder(d.pin, r);
      const where = this.where(r.span.start);
      const parts = url ? parseInstallerUrl(url) : null;
      if ((!url || !parts) && d.pin.pin.skipReason && reached.length === 1) {
        // A pin that cannot move anyway: its checksum is reported as the asset written.
        list.push(this.checksumAt(r, d.pin.pin.asset ?? "", d.pin.pin.url ?? ""));
        continue;
      }
      if (!url || !parts) {
        return `the checksum at ${where} cannot be tied to one uv asset (the download URL depends on something only known at build time)`;
      }
      const versionText = parts.versionText;
      if (d.pin.pin.version !== null && versionText !== d.pin.pin.version) {
        return `the checksum at ${where} checks a download of another version (${versionText ?? "latest"})`;
      }
      const { digest } = this.checksumAt(r, parts.asset, url);
      if (list.some((c) => c.asset === parts.asset && c.digest !== digest)) {
        return `two checksums (${where} and line ${list.find((c) => c.asset === parts.asset)?.line}) check ${parts.asset}`;
      }
      if (list.some((c) => c.span.start === r.span.start && c.asset !== parts.asset)) {
        return `the checksum at ${where} is used for two assets`;
      }
      if (list.some((c) => c.span.start === r.span.start)) continue;
      list.push(this.checksumAt(r, parts.asset, url));
    }
    return null;
  }

  private checksumAt(r: Reached, asset: string, url: string): PinChecksum {
    const value = this.ctx.text.slice(r.span.start, r.span.end);
    const prefixed = /^sha256:/i.test(value);
    return {
      digest: `sha256:${(prefixed ? value.slice(7) : value).toLowerCase()}`,
      line: this.ctx.lines.lineOf(r.span.start),
      span: r.span,
      prefixed,
      asset,
      url,
      arch: r.arch,
    };
  }

  /** The download URL as it reads under a checksum's branch, or null when it is not certain. */
  private urlUnder(d: LocatedPin, r: Reached): string | null {
    const lookup: Lookup = (name, at) => {
      const bound = r.bindings.get(this.fold(name));
      if (bound) return bound;
      const own = this.named(name).filter((a) => a.branch && r.keys.includes(a.branch.key));
      if (own.length === 1) return definitionOf(name, (own[0] as Assignment).value, this.ctx.lines);
      if (own.length > 1 || this.conditional.has(this.fold(name))) return null;
      return this.region.lookup(name, at);
    };
    const exp = expand(this.ctx.text, d.start, d.end, {
      lookup,
      escapeChar: this.region.escapeChar,
      drop: this.region.drop,
    });
    return exp.value.includes(PLACEHOLDER) ? null : exp.value;
  }

  /**
   * Every checksum an expression can hold, with the branch it is chosen in; null when some value
   * it can take is not a literal checksum this file writes.
   */
  private resolve(
    raw: string,
    start: number,
    end: number,
    at: number,
    depth: number,
    keys: string[] = [],
    bindings = new Map<string, Definition>(),
  ): Reached[] | null {
    if (depth > MAX_DEPTH) return null;
    const value = unquote(raw).trim();
    if (HEX_VALUE.test(value)) {
      const offset = this.ctx.text.indexOf(value, start);
      if (offset < 0 || offset >= end) return null;
      return [
        {
          span: { start: offset, end: offset + value.length },
          bindings,
          keys,
          arch: archOf(keys),
        },
      ];
    }
    const arr = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\[(.+)\]\}$/.exec(value);
    if (arr)
      return this.resolveArray(arr[1] as string, arr[2] as string, at, depth, keys, bindings);
    const m =
      /^\$\$?(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|(?:env:)?([A-Za-z_][A-Za-z0-9_]*))$/i.exec(
        value,
      );
    if (!m) return null;
    const name = (m[1] ?? m[2] ?? m[3]) as string;
    const bound = bindings.get(this.fold(name));
    const assigned = this.named(name).filter((a) => a.entries === null);
    const inBranch = assigned.filter(
      (a) => a.branch && (keys.length === 0 || keys.includes(a.branch.key)),
    );
    if (bound) return this.resolveDefinition(bound, depth, keys, bindings);
    if (inBranch.length > 0) {
      const out: Reached[] = [];
      for (const a of inBranch) {
        const b = a.branch as Branch;
        const nextKeys = keys.length ? keys : branchKeys(b);
        const nextBindings = new Map(bindings);
        for (const x of chain(b)) {
          if (x.subject && x.pattern && /^[A-Za-z_]\w*$/.test(x.subject))
            nextBindings.set(
              this.fold(x.subject),
              definitionOf(x.subject, x.pattern.span, this.ctx.lines),
            );
          if (x.subject && x.pattern) this.bindBySubject(x, nextBindings);
        }
        const got = this.resolve(
          this.ctx.text.slice(a.value.start, a.value.end),
          a.value.start,
          a.value.end,
          a.at,
          depth + 1,
          nextKeys,
          nextBindings,
        );
        if (!got) return null;
        out.push(...got);
      }
      return out;
    }
    const plain = assigned.filter((a) => !a.branch);
    const before = plain.filter((a) => a.at < at).at(-1) ?? plain[0];
    if (before) {
      const def = definitionOf(name, before.value, this.ctx.lines);
      return this.resolveDefinition(def, depth, keys, bindings);
    }
    const def = this.region.lookup(name, at);
    if (!def) return null;
    return this.resolveDefinition(def, depth, keys, bindings);
  }

  private resolveDefinition(
    def: Definition,
    depth: number,
    keys: string[],
    bindings: Map<string, Definition>,
  ): Reached[] | null {
    const v = this.ctx.text.slice(def.start, def.end);
    return this.resolve(v, def.start, def.end, def.start, depth + 1, keys, bindings);
  }

  /** `${sums[$arch]}`: one checksum per entry, with the key bound to what the subscript names. */
  private resolveArray(
    name: string,
    subscript: string,
    at: number,
    depth: number,
    keys: string[],
    bindings: Map<string, Definition>,
  ): Reached[] | null {
    const arrays = this.named(name).filter((a) => a.entries !== null && !a.branch);
    const entries = arrays.flatMap((a) => a.entries ?? []);
    if (entries.length === 0 || arrays.some((a) => a.at > at)) return null;
    const sub = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(unquote(subscript));
    const out: Reached[] = [];
    // Variables assigned the same command as the subscript (`arch=$(uname -m)`) take the key too.
    const alike = sub ? [] : this.valued(wordKey(subscript));
    for (const e of entries) {
      const next = new Map(bindings);
      const def = definitionOf(e.key, e.keySpan, this.ctx.lines);
      if (sub) next.set(this.fold(sub[1] as string), def);
      for (const a of alike) next.set(this.fold(a.name), def);
      const got = this.resolve(
        this.ctx.text.slice(e.value.start, e.value.end),
        e.value.start,
        e.value.end,
        e.value.start,
        depth + 1,
        [...keys, `${name}[${e.key}]`],
        next,
      );
      if (!got) return null;
      for (const g of got) g.arch = e.key;
      out.push(...got);
    }
    return out;
  }

  /** A branch on `$(uname -m)`: variables assigned `$(uname -m)` read as its pattern there. */
  private bindBySubject(b: Branch, bindings: Map<string, Definition>): void {
    if (!b.subject || !b.pattern) return;
    for (const a of [...this.valued(b.subject), ...this.valued(`$${b.subject}`)])
      bindings.set(this.fold(a.name), definitionOf(a.name, b.pattern.span, this.ctx.lines));
  }

  /** 64-hex values next to the downloads: literal in the region, or held by a variable used there. */
  private candidates(): Span[] {
    const { text } = this.ctx;
    const out: Span[] = [];
    const blank = [...this.region.hidden, ...(this.region.drop ?? [])].sort(
      (a, b) => a.start - b.start,
    );
    const slice = text.slice(this.region.start, this.region.end);
    let hex = blankCursor(blank);
    for (const m of slice.matchAll(HEX64)) {
      const at = this.region.start + (m.index ?? 0);
      if (hex(at) || text[at - 1] === "@" || text[at - 1] === ":") continue;
      out.push({ start: at, end: at + m[0].length });
    }
    hex = blankCursor(blank);
    for (const m of slice.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const at = this.region.start + (m.index ?? 0);
      if (hex(at)) continue;
      const def = this.region.lookup(m[1] as string, at);
      if (!def || (def.start >= this.region.start && def.end <= this.region.end)) continue;
      if (HEX_VALUE.test(text.slice(def.start, def.end)))
        out.push({ start: def.start, end: def.end });
    }
    return out;
  }

  private readCommand(c: Command): void {
    const words = c.words;
    const redirect = words.findIndex((w) => w.key === ">" || w.key === ">>");
    const target = words[redirect + 1];
    if (redirect > 0 && redirect <= MAX_ARGS && target) {
      const key = fileKey(target.raw);
      const list = this.writers.get(key) ?? [];
      list.push({ words: words.slice(0, redirect), at: c.start });
      this.writers.set(key, list);
    }
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as Word;
      const tool = toolOf(w.key);
      if (tool === "curl" || tool === "wget" || tool === "iwr") this.readDownload(c, i, tool);
      if (tool === "sha256sum" || tool === "shasum") this.readSumCommand(c, i);
      if (/^-(?:[ic])?(?:eq|ne)$/i.test(w.key) || w.key === "=" || w.key === "==" || w.key === "!=")
        this.readComparison(c, i);
    }
    for (const w of words) this.readComputation(c, w);
    this.readChocolatey(c);
    const dl = /\.DownloadFile\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)/.exec(c.text);
    if (dl) {
      const urlAt = c.start + (dl.index ?? 0) + dl[0].indexOf(dl[1] as string);
      const pin = this.pinAt(urlAt, wordKey(dl[1] as string));
      if (pin) this.downloads.push({ pin, out: fileKey(dl[2] as string), command: c });
    }
  }

  /** The located pin a URL word stands for: the URL written there, or the variable holding it. */
  private pinAt(at: number, key: string, end = at + key.length): LocatedPin | null {
    const here = this.locatedIn(at, end);
    if (here) return here;
    const m = /^\$(?:env:)?\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/i.exec(key);
    if (!m) return null;
    const name = m[1] as string;
    const plain = this.named(name).filter((a) => !a.branch && a.entries === null);
    const own = plain.filter((a) => a.at < at).at(-1);
    const span = own?.value ?? this.region.lookup(name, at) ?? null;
    if (!span) return null;
    return this.locatedIn(span.start, span.end);
  }

  private readDownload(c: Command, i: number, tool: "curl" | "wget" | "iwr"): void {
    const words = c.words;
    let url: Word | null = null;
    let out: string | null = null;
    let remote = tool === "wget";
    let stdout = false;
    let j = i + 1;
    const stop = Math.min(words.length, i + MAX_ARGS);
    for (; j < stop; j++) {
      const w = words[j] as Word;
      const k = w.key;
      const next = words[j + 1];
      if (k === "|" || k === "&" || k === ";") break;
      if (tool === "iwr") {
        if (/^-outfile$/i.test(k) && next) {
          out = fileKey(next.raw);
          j++;
        } else if (/^-(?:uri|source)$/i.test(k) && next) {
          url = next;
          j++;
        } else if (/^-[A-Za-z]+$/.test(k) && next && !next.key.startsWith("-")) {
          if (!/^-(?:usebasicparsing|passthru)$/i.test(k)) j++;
        } else if (!k.startsWith("-") && !url) url = w;
        continue;
      }
      if (k === ">" && next) {
        out = fileKey(next.raw);
        j++;
      } else if (k.startsWith(">") && k.length > 1) out = fileKey(k.slice(1));
      else if (tool === "curl" && (k === "-o" || k === "--output") && next) {
        out = fileKey(next.raw);
        j++;
      } else if (tool === "curl" && /^--output=/.test(k)) out = fileKey(k.slice(9));
      else if (tool === "curl" && /^-[A-Za-z]*o$/.test(k) && next) {
        out = fileKey(next.raw);
        j++;
      } else if (tool === "curl" && (/^-[A-Za-z]*O[A-Za-z]*$/.test(k) || k === "--remote-name"))
        remote = true;
      else if (tool === "wget" && /^-[A-Za-z]*O$/.test(k) && next) {
        if (next.key === "-") stdout = true;
        else out = fileKey(next.raw);
        j++;
      } else if (tool === "wget" && /^-[A-Za-z]*O-$/.test(k)) stdout = true;
      else if (tool === "wget" && /^--output-document=/.test(k)) {
        const v = k.slice(18);
        if (v === "-") stdout = true;
        else out = fileKey(v);
      } else if (ARG_FLAGS.has(k) && next) j++;
      else if (!k.startsWith("-") && !url) url = w;
    }
    if (!url) return;
    const pin = this.pinAt(url.start, url.key, url.end);
    if (!pin) return;
    if (out === null && !stdout && remote) out = baseName(url.key);
    if (out === null && words[j]?.key === "|") {
      // `curl … | tee FILE`
      const tee = words[j + 1];
      const file = words[j + 2];
      if (tee && toolOf(tee.key) === "tee" && file) out = fileKey(file.raw);
    }
    this.downloads.push({ pin, out, command: c });
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
    if (!sha256 || !check) return;
    if (here) {
      this.addCheckFrom([here], c.start);
      return;
    }
    const file = args.find((a) => a.key !== "-");
    if (!file) {
      // Fed by a pipe: the producer is the stage before `|`.
      const bar = lastIndexBefore(words, i, "|");
      if (bar < 0) return;
      const producerStart = lastIndexBefore(words, bar, "|") + 1;
      this.addProducer(words.slice(producerStart, bar), c.start);
      return;
    }
    // A file written first: `echo "SUM  FILE" > FILE.sha256`.
    for (const w of this.writers.get(fileKey(file.raw)) ?? []) {
      if (w.at < c.start) this.addProducer(w.words, w.at);
    }
  }

  /** `echo "SUM  FILE"` / `printf '%s  %s\n' SUM FILE` → a check of FILE against SUM. */
  private addProducer(words: Word[], at: number): void {
    const [cmd, ...rest] = words;
    if (!cmd) return;
    const tool = toolOf(cmd.key);
    if (tool === "echo") {
      this.addCheckFrom(
        rest.filter((w) => !/^-[neE]+$/.test(w.key)),
        at,
      );
    } else if (tool === "printf" && rest[0]) {
      const format = rest[0];
      if (format.key.includes("%s")) this.addCheckFrom(rest.slice(1), at);
      else this.addCheckFrom([format], at);
    }
  }

  /** The first two whitespace-separated parts of some words: the checksum and the file. */
  private addCheckFrom(words: Word[], at: number): void {
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
    if (!sum || !file) return;
    const name = file.text.replace(/^\*/, "").replace(/\\n$/, "");
    this.checks.push({ sum, file: fileKey(name), at });
  }

  /** `v=$(sha256sum F | …)` / `$h = (Get-FileHash F -Algorithm SHA256).Hash`: v holds F's sum. */
  private readComputation(c: Command, w: Word): void {
    const file =
      computedFile(w.raw) ??
      (/get-filehash/i.test(w.raw) ? computedFile(c.text.slice(w.start - c.start)) : null);
    if (file === null) return;
    const assign = c.assignments.filter((a) => a.at <= w.start).at(-1);
    if (assign) this.computed.set(this.fold(assign.name), file);
  }

  /** `[ "$actual" = "$expected" ]`, `$hash -ne $expected`: one side a computed sum of a file. */
  private readComparison(c: Command, i: number): void {
    const left = c.words[i - 1];
    const right = c.words[i + 1];
    if (!left || !right) return;
    const fileOf = (w: Word): string | null => {
      const direct = computedFile(w.raw);
      if (direct !== null) return direct;
      if (/\.Hash\b/i.test(w.raw)) {
        // `(Get-FileHash $zip -Algorithm SHA256).Hash -ne …`: the group started words before.
        const end = w === left ? i - 1 : i + 1;
        for (let k = end; k >= Math.max(0, end - 8); k--) {
          const g = c.words[k] as Word;
          if (/get-filehash/i.test(g.raw)) {
            return computedFile(
              c.words
                .slice(k, end + 1)
                .map((x) => x.raw)
                .join(" "),
            );
          }
        }
      }
      const v = /^\(*\$(?:env:)?\{?([A-Za-z_][A-Za-z0-9_]*)\}?/i.exec(unquote(w.raw));
      return v ? (this.computed.get(this.fold(v[1] as string)) ?? null) : null;
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
    if (lf !== null && rf === null) this.checks.push({ sum: sumOf(right), file: lf, at: c.start });
    else if (rf !== null && lf === null)
      this.checks.push({ sum: sumOf(left), file: rf, at: c.start });
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

  /** Pairs Chocolatey's `url64bit`/`checksum64` (and `url`/`checksum`) read anywhere in the region. */
  private pairChocolatey(): void {
    const found = this.chocolatey;
    const c = this.flow.commands[0] as Command;
    for (const [u, s] of [
      ["url64", "checksum64"],
      ["url", "checksum"],
    ] as const) {
      const url = found.get(u);
      const sum = found.get(s);
      if (!url || !sum) continue;
      const pin = this.pinAt(url.start, url.key, url.end);
      if (!pin) continue;
      const key = `chocolatey:${u}:${pin.start}`;
      this.downloads.push({ pin, out: key, command: c });
      const cleaned = sum.raw.replace(/[;}]+$/, "");
      this.checks.push({
        sum: { text: cleaned, start: sum.start, end: sum.start + cleaned.length },
        file: key,
        at: c.start,
      });
    }
  }
}

/** Flags of curl and wget that take a value. */
const ARG_FLAGS = new Set([
  "-H",
  "--header",
  "-A",
  "--user-agent",
  "-u",
  "--user",
  "-d",
  "--data",
  "-w",
  "--write-out",
  "-e",
  "--referer",
  "-x",
  "--proxy",
  "-m",
  "--max-time",
  "--retry",
  "--retry-delay",
  "--retry-max-time",
  "--connect-timeout",
  "--proto",
  "--proto-redir",
  "--tlsv1.2",
  "-P",
  "--directory-prefix",
  "-t",
  "--tries",
  "-T",
  "--timeout",
]);

function toolOf(key: string): string | null {
  const base = baseName(key).toLowerCase();
  if (base === "curl" || base === "curl.exe") return "curl";
  if (base === "wget") return "wget";
  if (["invoke-webrequest", "iwr", "invoke-restmethod", "irm", "start-bitstransfer"].includes(base))
    return "iwr";
  if (base === "sha256sum" || base === "gsha256sum") return "sha256sum";
  if (base === "shasum") return "shasum";
  if (base === "echo" || base === "printf" || base === "tee") return base;
  return null;
}

function baseName(key: string): string {
  const noQuery = key.split("?")[0] as string;
  return noQuery.slice(noQuery.lastIndexOf("/") + 1);
}

/** A file as a key two mentions can be compared by. */
function fileKey(raw: string): string {
  return wordKey(raw).replace(/^\.\//, "");
}

function lastIndexBefore(words: Word[], before: number, key: string): number {
  for (let k = before - 1; k >= Math.max(0, before - MAX_ARGS); k--)
    if ((words[k] as Word).key === key) return k;
  return -1;
}

/** Whether offsets, asked in increasing order, fall inside sorted spans: one pass over both. */
function blankCursor(spans: readonly Span[]): (at: number) => boolean {
  let k = 0;
  return (at) => {
    while (k < spans.length && (spans[k] as Span).end <= at) k++;
    const s = spans[k];
    return s !== undefined && s.start <= at;
  };
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

function branchKeys(b: Branch): string[] {
  return chain(b).map((x) => x.key);
}

function chain(b: Branch | null): Branch[] {
  const out: Branch[] = [];
  for (let x = b; x; x = x.parent) out.push(x);
  return out;
}

/** The architecture a branch chooses, as its pattern is written. */
function archOf(keys: string[]): string | null {
  for (const k of keys) {
    const eq = k.lastIndexOf("=");
    if (eq >= 0 && !k.slice(eq + 1).startsWith("#")) return k.slice(eq + 1);
  }
  return null;
}
