/**
 * `uv-pin-bot verify --bundle FILE (--digest ALG:HEX | --artifact FILE) [policy flags] [--json]`:
 * verifies one Sigstore attestation bundle offline against a trusted root and the attestation
 * policy. Exit 0 verified, 1 not verified (the failed check on stderr, or in the JSON), 2 usage.
 */
import { createHash, getHashes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  notVerified,
  resolveTrustMaterial,
  verifyAttestation,
} from "../adapters/sigstore-verify.js";
import {
  type AttestationPolicy,
  attestationJson,
  defaultPolicy,
  identityPattern,
} from "../core/attestation-policy.js";
import { parseStatement, subjectAlgorithms } from "../core/in-toto.js";
import { parseImageRef } from "../core/matchers.js";
import { renderAttestationTable, terminalText } from "../core/render-attestation.js";
import { UsageError } from "../errors.js";
import { DEFAULT_ATTESTATION_SETTINGS, releasePolicy, verifyDigest } from "../pipeline/attest.js";
import type { Io } from "./io.js";
import { attestFor, upstreamsFor } from "./plan-commands.js";
import { jsonText } from "./terminal-safe.js";

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const NAME = /^[A-Za-z0-9_.-]+$/;
/** An image tag naming one uv release, with or without a variant suffix. */
const RELEASE_TAG = /^(\d+\.\d+\.\d+)(?:-[0-9A-Za-z][0-9A-Za-z._-]*)?$/;

export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      bundle: { type: "string" },
      digest: { type: "string", multiple: true },
      artifact: { type: "string" },
      owner: { type: "string" },
      repo: { type: "string" },
      "predicate-type": { type: "string" },
      "signer-workflow": { type: "string" },
      "cert-oidc-issuer": { type: "string" },
      "source-ref": { type: "string" },
      "trusted-root": { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError("verify takes one IMAGE_REF");
  if (positionals.length === 1) {
    if (values.bundle || values.digest || values.artifact) {
      throw new UsageError("verify IMAGE_REF takes no --bundle, --digest or --artifact");
    }
    // Like updates: built from astral-sh/uv (or --repo) at the release tag's commit, unless
    // --owner alone asks for `gh attestation verify --owner`'s owner-level policy.
    const release = values.owner === undefined || values.repo !== undefined;
    return verifyImage(positionals[0] as string, policyFrom(values), { ...values, release }, io);
  }
  if (!values.bundle) throw new UsageError("verify needs --bundle FILE");
  if (values.digest && values.artifact) {
    throw new UsageError("verify takes --digest or --artifact, not both");
  }
  if (!values.digest && !values.artifact) {
    throw new UsageError("verify needs --digest ALG:HEX or --artifact FILE");
  }
  const policy = policyFrom(values);
  const given = values.digest ? parseDigests(values.digest) : null;
  const trustMaterial = resolveTrustMaterial({
    file: values["trusted-root"] ?? null,
    env: io.env ?? process.env,
  });
  const text = await readFile(values.bundle, "utf8").catch((error: unknown) => {
    throw new UsageError(`cannot read --bundle ${values.bundle}: ${errorCode(error)}`);
  });
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    bundle = undefined;
  }
  const digests = given ?? (await hashFile(values.artifact ?? "", algorithmsFor(bundle)));
  const result =
    bundle === undefined
      ? notVerified(`bundle: ${values.bundle} is not JSON`)
      : verifyAttestation({ bundle, digests, policy, trustMaterial });
  if (values.json) {
    io.out(jsonText(attestationJson(result)));
  } else {
    io.out(renderAttestationTable(result));
    if (!result.verified) io.err(`uv-pin-bot: not verified: ${terminalText(result.reason)}\n`);
  }
  return result.verified ? 0 : 1;
}

/**
 * `verify IMAGE_REF`: the digest the registry serves for the reference (or the one it names),
 * then the attestations GitHub holds for that digest, verified like `check` does.
 */
async function verifyImage(
  ref: string,
  policy: AttestationPolicy,
  values: { json?: boolean; "trusted-root"?: string; release: boolean },
  io: Io,
): Promise<number> {
  const written = ref.replace(/^oci:\/\//, "");
  const parts = parseImageRef(written);
  if (!parts || !/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+$/.test(parts.name)) {
    throw new UsageError(
      `verify ${ref}: not an image reference (e.g. ghcr.io/astral-sh/uv:0.9.17)`,
    );
  }
  const tag = parts.tag ? written.slice(parts.tag.start, parts.tag.end) : null;
  const pinned = parts.digest ? written.slice(parts.digest.start, parts.digest.end) : null;
  if (pinned !== null && !/^sha256:[a-f0-9]{64}$/.test(pinned)) {
    throw new UsageError(`verify ${ref}: \`${pinned}\` is not a sha256 digest`);
  }
  const deps = await attestFor(
    values["trusted-root"]
      ? {
          ...io,
          trustMaterial: resolveTrustMaterial({
            file: values["trusted-root"],
            env: io.env ?? process.env,
          }),
        }
      : io,
    policy,
  );
  const digest =
    pinned ?? (await upstreamsFor(io).registry.digest(parts.name, tag ?? "latest")).digest;
  // A version tag (`0.9.17`, `0.9.17-alpine`) claims uv release 0.9.17: its attestation must come
  // from the commit that release tag points to, as for every update the app or `check` proposes.
  const version = tag === null ? null : (RELEASE_TAG.exec(tag)?.[1] ?? null);
  const narrowed = values.release
    ? await releasePolicy(
        deps,
        {
          repository: policy.repository ?? DEFAULT_ATTESTATION_SETTINGS.repository,
          requireReleaseCommit: version !== null,
        },
        version,
      )
    : policy;
  const result =
    "owner" in narrowed ? await verifyDigest({ ...deps, policy: narrowed }, digest) : narrowed;
  if (values.json) {
    io.out(jsonText(attestationJson(result)));
  } else {
    io.out(`${terminalText(parts.name)}@${digest}\n`);
    io.out(renderAttestationTable(result));
    if (!result.verified) io.err(`uv-pin-bot: not verified: ${terminalText(result.reason)}\n`);
  }
  return result.verified ? 0 : 1;
}

function policyFrom(values: {
  owner?: string;
  repo?: string;
  "predicate-type"?: string;
  "signer-workflow"?: string;
  "cert-oidc-issuer"?: string;
  "source-ref"?: string;
}): AttestationPolicy {
  for (const [flag, value] of Object.entries(values)) {
    if (value === "") throw new UsageError(`--${flag} needs a value`);
  }
  const repo = values.repo ?? null;
  const [repoOwner, repoName, ...rest] = repo?.split("/") ?? [];
  if (
    repo !== null &&
    (!repoOwner || !repoName || rest.length > 0 || !NAME.test(repoOwner) || !NAME.test(repoName))
  ) {
    throw new UsageError(`--repo ${repo}: expected OWNER/REPO`);
  }
  if (values.owner !== undefined && !NAME.test(values.owner)) {
    throw new UsageError(`--owner ${values.owner}: not a GitHub owner name`);
  }
  if (values.owner !== undefined && repoOwner !== undefined && values.owner !== repoOwner) {
    throw new UsageError(`--owner ${values.owner} contradicts --repo ${repo}`);
  }
  const policy: AttestationPolicy = {
    ...defaultPolicy(values.owner ?? repoOwner),
    repository: repo,
    signerWorkflow: values["signer-workflow"] ?? null,
    sourceRef: values["source-ref"] ?? null,
  };
  if (values["predicate-type"] !== undefined) policy.predicateType = values["predicate-type"];
  if (values["cert-oidc-issuer"] !== undefined) policy.issuer = values["cert-oidc-issuer"];
  try {
    new RegExp(identityPattern(policy), "u");
  } catch {
    throw new UsageError(`--signer-workflow ${policy.signerWorkflow}: not a valid pattern`);
  }
  return policy;
}

function parseDigests(specs: string[]): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const spec of specs) {
    const [alg = "", hex = "", ...rest] = spec.toLowerCase().split(":");
    const length = HEX_LENGTH[alg];
    if (!length || rest.length > 0 || !new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
      throw new UsageError(
        `--digest ${spec}: expected sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>`,
      );
    }
    if (digests[alg] !== undefined && digests[alg] !== hex) {
      throw new UsageError(`--digest: two different ${alg} digests given`);
    }
    digests[alg] = hex;
  }
  return digests;
}

/**
 * The algorithms to hash `--artifact` with: those the bundle's statement uses for its subjects
 * (read before verification only to choose them; the subject check runs on the verified statement).
 */
function algorithmsFor(bundle: unknown): string[] {
  const envelope = (bundle as { dsseEnvelope?: { payload?: unknown; payloadType?: unknown } })
    ?.dsseEnvelope;
  const known = (algs: string[]) => algs.filter((a) => a in HEX_LENGTH);
  if (typeof envelope?.payload === "string" && typeof envelope.payloadType === "string") {
    const read = parseStatement(envelope.payloadType, Buffer.from(envelope.payload, "base64"));
    const algs = read.ok ? known(subjectAlgorithms(read.statement)) : [];
    if (algs.length > 0) return algs;
  }
  return ["sha256", "sha512"];
}

async function hashFile(path: string, algorithms: string[]): Promise<Record<string, string>> {
  const supported = new Set(getHashes());
  const hashes = algorithms.filter((a) => supported.has(a)).map((a) => [a, createHash(a)] as const);
  try {
    for await (const chunk of createReadStream(path)) {
      for (const [, hash] of hashes) hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw new UsageError(`cannot read --artifact ${path}: ${errorCode(error)}`);
  }
  return Object.fromEntries(hashes.map(([a, hash]) => [a, hash.digest("hex")]));
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}
