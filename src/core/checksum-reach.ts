/**
 * Which writes of a file a read of it sees: walking back from the read, every write in a branch
 * the read is not inside of may or may not have run, so the walk goes on past it; the first
 * write that surely ran (and truncates the file) ends the walk. A read before every write (a
 * function defined before the download it checks) sees the first writes after it, the same way.
 * The walk is bounded: past MAX_REACH writes it stops and says so.
 */
import { chain } from "./checksum-types.js";
import type { Branch } from "./shell-flow.js";

export const MAX_REACH = 16;

export interface Write {
  at: number;
  branch: Branch | null;
  /** Appends (`>>`): the writes before it are still in the file. */
  appends?: boolean;
}

export interface Reach<T> {
  /** The writes seen, in text order. */
  seen: T[];
  /** More than MAX_REACH writes may be seen: `seen` is not all of them. */
  overflow: boolean;
}

/**
 * The writes in `writes` (in text order, by `at`) that a read at `readAt` in `branch` sees; with
 * `forward`, a read before every write sees the first writes after it.
 */
export function reaching<T extends Write>(
  writes: readonly T[],
  readAt: number,
  branch: Branch | null,
  forward: boolean,
): Reach<T> {
  const keys = new Set(chain(branch).map((b) => b.key));
  const surely = (w: T) => (w.branch === null || keys.has(w.branch.key)) && w.appends !== true;
  // The first write at or after the read: binary search.
  let lo = 0;
  let hi = writes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((writes[mid] as T).at <= readAt) lo = mid + 1;
    else hi = mid;
  }
  const seen: T[] = [];
  const backward = lo > 0;
  if (!backward && !forward) return { seen, overflow: false };
  for (let k = backward ? lo - 1 : 0; k >= 0 && k < writes.length; k += backward ? -1 : 1) {
    if (seen.length === MAX_REACH) return { seen: ordered(seen, backward), overflow: true };
    const w = writes[k] as T;
    seen.push(w);
    if (surely(w)) break;
  }
  return { seen: ordered(seen, backward), overflow: false };
}

function ordered<T>(seen: T[], backward: boolean): T[] {
  return backward ? seen.reverse() : seen;
}
