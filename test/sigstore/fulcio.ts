/**
 * Fulcio-shaped leaf certificates for the test instance: empty subject, SAN (URI, or e-mail for
 * an address), key usage digitalSignature + EKU codeSigning, SKI/AKI, the GitHub Actions OIDC
 * claims as Fulcio extensions, and optionally an embedded SCT (RFC 6962 precertificate form).
 */
import {
  bitString,
  explicit,
  extension,
  implicit,
  integer,
  objectIdentifier,
  octetString,
  sequence,
  time,
  utf8String,
} from "./der.js";
import { type EcKeyPair, ecdsaSign, ecdsaSignatureOid, keyIdentifier, sha256 } from "./keys.js";

/** The claims Fulcio copies from a GitHub Actions token. `null` drops that extension. */
export interface Identity {
  /** Subject Alternative Name: a URI, or an e-mail address (anything with `@` and no `://`). */
  san: string;
  /** OIDC issuer: OID .1.8 (DER UTF8String) and legacy .1.1 (raw bytes). */
  issuer: string;
  buildSignerUri: string | null; // .9
  buildSignerDigest: string | null; // .10
  runnerEnvironment: string | null; // .11
  sourceRepository: string | null; // .12
  sourceCommit: string | null; // .13 Source Repository Digest
  sourceRef: string | null; // .14
  sourceRepositoryIdentifier: string | null; // .15
  sourceRepositoryOwnerUri: string | null; // .16
  sourceRepositoryOwnerIdentifier: string | null; // .17
  buildConfigUri: string | null; // .18
  buildConfigDigest: string | null; // .19
  buildTrigger: string | null; // .20
  runInvocationUri: string | null; // .21
  visibility: string | null; // .22
  /** Legacy .1.4 (GitHub Workflow Name). */
  workflowName: string | null;
  /** Emit the deprecated raw-valued .1.1-.1.6 extensions (Fulcio still does). Default true. */
  legacyExtensions: boolean;
}

export type IdentityOptions = Partial<Identity>;

export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
export const UV_REPOSITORY = "https://github.com/astral-sh/uv";
export const UV_OWNER_URI = "https://github.com/astral-sh";
export const UV_DOCKER_WORKFLOW = `${UV_REPOSITORY}/.github/workflows/build-docker.yml@refs/heads/main`;
/** A fixed, made-up commit (40 hex) standing in for a uv release commit. */
export const UV_COMMIT = "3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a098";

/** Fills in uv's real signer (docker workflow on main, dispatched by hand) for unset fields. */
export function resolveIdentity(o: IdentityOptions = {}): Identity {
  const pick = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);
  const san = o.san ?? o.buildSignerUri ?? UV_DOCKER_WORKFLOW;
  const buildSignerUri = pick(o.buildSignerUri, san);
  const sourceRepository = pick(o.sourceRepository, UV_REPOSITORY);
  const sourceCommit = pick(o.sourceCommit, UV_COMMIT);
  return {
    san,
    issuer: o.issuer ?? GITHUB_ACTIONS_ISSUER,
    buildSignerUri,
    buildSignerDigest: pick(o.buildSignerDigest, sourceCommit),
    runnerEnvironment: pick(o.runnerEnvironment, "github-hosted"),
    sourceRepository,
    sourceCommit,
    sourceRef: pick(o.sourceRef, "refs/heads/main"),
    sourceRepositoryIdentifier: pick(o.sourceRepositoryIdentifier, "632183913"),
    sourceRepositoryOwnerUri: pick(o.sourceRepositoryOwnerUri, UV_OWNER_URI),
    sourceRepositoryOwnerIdentifier: pick(o.sourceRepositoryOwnerIdentifier, "115962839"),
    buildConfigUri: pick(o.buildConfigUri, buildSignerUri),
    buildConfigDigest: pick(o.buildConfigDigest, sourceCommit),
    buildTrigger: pick(o.buildTrigger, "workflow_dispatch"),
    runInvocationUri: pick(
      o.runInvocationUri,
      sourceRepository ? `${sourceRepository}/actions/runs/123/attempts/1` : null,
    ),
    visibility: pick(o.visibility, "public"),
    workflowName: pick(o.workflowName, "Build Docker images"),
    legacyExtensions: o.legacyExtensions ?? true,
  };
}

const FULCIO = "1.3.6.1.4.1.57264.1";
const UTF8_CLAIMS: [number, keyof Identity][] = [
  [8, "issuer"],
  [9, "buildSignerUri"],
  [10, "buildSignerDigest"],
  [11, "runnerEnvironment"],
  [12, "sourceRepository"],
  [13, "sourceCommit"],
  [14, "sourceRef"],
  [15, "sourceRepositoryIdentifier"],
  [16, "sourceRepositoryOwnerUri"],
  [17, "sourceRepositoryOwnerIdentifier"],
  [18, "buildConfigUri"],
  [19, "buildConfigDigest"],
  [20, "buildTrigger"],
  [21, "runInvocationUri"],
  [22, "visibility"],
];

function fulcioExtensions(id: Identity): Buffer[] {
  const out: Buffer[] = [];
  if (id.legacyExtensions) {
    const repo = id.sourceRepository?.replace(/^https:\/\/github\.com\//, "") ?? null;
    const legacy: [number, string | null][] = [
      [1, id.issuer],
      [2, id.buildTrigger],
      [3, id.sourceCommit],
      [4, id.workflowName],
      [5, repo],
      [6, id.sourceRef],
    ];
    for (const [n, v] of legacy) if (v !== null) out.push(extension(`${FULCIO}.${n}`, raw(v)));
  }
  for (const [n, key] of UTF8_CLAIMS) {
    const v = id[key];
    if (typeof v === "string") out.push(extension(`${FULCIO}.${n}`, utf8String(v)));
  }
  return out;
}

const raw = (s: string): Buffer => Buffer.from(s, "utf8");

function subjectAltName(san: string): Buffer {
  const email = san.includes("@") && !san.includes("://");
  return sequence(implicit(email ? 1 : 6, Buffer.from(san, "ascii")));
}

/** The CA that signs leaves: its key, its subject Name (DER, byte-exact) and its SKI. */
export interface IssuingCa {
  key: EcKeyPair;
  subject: Buffer;
  keyId: Buffer;
}

export interface SctOptions {
  /** Key that signs the SCT (the trusted CT log's, or a rogue one for negative tests). */
  key: EcKeyPair;
  /** Log ID written into the SCT: SHA-256 of the trusted CT log key's SPKI. */
  logId: Buffer;
  timestamp: Date;
}

export interface LeafOptions {
  ca: IssuingCa;
  key: EcKeyPair;
  serial: bigint;
  notBefore: Date;
  notAfter: Date;
  identity: Identity;
  sct?: SctOptions;
}

const OID_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";

/** Issues a leaf certificate (DER). */
export function issueLeaf(o: LeafOptions): Buffer {
  const algorithm = sequence(objectIdentifier(ecdsaSignatureOid(o.ca.key)));
  const extensions = [
    extension("2.5.29.15", bitString(Buffer.from([0x80]), 7), true), // digitalSignature
    extension("2.5.29.37", sequence(objectIdentifier("1.3.6.1.5.5.7.3.3"))), // codeSigning
    extension("2.5.29.14", octetString(keyIdentifier(o.key))),
    extension("2.5.29.35", sequence(implicit(0, o.ca.keyId))),
    extension("2.5.29.17", subjectAltName(o.identity.san), true), // critical: empty subject
    ...fulcioExtensions(o.identity),
  ];
  const tbs = (exts: Buffer[]): Buffer =>
    sequence(
      explicit(0, integer(2n)),
      integer(o.serial),
      algorithm,
      o.ca.subject,
      sequence(time(o.notBefore), time(o.notAfter)),
      sequence(), // Fulcio leaves have an empty subject
      o.key.spki,
      explicit(3, sequence(...exts)),
    );
  let tbsDer = tbs(extensions);
  if (o.sct) {
    // The SCT signs the precertificate TBS: the final TBS minus the SCT list extension.
    const sctList = signedCertificateTimestampList(o.sct, o.ca, tbsDer);
    tbsDer = tbs([...extensions, extension(OID_SCT_LIST, octetString(sctList))]);
  }
  return sequence(tbsDer, algorithm, bitString(ecdsaSign(o.ca.key, tbsDer)));
}

const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

/** RFC 6962 3.2/3.3: one v1 precert SCT, wrapped in a SignedCertificateTimestampList. */
function signedCertificateTimestampList(o: SctOptions, ca: IssuingCa, precertTbs: Buffer): Buffer {
  const timestamp = u64(BigInt(o.timestamp.getTime()));
  const noExtensions = u16(0);
  const signed = Buffer.concat([
    Buffer.from([0, 0]), // version v1, signature_type certificate_timestamp
    timestamp,
    u16(1), // entry_type precert_entry
    sha256(ca.key.spki), // issuer_key_hash
    u24(precertTbs.length),
    precertTbs,
    noExtensions,
  ]);
  const signature = ecdsaSign(o.key, signed);
  const sct = Buffer.concat([
    Buffer.from([0]),
    o.logId,
    timestamp,
    noExtensions,
    Buffer.from([4, 3]), // sha256, ecdsa
    u16(signature.length),
    signature,
  ]);
  const entry = Buffer.concat([u16(sct.length), sct]);
  return Buffer.concat([u16(entry.length), entry]);
}

export const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;
