/**
 * Rekor v1 (rekor.sigstore.dev-style) log entries for the test instance: a canonicalized `dsse`
 * 0.0.1 body, the signed entry timestamp (inclusion promise) and an RFC 6962/9162 inclusion proof
 * under a signed checkpoint. The log tree is virtual: the entry's siblings are made-up subtree
 * hashes, and the root is computed from the entry up, so any log index and tree size work
 * without storing a log.
 */
import { type EcKeyPair, ecdsaSign, sha256 } from "./keys.js";

/** JSON canonicalization as Rekor uses it (RFC 8785 subset: sorted keys, no whitespace). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export interface DsseBodyInput {
  /** Base64 DSSE payload and its type, as in the bundle's envelope. */
  payload: string;
  payloadType: string;
  /** Base64 signature, as in the bundle's envelope. */
  signature: string;
  /** The payload bytes whose SHA-256 goes into `payloadHash` (normally the envelope's payload). */
  hashedPayload: Buffer;
  leafPem: string;
}

/** The canonicalized body of a Rekor `dsse` 0.0.1 entry (what `canonicalizedBody` holds). */
export function dsseBody(i: DsseBodyInput): Buffer {
  // Rekor hashes the envelope as Go marshals it: payload, payloadType, signatures[{sig, keyid}].
  const envelope = JSON.stringify({
    payload: i.payload,
    payloadType: i.payloadType,
    signatures: [{ sig: i.signature, keyid: "" }],
  });
  const body = {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha256(envelope).toString("hex") },
      payloadHash: { algorithm: "sha256", value: sha256(i.hashedPayload).toString("hex") },
      signatures: [{ signature: i.signature, verifier: Buffer.from(i.leafPem).toString("base64") }],
    },
  };
  return Buffer.from(canonicalJson(body), "utf8");
}

/** Rekor's SET: the log key's signature over canonical {body, integratedTime, logID, logIndex}. */
export function signedEntryTimestamp(
  key: EcKeyPair,
  e: { body: Buffer; integratedTime: number; logIndex: number; logId: Buffer },
): Buffer {
  const payload = canonicalJson({
    body: e.body.toString("base64"),
    integratedTime: e.integratedTime,
    logID: e.logId.toString("hex"),
    logIndex: e.logIndex,
  });
  return ecdsaSign(key, Buffer.from(payload, "utf8"));
}

const leafHash = (data: Buffer): Buffer => sha256(Buffer.from([0]), data);
const nodeHash = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.from([1]), l, r);

/**
 * Number of audit-path hashes for leaf `index` in a tree of `size` leaves, walking the
 * RFC 9162 2.1.3.2 verification loop without hashing.
 */
function auditPathLength(index: bigint, size: bigint): number {
  let fn = index;
  let sn = size - 1n;
  let n = 0;
  while (sn > 0n) {
    if ((fn & 1n) === 1n || fn === sn) {
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    }
    fn >>= 1n;
    sn >>= 1n;
    n++;
  }
  return n;
}

/** RFC 9162 2.1.3.2: the root implied by a leaf hash and its audit path. */
export function rootFromAuditPath(index: bigint, size: bigint, leaf: Buffer, path: Buffer[]) {
  if (index < 0n || index >= size) throw new Error(`leaf ${index} outside tree of ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new Error("audit path too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("audit path too short");
  return r;
}

export interface LogIdentity {
  key: EcKeyPair;
  /** Checkpoint origin line, e.g. `rekor.sigstore.test - 1193050959916656506`. */
  origin: string;
  /** Signer name on the checkpoint signature line; @sigstore/verify matches it against baseUrl. */
  name: string;
  /** First 4 bytes of the trusted log ID (the key hint). */
  keyHint: Buffer;
}

export interface InclusionProofJson {
  logIndex: string;
  rootHash: string;
  treeSize: string;
  hashes: string[];
  checkpoint: { envelope: string };
}

export function inclusionProof(
  log: LogIdentity,
  body: Buffer,
  logIndex: number,
  treeSize: number,
): InclusionProofJson {
  const index = BigInt(logIndex);
  const size = BigInt(treeSize);
  // Made-up sibling subtree hashes, stable for a given (index, size).
  const hashes = Array.from({ length: auditPathLength(index, size) }, (_, level) =>
    sha256(`virtual subtree ${index}/${size}/${level}`),
  );
  const root = rootFromAuditPath(index, size, leafHash(body), hashes);
  const note = `${log.origin}\n${treeSize}\n${root.toString("base64")}\n`;
  const signature = ecdsaSign(log.key, Buffer.from(note, "utf8"));
  const sigLine = Buffer.concat([log.keyHint, signature]).toString("base64");
  return {
    logIndex: String(logIndex),
    rootHash: root.toString("base64"),
    treeSize: String(treeSize),
    hashes: hashes.map((h) => h.toString("base64")),
    checkpoint: { envelope: `${note}\n\u2014 ${log.name} ${sigLine}\n` },
  };
}
