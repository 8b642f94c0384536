/**
 * Checksums that guard a uv download, tied by the file's own data flow: the download writes a
 * file, a check reads that same file (`sha256sum -c` fed by `echo`/`printf`/a here-string/a file
 * written first, a comparison with `sha256sum`/`shasum -a 256`/`Get-FileHash` output, Chocolatey's
 * `checksum64`), and the expected value flows from a literal or a variable — per architecture when
 * it is chosen by `case`/`if` or read from an associative array. Each tied checksum learns the
 * asset it checks by evaluating the download URL under its branch. A 64-hex value next to the
 * download that cannot be tied this way holds the region's pins (the update is blocked, never a
 * checksum left stale).
 *
 * The parts: `shell-flow.ts` reads the region as commands; `checksum-downloads.ts` finds the
 * downloads, `checksum-checks.ts` the checks, `checksum-resolve.ts` the checksums a check can
 * hold per architecture, `checksum-tie.ts` ties them. Every step is linear in the region's size.
 */

import { traceChecksums } from "./checksum-tie.js";
import type { Download, LocatedPin } from "./checksum-types.js";
import type { Region } from "./commands.js";
import { MAX_NESTING, readFlow } from "./shell-flow.js";
import type { Pin, Span } from "./types.js";

export type { LocatedPin } from "./checksum-types.js";

const CHECK_WORDS = /sha256sum|shasum|get-filehash|checksum/i;

export function tieChecksums(
  ctx: Parameters<typeof traceChecksums>[0],
  region: Region,
  located: LocatedPin[],
  extra: Download[] = [],
): LocatedPin[] {
  const sidecars: LocatedPin[] = [];
  const kept = located.length === 0 ? [] : joinSidecars(located, sidecars);
  if (ctx.ledger) for (const s of region.hidden) ctx.ledger.hidden.push(s);
  tieTo(ctx, region, kept, sidecars, extra);
  return kept;
}

const SIDECAR = /(?:\.sha256|^sha256\.sum)$/;

/**
 * A checksum file downloaded next to an archive (`….tar.gz.sha256`, `sha256.sum`) is part of the
 * archive's pin, not a pin of its own: when its URL reads the archive's own version text, or when
 * it writes the same version itself (`…/0.9.17/x.tar.gz` and `…/0.9.17/x.tar.gz.sha256`), whose
 * text then moves with the archive's version (`spans.sidecarVersions`).
 */
function joinSidecars(located: LocatedPin[], joined: LocatedPin[]): LocatedPin[] {
  const sidecar = (p: Pin) => p.asset !== null && SIDECAR.test(p.asset);
  // Without a checksum file, every pin is kept (and nothing is read for them).
  if (!located.some((o) => sidecar(o.pin))) return [...located];
  const place = (s: Span) => `${s.start}:${s.end}`;
  const dirOf = (url: string) => url.slice(0, url.lastIndexOf("/") + 1);
  // The first archive pin by its version's place (and asset), and by its resolved URL's directory
  // (and asset).
  const byVersion = new Map<string, LocatedPin>();
  const byAsset = new Map<string, LocatedPin>();
  const byDir = new Map<string, LocatedPin>();
  const byUrl = new Map<string, LocatedPin>();
  for (const o of located) {
    const v = o.pin.spans.version;
    if (sidecar(o.pin) || !v) continue;
    const at = place(v);
    if (!byVersion.has(at)) byVersion.set(at, o);
    const key = `${at}:${o.pin.asset}`;
    if (!byAsset.has(key)) byAsset.set(key, o);
    const url = o.pin.resolvedUrl;
    if (url && o.pin.version !== null && !o.pin.skipReason) {
      if (!byDir.has(dirOf(url))) byDir.set(dirOf(url), o);
      if (!byUrl.has(url)) byUrl.set(url, o);
    }
  }
  // The archive read last before a place, by directory: a `sha256.sum` checks the one before it.
  const lastInDir = new Map<string, LocatedPin>();
  return located.filter((s) => {
    const url = s.pin.resolvedUrl;
    if (!sidecar(s.pin) && url && s.pin.version !== null && !s.pin.skipReason)
      lastInDir.set(dirOf(url), s);
    if (!sidecar(s.pin) || !s.pin.spans.version || !s.pin.url) return true;
    const v = s.pin.spans.version;
    const sum = s.pin.asset === "sha256.sum";
    const archive = sum ? "" : (s.pin.asset as string).slice(0, -".sha256".length);
    let owner = sum ? byVersion.get(place(v)) : byAsset.get(`${place(v)}:${archive}`);
    if (!owner) {
      // Its own version text: the same version, the same directory (and the archive's name).
      if (!url || s.pin.skipReason || s.pin.version === null) return true;
      owner = sum
        ? (lastInDir.get(dirOf(url)) ?? byDir.get(dirOf(url)))
        : byUrl.get(url.slice(0, -".sha256".length));
      if (!owner || owner.pin.version !== s.pin.version) return true;
      const own = owner.pin.spans.version as Span;
      if (place(own) !== place(v)) {
        const list = owner.pin.spans.sidecarVersions ?? [];
        if (!list.some((x) => place(x) === place(v))) list.push(v);
        owner.pin.spans.sidecarVersions = list;
      }
    }
    owner.pin.sidecars = [...(owner.pin.sidecars ?? []), s.pin.url];
    joined.push(s);
    return false;
  });
}

function tieTo(
  ctx: Parameters<typeof traceChecksums>[0],
  region: Region,
  located: LocatedPin[],
  sidecars: LocatedPin[],
  extra: Download[],
): void {
  const text = ctx.text;
  const slice = text.slice(region.start, region.end);
  // Without a uv download here, the checks are still read: the file-wide rule wants to know
  // which checks are about other files.
  if ((located.length === 0 && !ctx.ledger) || !CHECK_WORDS.test(slice)) return;
  const blank = [...region.hidden, ...(region.drop ?? [])].filter(
    (s) => s.end > region.start && s.start < region.end,
  );
  const flow = readFlow(text, region.start, region.end, blank, region.powershell === true);
  if (flow.tooDeep) {
    const why = `its checksums cannot be traced: \`case\`/\`if\` nest deeper than ${MAX_NESTING} levels in this file`;
    for (const { pin } of located) if (pin.version !== null && !pin.hold) pin.hold = why;
    return;
  }
  traceChecksums(ctx, region, flow, located, sidecars, extra);
}
