/**
 * Deterministic EC key pairs for the test instance: the private scalar is a hash of
 * (seed, label), so the same seed gives the same CA, log and leaf keys (and so the same log IDs)
 * on every run. ECDSA signatures themselves stay randomised (node:crypto has no RFC 6979 switch).
 */
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
} from "node:crypto";

export type Curve = "P-256" | "P-384";

export interface EcKeyPair {
  curve: Curve;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
}

const CURVES = {
  "P-256": { ecdh: "prime256v1", hash: "sha256", size: 32 },
  "P-384": { ecdh: "secp384r1", hash: "sha384", size: 48 },
} as const;

const b64url = (b: Buffer): string => b.toString("base64url");

export function deriveKeyPair(seed: string, label: string, curve: Curve): EcKeyPair {
  const { ecdh: ecdhName, hash, size } = CURVES[curve];
  for (let attempt = 0; ; attempt++) {
    const d = createHash(hash).update(`${seed}\0${label}\0${attempt}`).digest();
    const ecdh = createECDH(ecdhName);
    try {
      ecdh.setPrivateKey(d); // throws when d is 0 or not below the group order
    } catch {
      continue;
    }
    const point = ecdh.getPublicKey(); // 0x04 || X || Y
    const jwk = {
      kty: "EC",
      crv: curve,
      d: b64url(d),
      x: b64url(point.subarray(1, 1 + size)),
      y: b64url(point.subarray(1 + size)),
    };
    // Round-trip through PKCS#8: keys imported from JWK sign several times slower in OpenSSL 3.
    const pkcs8 = createPrivateKey({ key: jwk, format: "jwk" }).export({
      type: "pkcs8",
      format: "der",
    });
    const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    const publicKey = createPublicKey(privateKey);
    const spki = publicKey.export({ type: "spki", format: "der" });
    return { curve, privateKey, publicKey, spki };
  }
}

/** ECDSA signature (DER-encoded r,s) with the curve's usual hash: SHA-256 for P-256, SHA-384 for P-384. */
export function ecdsaSign(key: EcKeyPair, data: Buffer): Buffer {
  return sign(CURVES[key.curve].hash, data, key.privateKey);
}

/** OID of ecdsa-with-SHA256 / ecdsa-with-SHA384 for certificates signed by `key`. */
export function ecdsaSignatureOid(key: EcKeyPair): string {
  return key.curve === "P-256" ? "1.2.840.10045.4.3.2" : "1.2.840.10045.4.3.3";
}

export const sha256 = (...parts: (Buffer | string)[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(key: EcKeyPair): Buffer {
  // For an EC SPKI the public point is the trailing 1 + 2*size bytes.
  const size = CURVES[key.curve].size;
  const point = key.spki.subarray(key.spki.length - (1 + 2 * size));
  return createHash("sha1").update(point).digest();
}

/** Sigstore log ID (tlog and CT log alike): SHA-256 of the log key's SPKI DER. */
export const logIdOf = (key: EcKeyPair): Buffer => sha256(key.spki);

export function flipByte(bytes: Buffer, index = bytes.length - 1): Buffer {
  const copy = Buffer.from(bytes);
  const i = ((index % copy.length) + copy.length) % copy.length;
  copy[i] = (copy[i] ?? 0) ^ 0x01;
  return copy;
}
