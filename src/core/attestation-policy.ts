/**
 * The attestation policy (pure): which signer, issuer, predicate and artifact an attestation must
 * show before its digest is pinned. Policy is data; `checkPolicy` compares it with the facts read
 * from a verified certificate and statement and returns every check in order, so the CLI and the
 * PR body show the same table. By default it is what `gh attestation verify --owner <owner>`
 * enforces: issuer, Source Repository Owner URI, an anchored SAN pattern, predicate type; plus the
 * check `@sigstore/verify` leaves to its caller: the statement is about the digest being pinned.
 */

export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
const GITHUB = "https://github.com";

export interface AttestationPolicy {
  /** The GitHub owner whose repository built the artifact (Source Repository Owner URI). */
  owner: string;
  /** The certificate's OIDC issuer, compared exactly. */
  issuer: string;
  predicateType: string;
  /**
   * Replaces the default identity pattern (`^https://github\.com/<owner>/`), as gh's
   * `--signer-workflow` does. `[host/]owner/repo/path/to/workflow.yml[@ref]` (host defaults to
   * github.com; `https://` may be written) is matched literally and anchored at both ends, the
   * `@ref` optional unless given. A value starting with `^` is used as a regular expression as is.
   */
  signerWorkflow: string | null;
  /** `owner/repo`: the Source Repository URI must equal `https://github.com/owner/repo`. */
  repository: string | null;
  /** The Source Repository Ref must equal this, e.g. `refs/heads/main`. */
  sourceRef: string | null;
  /**
   * The Source Repository Digest (1.13) must equal the commit this release tag points to: the
   * attestation is for the release being pinned, not another version built by the same workflow.
   */
  releaseCommit: { tag: string; commit: string } | null;
}

export function defaultPolicy(owner = "astral-sh"): AttestationPolicy {
  return {
    owner,
    issuer: GITHUB_ACTIONS_ISSUER,
    predicateType: SLSA_PROVENANCE_V1,
    signerWorkflow: null,
    repository: null,
    sourceRef: null,
    releaseCommit: null,
  };
}

/** What a verified Fulcio certificate says (null where it has no such extension). */
export interface CertificateFacts {
  /** OIDC issuer, 1.3.6.1.4.1.57264.1.8 (or the legacy 1.1). */
  issuer: string | null;
  /** Subject Alternative Name: for GitHub Actions the Build Signer URI. */
  san: string | null;
  /** Source Repository URI, …1.12. */
  sourceRepository: string | null;
  /** Source Repository Owner URI, …1.16. */
  sourceRepositoryOwner: string | null;
  /** Source Repository Ref, …1.14. */
  sourceRef: string | null;
  /** Source Repository Digest (the commit built), …1.13; absent facts count as null. */
  sourceCommit?: string | null;
}

/** The parts of an in-toto Statement v1 the policy reads. */
export interface StatementFacts {
  subjects: { name: string | null; digest: Record<string, string> }[];
  predicateType: string | null;
}

export interface PolicyCheck {
  name: string;
  expected: string;
  actual: string | null;
  ok: boolean;
}

export interface PolicyResult {
  checks: PolicyCheck[];
  /** The first failed check as one line naming it, or null when all pass. */
  reason: string | null;
  /** The subject digest that matched, else one in an expected algorithm, else the first. */
  subjectDigest: string | null;
}

/** What `verify --json` prints, exactly these fields in this order. */
export interface AttestationJson {
  verified: boolean;
  reason: string | null;
  subjectDigest: string | null;
  predicateType: string | null;
  certificateIssuer: string | null;
  san: string | null;
  sourceRepository: string | null;
  sourceRepositoryOwner: string | null;
  sourceRef: string | null;
  sourceCommit: string | null;
  signerWorkflow: string | null;
  buildTrigger: string | null;
  runUrl: string | null;
  rekorLogIndex: number | null;
  /** When the transparency log integrated the entry, ISO 8601 to the second. */
  integratedTime: string | null;
}

/** The result of verifying one attestation: the JSON fields plus the checks behind them. */
export interface AttestationSummary extends AttestationJson {
  /** In order; shown in tables and the PR body, left out of `verify --json`. */
  checks: PolicyCheck[];
}

/** The `verify --json` object: the fixed field list, without `checks`. */
export function attestationJson(s: AttestationSummary): AttestationJson {
  return {
    verified: s.verified,
    reason: s.reason,
    subjectDigest: s.subjectDigest,
    predicateType: s.predicateType,
    certificateIssuer: s.certificateIssuer,
    san: s.san,
    sourceRepository: s.sourceRepository,
    sourceRepositoryOwner: s.sourceRepositoryOwner,
    sourceRef: s.sourceRef,
    sourceCommit: s.sourceCommit,
    signerWorkflow: s.signerWorkflow,
    buildTrigger: s.buildTrigger,
    runUrl: s.runUrl,
    rekorLogIndex: s.rekorLogIndex,
    integratedTime: s.integratedTime,
  };
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A host as gh recognises one: the first path segment has a dot (`github.com/…`). */
const HOST = /^[a-zA-Z0-9-]+\.[a-zA-Z0-9-]+/;
/** The `@ref` that ends a workflow SAN: a `refs/…` path or a commit. */
const REF = "@(refs/.*|[0-9a-fA-F]+)";

/** The SAN pattern a `signerWorkflow` value stands for (see AttestationPolicy.signerWorkflow). */
export function signerWorkflowPattern(value: string): string {
  if (value.startsWith("^")) return value;
  const url = value.startsWith("https://")
    ? value
    : HOST.test(value)
      ? `https://${value}`
      : `${GITHUB}/${value.replace(/^\/+/, "")}`;
  return `^${escapeRegExp(url)}${new RegExp(`${REF}$`).test(url) ? "$" : `(${REF})?$`}`;
}

/** The SAN pattern the policy enforces. */
export function identityPattern(policy: AttestationPolicy): string {
  if (policy.signerWorkflow !== null) return signerWorkflowPattern(policy.signerWorkflow);
  const scope = policy.repository ?? policy.owner;
  return `^${escapeRegExp(`${GITHUB}/${scope}/`)}`;
}

export const ownerUri = (owner: string) => `${GITHUB}/${owner}`;

function equals(name: string, expected: string, actual: string | null): PolicyCheck {
  return { name, expected, actual, ok: actual === expected };
}

/** GitHub's owner and repository names are case-insensitive: `Astral-SH/UV` is astral-sh/uv. */
function sameName(name: string, expected: string, actual: string | null): PolicyCheck {
  return { name, expected, actual, ok: actual?.toLowerCase() === expected.toLowerCase() };
}

function matches(
  name: string,
  pattern: string,
  actual: string | null,
  ignoreCase = false,
): PolicyCheck {
  let ok = false;
  try {
    ok = actual !== null && new RegExp(pattern, ignoreCase ? "iu" : "u").test(actual);
  } catch {
    ok = false;
  }
  return { name, expected: pattern, actual, ok };
}

const lower = (digests: Readonly<Record<string, string>>) =>
  Object.entries(digests).map(([alg, hex]) => `${alg.toLowerCase()}:${hex.toLowerCase()}`);
const algorithm = (digest: string) => digest.slice(0, digest.indexOf(":"));

/** The subject check, and the subject digest a summary shows: the match, else the closest. */
function digestCheck(
  statement: StatementFacts,
  expectedDigests: Readonly<Record<string, string>>,
): { check: PolicyCheck; subjectDigest: string | null } {
  const wanted = lower(expectedDigests);
  const recorded = statement.subjects.flatMap((s) => lower(s.digest));
  const hit = recorded.find((d) => wanted.includes(d));
  const sameAlgorithm = recorded.find((d) => wanted.some((w) => algorithm(w) === algorithm(d)));
  return {
    check: {
      name: "subject digest",
      expected: wanted.join(", ") || "(none given)",
      actual: hit ?? (recorded.length > 0 ? recorded.join(", ") : null),
      ok: hit !== undefined,
    },
    subjectDigest: hit ?? sameAlgorithm ?? recorded[0] ?? null,
  };
}

/**
 * Every check, in order: issuer, owner, identity, predicate type, subject digest, then the
 * optional repository and ref. Owner and repository come from their certificate extensions,
 * never from the SAN (a reusable workflow's SAN names the workflow's repository, not the caller).
 */
export function checkPolicy(
  facts: CertificateFacts,
  statement: StatementFacts,
  expectedDigests: Readonly<Record<string, string>>,
  policy: AttestationPolicy,
): PolicyResult {
  const subject = digestCheck(statement, expectedDigests);
  const checks = [
    equals("certificate issuer", policy.issuer, facts.issuer),
    sameName("source repository owner", ownerUri(policy.owner), facts.sourceRepositoryOwner),
    // The default identity is `https://github.com/OWNER[/REPO]/`: names, compared as GitHub does.
    // A signer workflow's pattern also holds a path and a ref, which git compares exactly.
    matches(
      "certificate identity",
      identityPattern(policy),
      facts.san,
      policy.signerWorkflow === null,
    ),
    equals("predicate type", policy.predicateType, statement.predicateType),
    subject.check,
  ];
  if (policy.repository !== null) {
    checks.push(
      sameName("source repository", `${GITHUB}/${policy.repository}`, facts.sourceRepository),
    );
  }
  if (policy.releaseCommit !== null) {
    checks.push(
      equals(
        "source commit",
        policy.releaseCommit.commit,
        facts.sourceCommit?.toLowerCase() ?? null,
      ),
    );
  }
  if (policy.sourceRef !== null)
    checks.push(equals("source ref", policy.sourceRef, facts.sourceRef));
  // The reason names the most telling failure: another repository before the identity pattern
  // that the repository narrows (a ruff build fails both; "another repository" says why).
  const failed = checks.find((c) => !c.ok && REASON_FIRST.has(c.name)) ?? checks.find((c) => !c.ok);
  return {
    checks,
    reason: failed ? failureReason(failed, policy) : null,
    subjectDigest: subject.subjectDigest,
  };
}

const REASON_FIRST = new Set([
  "certificate issuer",
  "source repository owner",
  "source repository",
]);

/** One line naming the check: `certificate identity: <SAN> does not match <pattern>`. */
export function failureReason(check: PolicyCheck, policy?: AttestationPolicy): string {
  const actual = check.actual ?? "(none)";
  switch (check.name) {
    case "source repository":
      return `${check.name}: ${actual} is not ${check.expected} (built from another repository)`;
    case "source commit": {
      const tag = policy?.releaseCommit?.tag;
      const of = tag
        ? `, the commit of the release tag ${tag} in ${policy?.repository ?? "the repository"}`
        : "";
      return `${check.name}: ${actual} is not ${check.expected}${of} (built for another version)`;
    }
    case "certificate identity":
      return `${check.name}: ${actual} does not match ${check.expected}`;
    case "subject digest":
      return `${check.name}: ${check.expected} is not a subject of the attestation (subjects: ${actual})`;
    case "certificate issuer":
      return check.actual?.startsWith(`${check.expected}/`)
        ? `${check.name}: ${actual} is not ${check.expected} (a custom OIDC issuer must be named: --cert-oidc-issuer)`
        : `${check.name}: ${actual} is not ${check.expected}`;
    default:
      return `${check.name}: ${actual} is not ${check.expected}`;
  }
}
