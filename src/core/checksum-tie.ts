/**
 * Tying: each check's checksums go to the downloads of the file it reads that reach it (see
 * `checksum-reach.ts`), each learning its asset from the download URL under the checksum's
 * branch. Doubt holds the pin with a reason. What each region saw goes to the file's ledger: a
 * 64-hex value or a check anywhere in the file that no check ties holds every uv download of the
 * file (`checksum-ledger.ts`: the update is blocked, never a checksum left stale).
 */

import { CheckReader } from "./checksum-checks.js";
import { downloadsOf } from "./checksum-downloads.js";
import { FlowIndex } from "./checksum-index.js";
import type { ChecksumLedger } from "./checksum-ledger.js";
import { MAX_REACH, reaching } from "./checksum-reach.js";
import { Resolver } from "./checksum-resolve.js";
import { baseName } from "./checksum-tools.js";
import type { Download, LocatedPin, Reached } from "./checksum-types.js";
import type { Region } from "./commands.js";
import { parseInstallerUrl } from "./matchers.js";
import type { FileContext } from "./pins.js";
import type { Flow } from "./shell-flow.js";
import type { Pin, PinChecksum, Span } from "./types.js";

/** The checksums tied to one pin, indexed by asset and by place. */
class Tied {
  readonly list: PinChecksum[] = [];
  readonly byAsset = new Map<string, { first: PinChecksum; digests: Set<string> }>();
  readonly byStart = new Map<number, Set<string>>();

  add(c: PinChecksum): void {
    this.list.push(c);
    const a = this.byAsset.get(c.asset);
    if (a) a.digests.add(c.digest);
    else this.byAsset.set(c.asset, { first: c, digests: new Set([c.digest]) });
    const s = this.byStart.get(c.span.start) ?? new Set<string>();
    s.add(c.asset);
    this.byStart.set(c.span.start, s);
  }
}

export function traceChecksums(
  ctx: FileContext,
  region: Region,
  flow: Flow,
  located: LocatedPin[],
  sidecars: LocatedPin[] = [],
  extra: readonly Download[] = [],
): void {
  const index = new FlowIndex(ctx, region, flow, located);
  const sidecarIndex = sidecars.length > 0 ? new FlowIndex(ctx, region, flow, sidecars) : null;
  const reader = new CheckReader(index);
  const downloads: Download[] = [];
  const ledger = ctx.ledger;
  for (const c of flow.commands) {
    downloads.push(...downloadsOf(c, index));
    if (sidecarIndex && ledger)
      for (const d of downloadsOf(c, sidecarIndex))
        if (d.out !== null) ledger.sidecarOuts.add(baseName(d.out));
    reader.read(c);
  }
  if (extra.length > 0) {
    // Downloads made outside the commands (a Dockerfile ADD), in text order with the others.
    for (const d of extra) downloads.push(d);
    downloads.sort((a, b) => a.command.start - b.command.start);
  }
  const [first] = flow.commands;
  if (first) reader.pairChocolatey(first, downloads);
  const resolver = new Resolver(ctx, region, index);
  const reached = reader.checks.map((c) => resolver.reach(c.sum, c.at));
  if (located.length > 0) new Tier(ctx, located, resolver).run(downloads, reader.checks, reached);
  if (ledger) record(ledger, flow, downloads, reader, reached);
  if (ledger && sidecarIndex) {
    // `curl URL.sha256 | sha256sum -c -`: a checksum file of the pin, read at build time.
    const ends = new Map<number, number>();
    for (const c of flow.commands) ends.set(c.start, c.end);
    for (const f of reader.fetched) {
      if (sidecarIndex.pinAt(f.word.start, f.word.key, f.word.end))
        ledger.accounted.push({ start: f.at, end: ends.get(f.at) ?? f.at });
    }
  }
}

/** What the file-wide rule needs to know of this region (see `checksum-ledger.ts`). */
function record(
  ledger: ChecksumLedger,
  flow: Flow,
  downloads: Download[],
  reader: CheckReader,
  reached: (Reached[] | null)[],
): void {
  const ends = new Map<number, number>();
  for (const c of flow.commands) ends.set(c.start, c.end);
  const command = (at: number): Span => ({ start: at, end: ends.get(at) ?? at });
  for (const d of downloads) {
    ledger.downloaded.add(d.pin.pin);
    if (d.out !== null) ledger.uvOuts.add(baseName(d.out));
  }
  reader.checks.forEach((check, i) => {
    ledger.checks.push({
      file: check.file,
      sums: reached[i]?.map((r) => r.span) ?? null,
      commands: [command(check.at), command(check.readAt)],
    });
  });
  for (const l of reader.lists) ledger.lists.push({ file: l.file, command: command(l.at) });
  for (const c of reader.computes) ledger.computes.push({ file: c.file, command: command(c.at) });
}

class Tier {
  constructor(
    private readonly ctx: FileContext,
    private readonly located: LocatedPin[],
    private readonly resolver: Resolver,
  ) {}

  run(downloads: Download[], checks: CheckReader["checks"], reachedBy: (Reached[] | null)[]): void {
    const tied = new Map<Pin, Tied>();
    const holds = new Map<Pin, string>();
    const byOut = new Map<
      string,
      (Download & { at: number; branch: Download["command"]["branch"] })[]
    >();
    for (const d of downloads) {
      if (d.out === null) continue;
      const entry = { ...d, at: d.command.start, branch: d.command.branch };
      const list = byOut.get(d.out);
      if (list) list.push(entry);
      else byOut.set(d.out, [entry]);
    }
    const overflowed = new Set<string>();
    checks.forEach((check, i) => {
      const reached = reachedBy[i] ?? null;
      const all = byOut.get(check.file) ?? [];
      // A check of another file: its checksums are that file's business (`checksum-ledger.ts`).
      if (all.length === 0) return;
      const { seen, overflow } = reaching(all, check.readAt, check.branch, true);
      if (overflow && !overflowed.has(check.file)) {
        overflowed.add(check.file);
        const why = `more than ${MAX_REACH} downloads of ${check.file} may be what the check at ${this.where(check.sum.start)} reads`;
        for (const d of all) holds.set(d.pin.pin, why);
      }
      for (const d of seen) {
        const list = tied.get(d.pin.pin) ?? new Tied();
        const problem = reached
          ? this.tieAll(d, reached, list)
          : `its checksum cannot be read: ${this.where(check.sum.start)}`;
        if (problem && !overflowed.has(check.file)) holds.set(d.pin.pin, problem);
        tied.set(d.pin.pin, list);
      }
    });
    for (const [pin, { list, byAsset }] of tied) {
      if (holds.has(pin) || list.length === 0 || pin.form === "url+checksum") continue;
      const first = list[0] as PinChecksum;
      pin.form = "url+checksum";
      pin.digest = first.digest;
      pin.spans.checksum = first.span;
      pin.spans.checksumPrefixed = first.prefixed;
      if (pin.skipReason) continue;
      pin.checksums = list;
      if (byAsset.size > 1 && pin.url) {
        // One URL, several assets: the asset is as written, resolved per checksum.
        pin.asset = pin.url.slice(pin.url.lastIndexOf("/") + 1);
        pin.resolvedUrl = null;
      }
    }
    for (const { pin } of this.located) {
      const why = holds.get(pin);
      if (why && pin.version !== null && !pin.hold) pin.hold = why;
    }
  }

  private where(at: number): string {
    return `${this.ctx.file}:${this.ctx.lines.lineOf(at)}`;
  }

  /** Ties every reached checksum to the download's asset under its branch; a reason on doubt. */
  private tieAll(d: Download, reached: Reached[], tied: Tied): string | null {
    const pin = d.pin.pin;
    for (const r of reached) {
      const url = this.resolver.urlUnder(d.pin, r);
      const where = this.where(r.span.start);
      const parts = url ? parseInstallerUrl(url) : null;
      if ((!url || !parts) && pin.skipReason && reached.length === 1) {
        // A pin that cannot move anyway: its checksum is reported as the asset written.
        tied.add(this.checksumAt(r, pin.asset ?? "", pin.url ?? ""));
        continue;
      }
      if (!url || !parts) {
        return `the checksum at ${where} cannot be tied to one uv asset (the download URL depends on something only known at build time)`;
      }
      const versionText = parts.versionText;
      if (pin.version !== null && versionText !== pin.version) {
        return `the checksum at ${where} checks a download of another version (${versionText ?? "latest"})`;
      }
      const checksum = this.checksumAt(r, parts.asset, url);
      const same = tied.byAsset.get(parts.asset);
      if (same && (same.digests.size > 1 || !same.digests.has(checksum.digest))) {
        return `two checksums (${where} and line ${same.first.line}) check ${parts.asset}`;
      }
      const here = tied.byStart.get(r.span.start);
      if (here && (here.size > 1 || !here.has(parts.asset))) {
        return `the checksum at ${where} is used for two assets`;
      }
      if (here) continue;
      tied.add(checksum);
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
}
