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
import type { LocatedPin } from "./checksum-types.js";
import type { Region } from "./commands.js";
import { MAX_NESTING, readFlow } from "./shell-flow.js";
import type { Pin } from "./types.js";

export type { LocatedPin } from "./checksum-types.js";

const CHECK_WORDS = /sha256sum|shasum|get-filehash|checksum/i;

export function tieChecksums(
  ctx: Parameters<typeof traceChecksums>[0],
  region: Region,
  located: LocatedPin[],
): LocatedPin[] {
  const sidecars: LocatedPin[] = [];
  const kept = joinSidecars(located, sidecars);
  if (ctx.ledger) for (const s of region.hidden) ctx.ledger.hidden.push(s);
  tieTo(ctx, region, kept, sidecars);
  return kept;
}

const SIDECAR = /(?:\.sha256|^sha256\.sum)$/;

/**
 * A checksum file downloaded next to an archive (`….tar.gz.sha256`, `sha256.sum`) from a URL whose
 * version is the archive's own version text is part of the archive's pin, not a pin of its own.
 */
function joinSidecars(located: LocatedPin[], joined: LocatedPin[]): LocatedPin[] {
  const sidecar = (p: Pin) => p.asset !== null && SIDECAR.test(p.asset);
  // The first archive pin by its version's place, and by its version's place and asset.
  const byVersion = new Map<string, LocatedPin>();
  const byAsset = new Map<string, LocatedPin>();
  for (const o of located) {
    const v = o.pin.spans.version;
    if (sidecar(o.pin) || !v) continue;
    const at = `${v.start}:${v.end}`;
    if (!byVersion.has(at)) byVersion.set(at, o);
    const key = `${at}:${o.pin.asset}`;
    if (!byAsset.has(key)) byAsset.set(key, o);
  }
  return located.filter((s) => {
    if (!sidecar(s.pin) || !s.pin.spans.version) return true;
    const v = s.pin.spans.version;
    const at = `${v.start}:${v.end}`;
    const owner =
      s.pin.asset === "sha256.sum"
        ? byVersion.get(at)
        : byAsset.get(`${at}:${(s.pin.asset as string).slice(0, -".sha256".length)}`);
    if (!owner || !s.pin.url) return true;
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
  traceChecksums(ctx, region, flow, located, sidecars);
}
