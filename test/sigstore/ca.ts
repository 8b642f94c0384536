/**
 * The test instance's certificate authority, shaped like sigstore.dev's Fulcio CA: a self-signed
 * P-384 root (O=sigstore.test, CN=sigstore) and a P-384 intermediate (CN=sigstore-intermediate,
 * pathlen 0, EKU codeSigning) that issues the leaves, both signed ecdsa-with-SHA384.
 *
 * Built with der.ts rather than @peculiar/x509: @peculiar/x509 2.2.0 pulls in tsyringe, which
 * throws on import without a Reflect metadata polyfill (reflect-metadata is not installed), and
 * WebCrypto would make issuing leaves async. signer.test.ts parses every certificate back with
 * node:crypto's X509Certificate (OpenSSL) and checks the chain there too.
 */
import {
  bitString,
  boolean,
  explicit,
  extension,
  implicit,
  integer,
  name,
  objectIdentifier,
  octetString,
  sequence,
  time,
} from "./der.js";
import type { IssuingCa } from "./fulcio.js";
import {
  deriveKeyPair,
  type EcKeyPair,
  ecdsaSign,
  ecdsaSignatureOid,
  keyIdentifier,
} from "./keys.js";

export interface CertificateAuthority {
  /** DER certificates from the leaves' issuer up to the root (trusted_root.json order). */
  chain: Buffer[];
  /** What fulcio.ts needs to issue leaves under this CA. */
  issuer: IssuingCa;
  organization: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CaOptions {
  seed: string;
  /** Key derivation label: different labels give unrelated CAs with the same names. */
  label: string;
  notBefore: Date;
  notAfter: Date;
  intermediate: boolean;
  organization?: string;
}

const OID_O = "2.5.4.10";
const OID_CN = "2.5.4.3";

interface CaCertOptions {
  serial: bigint;
  subject: Buffer;
  key: EcKeyPair;
  issuer: { subject: Buffer; key: EcKeyPair };
  pathLength?: number;
  codeSigning?: boolean;
  notBefore: Date;
  notAfter: Date;
}

function caCertificate(o: CaCertOptions): Buffer {
  const algorithm = sequence(objectIdentifier(ecdsaSignatureOid(o.issuer.key)));
  const constraints =
    o.pathLength === undefined
      ? sequence(boolean(true))
      : sequence(boolean(true), integer(BigInt(o.pathLength)));
  const extensions = [
    extension("2.5.29.15", bitString(Buffer.from([0x06]), 1), true), // keyCertSign, cRLSign
    ...(o.codeSigning
      ? [extension("2.5.29.37", sequence(objectIdentifier("1.3.6.1.5.5.7.3.3")))]
      : []),
    extension("2.5.29.19", constraints, true),
    extension("2.5.29.14", octetString(keyIdentifier(o.key))),
    extension("2.5.29.35", sequence(implicit(0, keyIdentifier(o.issuer.key)))),
  ];
  const tbs = sequence(
    explicit(0, integer(2n)),
    integer(o.serial),
    algorithm,
    o.issuer.subject,
    sequence(time(o.notBefore), time(o.notAfter)),
    o.subject,
    o.key.spki,
    explicit(3, sequence(...extensions)),
  );
  return sequence(tbs, algorithm, bitString(ecdsaSign(o.issuer.key, tbs)));
}

export function createCertificateAuthority(o: CaOptions): CertificateAuthority {
  const organization = o.organization ?? "sigstore.test";
  const commonName = "sigstore";
  const subject = (cn: string) =>
    name([
      { oid: OID_O, value: organization },
      { oid: OID_CN, value: cn },
    ]);
  const validity = { notBefore: o.notBefore, notAfter: o.notAfter };
  const rootKey = deriveKeyPair(o.seed, `${o.label}/root`, "P-384");
  const rootSubject = subject(commonName);
  const rootIssuer = { subject: rootSubject, key: rootKey };
  const root = caCertificate({
    serial: 1n,
    subject: rootSubject,
    key: rootKey,
    issuer: rootIssuer,
    ...validity,
  });
  const base = { organization, commonName, ...validity };
  if (!o.intermediate) {
    const issuer = { key: rootKey, subject: rootSubject, keyId: keyIdentifier(rootKey) };
    return { ...base, chain: [root], issuer };
  }
  const key = deriveKeyPair(o.seed, `${o.label}/intermediate`, "P-384");
  const intermediateSubject = subject(`${commonName}-intermediate`);
  const intermediate = caCertificate({
    serial: 2n,
    subject: intermediateSubject,
    key,
    issuer: rootIssuer,
    pathLength: 0,
    codeSigning: true,
    ...validity,
  });
  const issuer = { key, subject: intermediateSubject, keyId: keyIdentifier(key) };
  return { ...base, chain: [intermediate, root], issuer };
}
