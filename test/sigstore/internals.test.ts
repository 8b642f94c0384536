/** Hand-written pieces against their specs (DER, RFC 6962 audit paths) and the API helpers. */
import { createHash } from "node:crypto";
import { uncompress } from "snappyjs";
import { describe, expect, it } from "vitest";
import { integer, objectIdentifier, octetString, time } from "./der.js";
import { canonicalJson, rootFromAuditPath } from "./rekor.js";
import { createTestInstance } from "./signer.js";
import { attestationsResponse, otherDigest, sha256Hex, snappyBundle, subject } from "./variants.js";

const hex = (b: Buffer) => b.toString("hex");

describe("der", () => {
  it("encodes OIDs, INTEGERs, times and long lengths", () => {
    expect(hex(objectIdentifier("1.2.840.10045.4.3.3"))).toBe("06082a8648ce3d040303");
    expect(hex(objectIdentifier("1.3.6.1.4.1.57264.1.16"))).toBe("060a2b0601040183bf300110");
    expect(hex(integer(0n))).toBe("020100");
    expect(hex(integer(128n))).toBe("02020080");
    expect(hex(integer(Buffer.from("00007f", "hex")))).toBe("02017f");
    expect(time(new Date("2026-01-15T12:00:00Z")).toString("latin1")).toBe("\x17\x0d260115120000Z");
    expect(time(new Date("2050-01-01T00:00:00Z")).toString("latin1")).toBe(
      "\x18\x0f20500101000000Z",
    );
    expect(hex(octetString(Buffer.alloc(200)).subarray(0, 3))).toBe("0481c8");
    expect(hex(octetString(Buffer.alloc(300)).subarray(0, 4))).toBe("0482012c");
  });
});

describe("rekor", () => {
  const h = (...parts: Buffer[]) => {
    const x = createHash("sha256");
    for (const p of parts) x.update(p);
    return x.digest();
  };
  const leaf = (d: Buffer) => h(Buffer.from([0]), d);
  const node = (l: Buffer, r: Buffer) => h(Buffer.from([1]), l, r);
  // RFC 6962 2.1: MTH and PATH by their recursive definitions.
  const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
  const mth = (d: Buffer[]): Buffer => {
    const [only] = d;
    if (d.length === 1 && only) return leaf(only);
    const k = split(d.length);
    return node(mth(d.slice(0, k)), mth(d.slice(k)));
  };
  const path = (m: number, d: Buffer[]): Buffer[] => {
    if (d.length <= 1) return [];
    const k = split(d.length);
    return m < k
      ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
      : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
  };

  it("audit paths reproduce the Merkle tree hash for every leaf, trees of 1-17 and 31-33", () => {
    for (const n of [...Array.from({ length: 17 }, (_, i) => i + 1), 31, 32, 33]) {
      const data = Array.from({ length: n }, (_, i) => Buffer.from(`entry ${i}`));
      const root = mth(data);
      for (let m = 0; m < n; m++) {
        const d = data[m] ?? Buffer.alloc(0);
        expect(rootFromAuditPath(BigInt(m), BigInt(n), leaf(d), path(m, data))).toEqual(root);
      }
    }
  });

  it("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "x", c: null }], e: undefined })).toBe(
      '{"a":[{"c":null,"d":"x"}],"b":1}',
    );
  });
});

describe("variants", () => {
  it("GitHub attestations responses, inline or behind a snappy bundle_url", async () => {
    const bundle = (await createTestInstance()).signAttestation({
      subjects: [subject("ab".repeat(32))],
    });
    expect(attestationsResponse([bundle]).attestations[0]).toEqual({
      bundle,
      repository_id: 632183913,
    });
    const url = (i: number) =>
      `https://tmaproduction.blob.core.windows.net/attestations/${i}.json.sn`;
    const lazy = attestationsResponse([bundle], { inline: false, bundleUrl: url });
    expect(lazy.attestations[0]).toMatchObject({ bundle: null, bundle_url: url(0) });
    expect(JSON.parse(Buffer.from(uncompress(snappyBundle(bundle))).toString())).toEqual(bundle);
  });

  it("otherDigest changes exactly one nibble", () => {
    const d = sha256Hex("x");
    expect(otherDigest(d)).toHaveLength(64);
    expect(otherDigest(d)).not.toBe(d);
    expect(otherDigest(`sha256:${d}`).slice(0, 63)).toBe(d.slice(0, 63));
  });
});
