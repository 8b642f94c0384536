/**
 * Updates are applied, not just harmless: rewriting a generated file with one target for all its
 * pins changes every editable pin's text to the target, and a scan of the new text reads the
 * target in each of them. (The other rewrite properties check that nothing else changes; those
 * alone would also pass for a rewriter that changed nothing.)
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dockerfileArb,
  type GeneratedFile,
  otherFileArb,
  PROPERTY_TIMEOUT,
  runs,
} from "../../test/arbitraries.js";
import { scanText } from "./extract.js";
import { rewriteFile } from "./rewrite.js";
import type { Pin, Span, Target, Update } from "./types.js";

const fileArb: fc.Arbitrary<GeneratedFile> = fc.oneof(
  { arbitrary: dockerfileArb, weight: 3 },
  { arbitrary: otherFileArb, weight: 2 },
);

/**
 * A version no generated file holds (the generator writes majors 0 and 1), and digests none holds
 * (the generator writes only its `HEXES`): a target equal to a digest already written would leave a shared
 * digest reading the same, which the rewriter rightly allows.
 */
const VERSION = "3.4.5";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const CHECKSUM = `sha256:${"cd".repeat(32)}`;

/** The version text a pin reads after the update, keeping its precision (`0.9` → `3.4`). */
const expectedVersion = (pin: Pin) =>
  pin.version?.split(".").length === 2 ? VERSION.split(".").slice(0, 2).join(".") : VERSION;

/** One target for a pin: the new version, a new digest and a new checksum for each asset. */
function targetFor(pin: Pin): Target {
  const checksums = Object.fromEntries((pin.checksums ?? []).map((c) => [c.asset, CHECKSUM]));
  return { version: VERSION, digest: DIGEST, checksum: CHECKSUM, checksums };
}

/** Each span of a pin with the text its update writes there (every target here is the same). */
const writes = (pin: Pin): [Span, string][] => {
  const out: [Span, string][] = [];
  if (pin.spans.version) out.push([pin.spans.version, expectedVersion(pin)]);
  if (pin.spans.digest) out.push([pin.spans.digest, DIGEST]);
  if (pin.spans.checksum) out.push([pin.spans.checksum, CHECKSUM]);
  for (const c of pin.checksums ?? []) out.push([c.span, CHECKSUM]);
  return out;
};
const spansOf = (pin: Pin): Span[] => writes(pin).map(([span]) => span);
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** Whether two updated pins write different text over one stretch of the file. */
const collide = (a: Pin, b: Pin) =>
  writes(a).some(([s, t]) =>
    writes(b).some(
      ([r, u]) => overlaps(s, r) && !(s.start === r.start && s.end === r.end && t === u),
    ),
  );

/**
 * Pins that an update can change: no skip reason, not held (a checksum in the file that cannot be
 * tied to it), and a version written in the file.
 */
const editable = (pin: Pin) =>
  pin.skipReason === null && pin.hold === undefined && pin.spans.version !== null;

/** Counterexamples the property found (run first, every time). */
const FOUND: [GeneratedFile][] = [
  // A refused pin's text is read by another editable pin: that one is refused too (closure).
  [
    "ARG D=sha256:dfc1c901e9ea78784bfd0d4ad16f8306e4b2abed379e2afe4f5d19facb0f7828 V=0.0.0",
    "FROM ghcr.io/astral-sh/uv:${V}@${D}",
    "FROM ghcr.io/astral-sh/uv:${V}",
    "FROM ghcr.io/astral-sh/uv:${UNSET}@${D}",
  ],
  // A digest shared with a pin that is not updated: refused, since the target digest differs.
  [
    "ARG D=sha256:59e153581f6bf4d54247b857cd152d40883c3a2aefc511548b3528285994f017",
    "FROM ghcr.io/astral-sh/uv:latest@${D}",
    "FROM ghcr.io/astral-sh/uv:0.0.0@${D}",
  ],
  // One value read as an image digest and as an installer's checksum: the two updates write
  // different text there, so both are refused (PROPERTY_RUNS_SCALE=100, seed -169588262).
  // The same seed then: a held installer shares `V` with the line-6 image, which shares the digest
  // with the line-4 image: refused in two waves, line 6 first.
  [
    "FROM ghcr.io/astral-sh/uv:0.0.0",
    "ARG UV_VERSION=sha256:dfc1c901e9ea78784bfd0d4ad16f8306e4b2abed379e2afe4f5d19facb0f7828",
    "ENV V=0.0.0",
    "COPY --from=ghcr.io/astral-sh/uv:0.0.0@${UV_VERSION} /uv /uvx /bin/",
    "ADD --checksum=${UV_VERSION} https://astral.sh/uv/${V}/install.sh /tmp/uv/",
  ],
  [
    "FROM ghcr.io/astral-sh/uv:0.0.0",
    "ARG UV_VERSION=sha256:dfc1c901e9ea78784bfd0d4ad16f8306e4b2abed379e2afe4f5d19facb0f7828",
    "ENV V=0.0.0",
    "COPY --from=ghcr.io/astral-sh/uv:0.0.0@${UV_VERSION} /uv /uvx /bin/",
    "ADD https://astral.sh/uv/${V}/install.sh /tmp/uv/",
    "COPY --from=ghcr.io/astral-sh/uv:${V}@${UV_VERSION} /uv /uvx /bin/",
  ],
].map((lines) => [{ path: "Dockerfile", text: `${lines.join("\n")}\n`, expected: [] }]);

/** Files whose pins hold several tied checksums (one per architecture): every one must move. */
const PER_ARCH: [GeneratedFile][] = [
  ["dockerfiles/checksum-per-arch.Dockerfile", "Dockerfile"],
  ["files/checksums/arch-array.sh", "install.sh"],
  ["files/checksums/arch-if.sh", "install.sh"],
].map(([fixture, path]) => [
  {
    path: path as string,
    text: readFileSync(new URL(`../../fixtures/${fixture}`, import.meta.url), "utf8"),
    expected: [],
  },
]);

describe("rewriteFile applies updates", () => {
  it(
    "every editable pin of a generated file reads the target after the rewrite",
    () => {
      let rewritten = 0;
      fc.assert(
        fc.property(fileArb, ({ path, text }) => {
          const before = scanText(path, text).pins;
          const updates: Update[] = before
            .filter(editable)
            .map((pin) => ({ pin, target: targetFor(pin) }));
          fc.pre(updates.length > 0);
          const result = rewriteFile(path, text, updates);
          expect(result.error).toBeNull();
          // Refused only where the pin's text is also read by a pin that is not updated (one
          // variable, two pins): moving it would change that pin too; or where two updates write
          // different text there (a value read as a digest and as a checksum). Refusing one makes
          // it a pin that is not updated, so refusals spread to the pins that share its text (the
          // closure).
          const kept = before.filter((p) => !editable(p)).flatMap(spansOf);
          const shared = (pin: Pin) => spansOf(pin).some((s) => kept.some((k) => overlaps(s, k)));
          const expectRefused: Update[] = updates.filter((u) =>
            updates.some((v) => v !== u && collide(u.pin, v.pin)),
          );
          for (const u of expectRefused) kept.push(...spansOf(u.pin));
          for (let grew = true; grew; ) {
            grew = false;
            for (const u of updates) {
              if (expectRefused.includes(u) || !shared(u.pin)) continue;
              expectRefused.push(u);
              kept.push(...spansOf(u.pin));
              grew = true;
            }
          }
          // Which updates, not in which order (the rewriter refuses in waves: a pin whose text
          // another refused pin shares comes after it).
          const byIndex = (a: Update, b: Update) => updates.indexOf(a) - updates.indexOf(b);
          expectRefused.sort(byIndex);
          expect(result.refused.map((r) => r.update).sort(byIndex)).toEqual(expectRefused);
          expect(result.applied).toHaveLength(updates.length - expectRefused.length);
          fc.pre(result.applied.length > 0);
          expect(result.changed).toBe(true);
          const after = scanText(path, result.text).pins;
          expect(after).toHaveLength(before.length);
          const applied = new Set(result.applied.map((u) => u.pin));
          before.forEach((was, i) => {
            const now = after[i] as Pin;
            if (!applied.has(was)) return;
            const version = now.spans.version;
            // The text at the pin's version span is the target, and the scan reads it there.
            expect(version && result.text.slice(version.start, version.end)).toBe(
              expectedVersion(was),
            );
            expect(now.version).toBe(expectedVersion(was));
            if (was.kind === "image" && was.spans.digest) expect(now.digest).toBe(DIGEST);
            if (was.form === "url+checksum" && (was.spans.checksum || was.checksums?.length))
              expect(now.digest).toBe(CHECKSUM);
            // Every tied checksum, not only the first: its text and the scan both read the target.
            expect(now.checksums?.length).toBe(was.checksums?.length);
            (was.checksums ?? []).forEach((c, j) => {
              const moved = (now.checksums ?? [])[j];
              expect(moved?.asset).toBe(c.asset);
              expect(moved?.digest).toBe(CHECKSUM);
              const s = moved?.span;
              expect(s && result.text.slice(s.start, s.end).toLowerCase()).toBe(
                c.prefixed ? CHECKSUM : CHECKSUM.slice(7),
              );
            });
          });
          rewritten++;
        }),
        { ...runs(150), examples: [...PER_ARCH, ...FOUND] },
      );
      // The property was about files with pins to update, not vacuously true.
      expect(rewritten).toBeGreaterThan(75);
      // The per-architecture examples are rewritten with more than one checksum each.
      for (const [{ path, text }] of PER_ARCH) {
        const sums = scanText(path, text).pins.flatMap((p) => p.checksums ?? []);
        expect(sums.length).toBeGreaterThan(1);
      }
    },
    PROPERTY_TIMEOUT,
  );
});

describe("rewriteFile applies updates to pins that look alike", () => {
  it("two URLs on one line that read one variable both move (found by the property above)", () => {
    const text = [
      'ARG V="0.9.1"',
      "RUN curl -LsSf https://github.com/astral-sh/uv/releases/download/$V/uv-aarch64-apple-darwin.tar.gz | sh && curl -LsSf https://github.com/astral-sh/uv/releases/download/${V}/uv-installer.sh | sh",
      "",
    ].join("\n");
    const pins = scanText("Dockerfile", text).pins;
    expect(pins.map((p) => [p.line, p.version])).toEqual([
      [2, "0.9.1"],
      [2, "0.9.1"],
    ]);
    const result = rewriteFile(
      "Dockerfile",
      text,
      pins.map((pin) => ({ pin, target: { version: "0.10.0" } })),
    );
    expect(result.refused).toEqual([]);
    expect(result.text).toBe(text.replace('V="0.9.1"', 'V="0.10.0"'));
  });
});
