/**
 * Lookups over lists of spans (comments, dropped line continuations) in O(log n) or O(1), so that
 * asking "is this offset hidden?" or "does a drop start here?" once per character or per match
 * stays linear in the file. Each index is built once per list and kept while the list keeps its
 * length: lists are built and then only appended to, never edited in place.
 */
import type { Span } from "./types.js";

/** Below this many spans a plain loop is cheaper than building an index. */
const SMALL = 8;

interface Sorted {
  length: number;
  /** The spans by start. */
  spans: Span[];
  /** `reach[i]`: the largest end among `spans[0..i]`. */
  reach: number[];
  /** Spans by start offset (the first one listed, as `Array.find` would give). */
  byStart: Map<number, Span>;
}

const INDEX = new WeakMap<readonly Span[], Sorted>();

function sorted(list: readonly Span[]): Sorted {
  let index = INDEX.get(list);
  if (index && index.length === list.length) return index;
  const spans = [...list].sort((a, b) => a.start - b.start);
  const reach: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    max = Math.max(max, s.end);
    reach.push(max);
  }
  const byStart = new Map<number, Span>();
  for (const s of list) if (!byStart.has(s.start)) byStart.set(s.start, s);
  index = { length: list.length, spans, reach, byStart };
  INDEX.set(list, index);
  return index;
}

/** The number of spans (in start order) that start at or before `offset`. */
function countStartingBy(spans: readonly Span[], offset: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[mid] as Span).start <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether some span holds `offset` (`start <= offset < end`). */
export function insideAny(list: readonly Span[], offset: number): boolean {
  if (list.length <= SMALL) {
    for (const s of list) if (s.start <= offset && offset < s.end) return true;
    return false;
  }
  const { spans, reach } = sorted(list);
  const n = countStartingBy(spans, offset);
  return n > 0 && (reach[n - 1] as number) > offset;
}

/** The first listed span that starts at `offset` (what `list.find((d) => d.start === offset)` gives). */
export function spanStartingAt(list: readonly Span[], offset: number): Span | undefined {
  if (list.length === 0) return undefined;
  if (list.length <= SMALL) {
    for (const d of list) if (d.start === offset) return d;
    return undefined;
  }
  return sorted(list).byStart.get(offset);
}

/** The smallest start at or after `offset` among the spans (Infinity when none). */
export function nextStart(list: readonly Span[], offset: number): number {
  if (list.length <= SMALL) {
    let min = Number.POSITIVE_INFINITY;
    for (const s of list) if (s.start >= offset && s.start < min) min = s.start;
    return min;
  }
  const { spans } = sorted(list);
  const k = countStartingBy(spans, offset - 1);
  return k < spans.length ? (spans[k] as Span).start : Number.POSITIVE_INFINITY;
}

/** Whether some span starts in `[start, end)`. */
export function anyStartingIn(list: readonly Span[], start: number, end: number): boolean {
  if (list.length <= SMALL) {
    for (const s of list) if (s.start >= start && s.start < end) return true;
    return false;
  }
  const { spans } = sorted(list);
  return countStartingBy(spans, end - 1) > countStartingBy(spans, start - 1);
}

/**
 * The spans in start order, and the index of the first one that ends after `offset`: every span
 * before it ends at or before `offset`.
 */
export function endingAfter(
  list: readonly Span[],
  offset: number,
): { spans: readonly Span[]; from: number } {
  const { spans, reach } = sorted(list);
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((reach[mid] as number) > offset) hi = mid;
    else lo = mid + 1;
  }
  return { spans, from: lo };
}

/** The spans that lie within `range`, in start order (one binary search, then the ones inside). */
export function spansWithin(list: readonly Span[], range: Span): Span[] {
  if (list.length === 0) return [];
  const spans =
    list.length <= SMALL ? [...list].sort((a, b) => a.start - b.start) : sorted(list).spans;
  const out: Span[] = [];
  for (let k = countStartingBy(spans, range.start - 1); k < spans.length; k++) {
    const s = spans[k] as Span;
    if (s.start >= range.end) break;
    if (s.end <= range.end) out.push(s);
  }
  return out;
}
