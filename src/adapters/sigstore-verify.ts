/**
 * Verifies one Sigstore attestation bundle offline: signature, certificate chain, transparency log
 * and timestamps with `@sigstore/verify`'s `Verifier` against trust material passed in, then the
 * attestation policy (`core/attestation-policy`) on the verified certificate and statement,
 * including the check the verifier leaves out: the statement is about the digest being pinned.
 * Never throws: whatever is wrong gives `verified: false` and a one-line reason naming the check.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Bundle, bundleFromJSON } from "@sigstore/bundle";
import type { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import {
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  type VerifierOptions,
} from "@sigstore/verify";
import {
  type AttestationPolicy,
  type AttestationSummary,
  checkPolicy,
  type PolicyCheck,
} from "../core/attestation-policy.js";
import { parseStatement, STATEMENT_V1, type Statement } from "../core/in-toto.js";
import { UsageError, UvPinBotError } from "../errors.js";
import { type FulcioFacts, fulcioFacts, legacyFacts } from "./fulcio-certificate.js";

export type { TrustMaterial };

const TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/** Trust material from a parsed `trusted_root.json`; a bad root is a `config-invalid` error. */
export function loadTrustMaterial(trustedRootJson: unknown): TrustMaterial {
  const bad = (why: string, cause?: unknown) =>
    new UvPinBotError("config-invalid", `trusted root: ${why}`, { cause });
  const media = (trustedRootJson as { mediaType?: unknown } | null)?.mediaType;
  if (media !== TRUSTED_ROOT_MEDIA_TYPE) {
    throw bad(`media type ${String(media ?? "(none)")} is not ${TRUSTED_ROOT_MEDIA_TYPE}`);
  }
  try {
    const material = toTrustMaterial(TrustedRoot.fromJSON(trustedRootJson));
    if (material.certificateAuthorities.length === 0) throw bad("no certificate authority");
    return material;
  } catch (error) {
    throw error instanceof UvPinBotError ? error : bad(errorText(error), error);
  }
}

/**
 * The public-good Sigstore trusted root as shipped inside `@sigstore/tuf` (its `seeds.json` holds
 * the TUF repository's `trusted_root.json` target, base64-encoded), read from disk: no network, no
 * TUF refresh. It is as fresh as the installed `@sigstore/tuf`; pass a newer root with
 * `UV_PIN_BOT_TRUSTED_ROOT` or `--trusted-root` when Sigstore rotates keys.
 */
export function defaultTrustedRoot(): unknown {
  const path = createRequire(import.meta.url).resolve("@sigstore/tuf/seeds.json");
  const seeds = JSON.parse(readFileSync(path, "utf8")) as Record<
    string,
    { targets?: Record<string, string> } | undefined
  >;
  const encoded = seeds["https://tuf-repo-cdn.sigstore.dev"]?.targets?.["trusted_root.json"];
  if (!encoded) throw new UvPinBotError("config-invalid", `no trusted_root.json in ${path}`);
  return JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
}

let embedded: TrustMaterial | undefined;

/** Trust material from FILE, else `UV_PIN_BOT_TRUSTED_ROOT`, else the embedded public-good root. */
export function resolveTrustMaterial(
  options: { file?: string | null; env?: NodeJS.ProcessEnv } = {},
): TrustMaterial {
  const fromEnv = (options.env ?? process.env).UV_PIN_BOT_TRUSTED_ROOT || null;
  const file = options.file ?? fromEnv;
  if (!file) {
    embedded ??= loadTrustMaterial(defaultTrustedRoot());
    return embedded;
  }
  const source = options.file ? "--trusted-root" : "UV_PIN_BOT_TRUSTED_ROOT";
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = typeof code === "string" ? code : `not JSON (${errorText(error)})`;
    throw new UsageError(`cannot read ${source} ${file}: ${why}`);
  }
  return loadTrustMaterial(json);
}

export interface VerifyAttestationInput {
  /** The bundle as parsed JSON (v0.1, v0.2 or v0.3 media type). */
  bundle: unknown;
  /** The artifact's digests, algorithm → hex, e.g. `{ sha256: "…" }`; one must be a subject. */
  digests: Readonly<Record<string, string>>;
  policy: AttestationPolicy;
  trustMaterial: TrustMaterial;
}

/**
 * Thresholds follow the trusted root. Public-good Fulcio embeds SCTs in its certificates and its
 * root lists CT logs, so one verified SCT is required; a root without CT logs (GitHub's own
 * instance, which signs private repositories' attestations) issues certificates without SCTs, and
 * requiring one would reject every bundle it signs. The same for the transparency log: that
 * instance timestamps with a TSA instead of Rekor. Nothing is weakened: an SCT or log entry that
 * is present must still verify against a log in the root, and one timestamp is always required.
 */
export function verifierOptions(trust: TrustMaterial): VerifierOptions {
  return {
    ctlogThreshold: trust.ctlogs.length > 0 ? 1 : 0,
    tlogThreshold: trust.tlogs.length > 0 ? 1 : 0,
    timestampThreshold: 1,
  };
}

const SIGSTORE_CHECK = "signature, certificate chain, transparency log";
const refuse = (reason: string) => notVerified(reason, SIGSTORE_CHECK);

export function verifyAttestation(input: VerifyAttestationInput): AttestationSummary {
  try {
    return verify(input);
  } catch (error) {
    return notVerified(`verification: unexpected error: ${errorText(error)}`);
  }
}

function verify({ bundle, digests, policy, trustMaterial }: VerifyAttestationInput) {
  let parsed: Bundle;
  try {
    parsed = bundleFromJSON(bundle);
  } catch (error) {
    const fields = (error as { fields?: unknown }).fields;
    return refuse(
      `bundle: invalid${Array.isArray(fields) && fields.length ? ` (${fields.join(", ")})` : `: ${errorText(error)}`}`,
    );
  }
  if (parsed.content.$case !== "dsseEnvelope") {
    return refuse("bundle: a message signature, not an attestation (DSSE envelope)");
  }
  if (parsed.verificationMaterial.content.$case === "publicKey") {
    return refuse("certificate chain: the bundle is signed with a key, not a Fulcio certificate");
  }
  const { tlogEntries } = parsed.verificationMaterial;
  if (trustMaterial.tlogs.length > 0 && tlogEntries.length === 0) {
    return refuse("transparency log: the bundle has no transparency-log entry");
  }
  let cert: X509Certificate;
  try {
    const entity = toSignedEntity(parsed);
    if (entity.key.$case !== "certificate") throw new Error("no signing certificate");
    cert = entity.key.certificate;
    new Verifier(trustMaterial, verifierOptions(trustMaterial)).verify(entity);
  } catch (error) {
    return refuse(sigstoreReason(error));
  }
  const sigstoreOk: PolicyCheck = {
    name: SIGSTORE_CHECK,
    expected: "verified",
    actual: "verified",
    ok: true,
  };
  const facts = fulcioFacts(cert);
  const log = logFacts(parsed);
  const envelope = parsed.content.dsseEnvelope;
  const read = parseStatement(envelope.payloadType, envelope.payload);
  if (!read.ok) {
    const failed = { name: "statement", expected: STATEMENT_V1, actual: read.reason, ok: false };
    return summary(facts, cert, null, log, read.reason, [sigstoreOk, failed]);
  }
  const result = checkPolicy(facts, read.statement, digests, policy);
  return {
    ...summary(facts, cert, read.statement, log, result.reason, [sigstoreOk, ...result.checks]),
    subjectDigest: result.subjectDigest,
  };
}

function summary(
  facts: FulcioFacts,
  cert: X509Certificate,
  statement: Statement | null,
  log: { rekorLogIndex: number | null; integratedTime: string | null },
  reason: string | null,
  checks: PolicyCheck[],
): AttestationSummary {
  const legacy = legacyFacts(cert);
  return {
    verified: reason === null,
    reason: reason === null ? null : oneLine(reason),
    subjectDigest: null,
    predicateType: statement?.predicateType ?? null,
    certificateIssuer: facts.issuer,
    san: facts.san,
    sourceRepository: facts.sourceRepository ?? statement?.workflow.repository ?? null,
    sourceRepositoryOwner: facts.sourceRepositoryOwner,
    sourceRef: facts.sourceRef ?? legacy.sourceRef ?? statement?.workflow.ref ?? null,
    sourceCommit: facts.sourceCommit ?? legacy.sourceCommit ?? statement?.gitCommit ?? null,
    signerWorkflow: facts.signerWorkflow,
    buildTrigger: facts.buildTrigger ?? legacy.buildTrigger,
    runUrl: facts.runUrl ?? statement?.invocationId ?? null,
    ...log,
    checks,
  };
}

/**
 * Nothing verified: no facts are reported (none can be trusted), only the reason, and one failed
 * check named by the reason's prefix (`bundle: …` → `bundle`) unless a name is given.
 */
export function notVerified(
  reason: string,
  checkName = reason.slice(0, Math.max(0, reason.indexOf(": "))) || "verification",
): AttestationSummary {
  const check = { name: checkName, expected: "verified", actual: oneLine(reason), ok: false };
  return {
    verified: false,
    reason: oneLine(reason),
    subjectDigest: null,
    predicateType: null,
    certificateIssuer: null,
    san: null,
    sourceRepository: null,
    sourceRepositoryOwner: null,
    sourceRef: null,
    sourceCommit: null,
    signerWorkflow: null,
    buildTrigger: null,
    runUrl: null,
    rekorLogIndex: null,
    integratedTime: null,
    checks: [check],
  };
}

function logFacts(bundle: Bundle) {
  const entry = bundle.verificationMaterial.tlogEntries[0];
  const seconds = Number(entry?.integratedTime ?? 0);
  return {
    rekorLogIndex: entry ? Number(entry.logIndex) : null,
    integratedTime:
      seconds > 0 ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") : null,
  };
}

/** `@sigstore/verify`'s coded errors as a reason naming the check that failed. */
export function sigstoreReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = errorText(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  const detail = cause instanceof Error ? `${message}: ${cause.message}` : message;
  switch (code) {
    case "SIGNATURE_ERROR":
      return `signature: ${detail}`;
    case "TLOG_BODY_ERROR":
      if (/signature mismatch/.test(message)) {
        return `signature: not the signature recorded in the transparency log (${message})`;
      }
      if (/(payload hash|digest) mismatch/.test(message)) {
        return `signature: the payload is not the one recorded in the transparency log (${message})`;
      }
      return `transparency log: ${detail}`;
    case "TLOG_ERROR":
    case "TLOG_INCLUSION_PROOF_ERROR":
    case "TLOG_INCLUSION_PROMISE_ERROR":
    case "TLOG_MISSING_INCLUSION_ERROR":
      return `transparency log: ${detail}`;
    case "CERTIFICATE_ERROR":
      return /SCT/.test(message)
        ? `certificate transparency: ${detail}`
        : `certificate chain: ${detail}`;
    case "PUBLIC_KEY_ERROR":
      return `signing key: ${detail}`;
    case "TIMESTAMP_ERROR":
      return `timestamp: ${detail}`;
    default:
      return `bundle: ${detail}`;
  }
}

function errorText(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
