import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROPERTY_TIMEOUT, runs } from "../../test/arbitraries.js";
import type { Span } from "./types.js";
import { lookupByScan, lookupIn, type ScopedDefinition } from "./variables.js";

const nests = (a: Span, b: Span) =>
  a.end <= b.start ||
  b.end <= a.start ||
  (a.start <= b.start && b.end <= a.end) ||
  (b.start <= a.start && a.end <= b.end);

/**
 * Scopes over [0, 200): mostly nested (as YAML maps are); sometimes overlapping in part, or two
 * scopes with one range (which the index leaves to the plain pass).
 */
const scopesArb = fc
  .record({
    pairs: fc.array(fc.tuple(fc.nat({ max: 199 }), fc.nat({ max: 80 })), { maxLength: 10 }),
    laminar: fc.boolean(),
    twin: fc.boolean(),
  })
  .map(({ pairs, laminar, twin }) => {
    const out: Span[] = [];
    for (const [start, len] of pairs) {
      const s = { start, end: start + 1 + len };
      if (!laminar || out.every((o) => nests(o, s))) out.push(s);
    }
    const [first] = out;
    if (twin && first) out.push({ ...first });
    return out;
  });

const defsArb = scopesArb.chain((scopes) =>
  fc.array(
    fc.record({
      name: fc.constantFrom("A", "B", "a"),
      start: fc.nat({ max: 220 }),
      len: fc.nat({ max: 12 }),
      scope: fc.option(fc.constantFrom(...(scopes.length ? scopes : [undefined])), {
        nil: undefined,
      }),
      unknown: fc.boolean(),
    }),
    { maxLength: 14 },
  ),
);

function toDefs(
  raw: { name: string; start: number; len: number; scope?: Span; unknown: boolean }[],
) {
  return raw.map(
    (r): ScopedDefinition => ({
      name: r.name,
      start: r.start,
      end: r.start + r.len,
      line: 1,
      ...(r.scope ? { scope: r.scope } : {}),
      ...(r.unknown ? { unknown: true } : {}),
    }),
  );
}

describe("lookupIn (indexed)", () => {
  it(
    "answers every lookup as the pass over all definitions does",
    () => {
      fc.assert(
        fc.property(defsArb, fc.boolean(), (raw, ignoreCase) => {
          const defs = toDefs(raw);
          const fast = lookupIn(defs, { ignoreCase });
          const slow = lookupByScan(defs, { ignoreCase });
          for (const name of ["A", "B", "a", "C"]) {
            for (let at = 0; at <= 240; at += 3) {
              expect(fast(name, at), `${name}@${at}`).toBe(slow(name, at));
            }
          }
        }),
        runs(1500),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
