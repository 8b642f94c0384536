/**
 * Presets and helpers for policy tests: identities that must (not) pass the
 * `gh attestation verify --owner astral-sh` policy, subjects, predicate types, and after-the-fact
 * edits of a signed bundle (which break it the way an attacker's edit would).
 */
import { createHash } from "node:crypto";
import { compress } from "snappyjs";
import { GITHUB_ACTIONS_ISSUER, type IdentityOptions, UV_DOCKER_WORKFLOW } from "./fulcio.js";
import { flipByte } from "./keys.js";
import type { BundleJson } from "./signer.js";
import type { Statement, Subject } from "./statement.js";

export {
  GITHUB_ACTIONS_ISSUER,
  type Identity,
  type IdentityOptions,
  UV_COMMIT,
  UV_DOCKER_WORKFLOW,
  UV_OWNER_URI,
  UV_REPOSITORY,
} from "./fulcio.js";
export { SLSA_PROVENANCE_V1 } from "./statement.js";

export const SPDX_PREDICATE = "https://spdx.dev/Document/v2.3";
export const UV_IMAGE = "ghcr.io/astral-sh/uv";

export const identities = {
  /** uv's real signer (the defaults): passes the policy. */
  uv: {} satisfies IdentityOptions,
  /** Look-alike org: SAN, source repository and owner URI all under astral-sh-evil. */
  evilOwner: {
    san: "https://github.com/astral-sh-evil/uv/.github/workflows/build-docker.yml@refs/heads/main",
    sourceRepository: "https://github.com/astral-sh-evil/uv",
    sourceRepositoryOwnerUri: "https://github.com/astral-sh-evil",
    sourceRepositoryIdentifier: "900000001",
    sourceRepositoryOwnerIdentifier: "900000002",
  } satisfies IdentityOptions,
  /** Every GitHub claim is uv's, but the token came from another issuer. */
  otherIssuer: (issuer = `${GITHUB_ACTIONS_ISSUER}/evil`): IdentityOptions => ({ issuer }),
  /** A person's Google account: e-mail SAN, no GitHub Actions claims at all. */
  googleAccount: (email = "maintainer@example.com"): IdentityOptions => ({
    san: email,
    issuer: "https://accounts.google.com",
    ...noGitHubClaims,
  }),
  /**
   * uv's repository calling a reusable workflow in another org: SAN and build signer are that
   * workflow, the owner and source repository stay astral-sh/uv, build config is uv's workflow.
   */
  reusableWorkflow: (
    signer = "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
  ): IdentityOptions => ({
    san: signer,
    buildSignerUri: signer,
    buildSignerDigest: /@([0-9a-f]{40})$/.exec(signer)?.[1] ?? null,
    buildConfigUri: UV_DOCKER_WORKFLOW,
  }),
  /** Same owner, another repository of it (the SAN still starts with https://github.com/astral-sh/). */
  otherRepository: (repo = "ruff"): IdentityOptions => ({
    san: `https://github.com/astral-sh/${repo}/.github/workflows/release.yml@refs/heads/main`,
    sourceRepository: `https://github.com/astral-sh/${repo}`,
  }),
};

const noGitHubClaims: IdentityOptions = {
  buildSignerUri: null,
  buildSignerDigest: null,
  runnerEnvironment: null,
  sourceRepository: null,
  sourceCommit: null,
  sourceRef: null,
  sourceRepositoryIdentifier: null,
  sourceRepositoryOwnerUri: null,
  sourceRepositoryOwnerIdentifier: null,
  buildConfigUri: null,
  buildConfigDigest: null,
  buildTrigger: null,
  runInvocationUri: null,
  visibility: null,
  workflowName: null,
};

export const sha256Hex = (data: string | Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** A subject for `name` whose sha256 is `hex` (a `sha256:` prefix is accepted and dropped). */
export const subject = (hex: string, name = UV_IMAGE): Subject => ({
  name,
  digest: { sha256: hex.replace(/^sha256:/, "") },
});

/** Another 64-hex digest, differing from `hex` in the last nibble. */
export function otherDigest(hex: string): string {
  const h = hex.replace(/^sha256:/, "");
  const last = h.at(-1) === "0" ? "1" : "0";
  return `${h.slice(0, -1)}${last}`;
}

export interface ResponseOptions {
  repositoryId?: number;
  /** Adds `bundle_url` (serve `snappyBundle(bundle)` there). */
  bundleUrl?: (index: number) => string;
  /** false: `bundle: null`, as the API answers since mid-2026 (needs bundleUrl). Default true. */
  inline?: boolean;
}

/** A `GET /orgs/{org}/attestations/{subject_digest}` (or `/repos/...`) response body. */
export function attestationsResponse(bundles: BundleJson[], o: ResponseOptions = {}) {
  if (o.inline === false && !o.bundleUrl) throw new Error("inline: false needs a bundleUrl");
  return {
    attestations: bundles.map((bundle, i) => ({
      bundle: o.inline === false ? null : bundle,
      repository_id: o.repositoryId ?? 632183913,
      ...(o.bundleUrl ? { bundle_url: o.bundleUrl(i) } : {}),
    })),
  };
}

/** What a `bundle_url` serves: the bundle's JSON, snappy-compressed (block format). */
export const snappyBundle = (bundle: BundleJson): Buffer =>
  Buffer.from(compress(Buffer.from(JSON.stringify(bundle), "utf8")));

/** The in-toto statement inside a bundle's envelope. */
export const statementOf = (bundle: BundleJson): Statement =>
  JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));

const clone = (b: BundleJson): BundleJson => structuredClone(b);

/** Flips one bit of the DSSE signature in the envelope only (the tlog body keeps the original). */
export function flipSignatureByte(bundle: BundleJson, index?: number): BundleJson {
  const b = clone(bundle);
  const sig = b.dsseEnvelope.signatures[0];
  if (!sig) throw new Error("bundle has no signature");
  sig.sig = flipByte(Buffer.from(sig.sig, "base64"), index).toString("base64");
  return b;
}

/** Swaps the envelope's statement for another, keeping signature and log entry: must fail. */
export function replaceStatement(bundle: BundleJson, edit: (s: Statement) => Statement) {
  const b = clone(bundle);
  const next = edit(statementOf(b));
  b.dsseEnvelope.payload = Buffer.from(JSON.stringify(next)).toString("base64");
  return b;
}

/** Removes the tlog entries (the verifier's tlog threshold must reject it). */
export function withoutTlogEntries(bundle: BundleJson): BundleJson {
  const b = clone(bundle);
  b.verificationMaterial.tlogEntries = [];
  return b;
}
