import { describe, expect, it } from "vitest";
import {
  type AttestationPolicy,
  type CertificateFacts,
  checkPolicy,
  defaultPolicy,
  GITHUB_ACTIONS_ISSUER,
  identityPattern,
  SLSA_PROVENANCE_V1,
  type StatementFacts,
  signerWorkflowPattern,
} from "./attestation-policy.js";

const SHA = "49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";
const UV_SAN = "https://github.com/astral-sh/uv/.github/workflows/build-docker.yml@refs/heads/main";

const facts = (over: Partial<CertificateFacts> = {}): CertificateFacts => ({
  issuer: GITHUB_ACTIONS_ISSUER,
  san: UV_SAN,
  sourceRepository: "https://github.com/astral-sh/uv",
  sourceRepositoryOwner: "https://github.com/astral-sh",
  sourceRef: "refs/heads/main",
  ...over,
});
const statement = (over: Partial<StatementFacts> = {}): StatementFacts => ({
  subjects: [{ name: "ghcr.io/astral-sh/uv", digest: { sha256: SHA } }],
  predicateType: SLSA_PROVENANCE_V1,
  ...over,
});
const policy = (over: Partial<AttestationPolicy> = {}) => ({ ...defaultPolicy(), ...over });

describe("defaultPolicy", () => {
  it("is gh attestation verify --owner astral-sh", () => {
    expect(defaultPolicy()).toEqual({
      owner: "astral-sh",
      issuer: "https://token.actions.githubusercontent.com",
      predicateType: "https://slsa.dev/provenance/v1",
      signerWorkflow: null,
      repository: null,
      releaseCommit: null,
      sourceRef: null,
    });
    expect(defaultPolicy("sigstore").owner).toBe("sigstore");
  });
});

describe("identityPattern / signerWorkflowPattern", () => {
  it.each([
    [policy(), "^https://github\\.com/astral-sh/"],
    [policy({ owner: "a.b+c" }), "^https://github\\.com/a\\.b\\+c/"],
    [policy({ repository: "astral-sh/uv" }), "^https://github\\.com/astral-sh/uv/"],
    [
      policy({
        signerWorkflow: "github/artifact-attestations-workflows/.github/workflows/attest.yml",
      }),
      "^https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
    ],
  ])("%o → %s", (p, expected) => {
    expect(identityPattern(p)).toBe(expected);
  });

  it.each([
    [
      "a/b/.github/workflows/x.yml",
      "^https://github\\.com/a/b/\\.github/workflows/x\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
    ],
    [
      "github.com/a/b/.github/workflows/x.yml",
      "^https://github\\.com/a/b/\\.github/workflows/x\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
    ],
    [
      "https://github.com/a/b/.github/workflows/x.yml",
      "^https://github\\.com/a/b/\\.github/workflows/x\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
    ],
    [
      "ghe.example.com/a/b/.github/workflows/x.yml",
      "^https://ghe\\.example\\.com/a/b/\\.github/workflows/x\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
    ],
    [
      "a/b/.github/workflows/x.yml@refs/heads/main",
      "^https://github\\.com/a/b/\\.github/workflows/x\\.yml@refs/heads/main$",
    ],
    ["^https://github\\.com/a/", "^https://github\\.com/a/"],
  ])("signer workflow %s → %s", (value, expected) => {
    expect(signerWorkflowPattern(value)).toBe(expected);
  });
});

const run = (f: CertificateFacts, s: StatementFacts, p: AttestationPolicy, d = { sha256: SHA }) =>
  checkPolicy(f, s, d, p);

describe("checkPolicy", () => {
  it("passes uv's own attestation and lists every check in order", () => {
    expect(run(facts(), statement(), policy())).toEqual({
      reason: null,
      subjectDigest: `sha256:${SHA}`,
      checks: [
        {
          name: "certificate issuer",
          expected: GITHUB_ACTIONS_ISSUER,
          actual: GITHUB_ACTIONS_ISSUER,
          ok: true,
        },
        {
          name: "source repository owner",
          expected: "https://github.com/astral-sh",
          actual: "https://github.com/astral-sh",
          ok: true,
        },
        {
          name: "certificate identity",
          expected: "^https://github\\.com/astral-sh/",
          actual: UV_SAN,
          ok: true,
        },
        {
          name: "predicate type",
          expected: SLSA_PROVENANCE_V1,
          actual: SLSA_PROVENANCE_V1,
          ok: true,
        },
        { name: "subject digest", expected: `sha256:${SHA}`, actual: `sha256:${SHA}`, ok: true },
      ],
    });
  });

  it.each<
    [
      string,
      Partial<CertificateFacts>,
      Partial<StatementFacts>,
      Partial<AttestationPolicy>,
      string | null,
    ]
  >([
    [
      "SAN of an owner extended by a suffix (anchored, /-terminated)",
      { san: "https://github.com/astral-sh-evil/uv/.github/workflows/x.yml@refs/heads/main" },
      {},
      {},
      "certificate identity: https://github.com/astral-sh-evil/uv/.github/workflows/x.yml@refs/heads/main does not match ^https://github\\.com/astral-sh/",
    ],
    [
      "SAN on another host that contains the pattern (anchored at the start)",
      { san: "https://evil.example/https://github.com/astral-sh/uv/x.yml" },
      {},
      {},
      "certificate identity: https://evil.example/https://github.com/astral-sh/uv/x.yml does not match ^https://github\\.com/astral-sh/",
    ],
    [
      "a dot in the pattern is not a wildcard",
      { san: "https://githubXcom/astral-sh/uv/x.yml" },
      {},
      {},
      "certificate identity: https://githubXcom/astral-sh/uv/x.yml does not match ^https://github\\.com/astral-sh/",
    ],
    [
      "owner extended by a suffix",
      { sourceRepositoryOwner: "https://github.com/astral-sh-evil" },
      {},
      {},
      "source repository owner: https://github.com/astral-sh-evil is not https://github.com/astral-sh",
    ],
    [
      "owner policy that is a prefix of the real owner",
      {
        sourceRepositoryOwner: "https://github.com/sigstore",
        san: "https://github.com/sigstore/x/y.yml@refs/heads/main",
      },
      {},
      { owner: "sigstor" },
      "source repository owner: https://github.com/sigstore is not https://github.com/sigstor",
    ],
    [
      "no owner extension",
      { sourceRepositoryOwner: null },
      {},
      {},
      "source repository owner: (none) is not https://github.com/astral-sh",
    ],
    [
      "no SAN",
      { san: null },
      {},
      {},
      "certificate identity: (none) does not match ^https://github\\.com/astral-sh/",
    ],
    [
      "custom issuer, default policy",
      { issuer: `${GITHUB_ACTIONS_ISSUER}/hammer-time` },
      {},
      {},
      "certificate issuer: https://token.actions.githubusercontent.com/hammer-time is not https://token.actions.githubusercontent.com (a custom OIDC issuer must be named: --cert-oidc-issuer)",
    ],
    [
      "custom issuer, named",
      { issuer: `${GITHUB_ACTIONS_ISSUER}/hammer-time` },
      {},
      { issuer: `${GITHUB_ACTIONS_ISSUER}/hammer-time` },
      null,
    ],
    [
      "default issuer when a custom one is required",
      {},
      {},
      { issuer: `${GITHUB_ACTIONS_ISSUER}/hammer-time` },
      "certificate issuer: https://token.actions.githubusercontent.com is not https://token.actions.githubusercontent.com/hammer-time",
    ],
    [
      "another issuer",
      { issuer: "https://accounts.google.com" },
      {},
      {},
      "certificate issuer: https://accounts.google.com is not https://token.actions.githubusercontent.com",
    ],
    [
      "wrong predicate type",
      {},
      { predicateType: "https://spdx.dev/Document/v2.3" },
      {},
      "predicate type: https://spdx.dev/Document/v2.3 is not https://slsa.dev/provenance/v1",
    ],
    [
      "another artifact",
      {},
      { subjects: [{ name: "x", digest: { sha256: "0".repeat(64) } }] },
      {},
      `subject digest: sha256:${SHA} is not a subject of the attestation (subjects: sha256:${"0".repeat(64)})`,
    ],
    [
      "subject recorded only in another algorithm",
      {},
      { subjects: [{ name: "x", digest: { sha512: SHA + SHA } }] },
      {},
      `subject digest: sha256:${SHA} is not a subject of the attestation (subjects: sha512:${SHA}${SHA})`,
    ],
    [
      "no subjects",
      {},
      { subjects: [] },
      {},
      `subject digest: sha256:${SHA} is not a subject of the attestation (subjects: (none))`,
    ],
    [
      "subject among several, upper-case hex",
      {},
      {
        subjects: [
          { name: "a", digest: { sha256: "1".repeat(64) } },
          { name: "b", digest: { SHA256: SHA.toUpperCase() } },
        ],
      },
      {},
      null,
    ],
    ["repository matches", {}, {}, { repository: "astral-sh/uv" }, null],
    [
      "owner and repository compared as GitHub compares names: without case",
      {},
      {},
      { owner: "Astral-SH", repository: "Astral-SH/UV" },
      null,
    ],
    [
      "another repository still differs, whatever the case",
      { sourceRepository: "https://github.com/astral-sh/ruff" },
      {},
      { repository: "Astral-SH/UV" },
      "source repository: https://github.com/astral-sh/ruff is not https://github.com/Astral-SH/UV (built from another repository)",
    ],
    [
      "repository differs",
      {
        sourceRepository: "https://github.com/astral-sh/ruff",
        san: "https://github.com/astral-sh/uv/x.yml@refs/heads/main",
      },
      {},
      { repository: "astral-sh/uv" },
      "source repository: https://github.com/astral-sh/ruff is not https://github.com/astral-sh/uv (built from another repository)",
    ],
    [
      "repository policy narrows the identity to the repository",
      { san: "https://github.com/astral-sh/uv-evil/x.yml@refs/heads/main" },
      {},
      { repository: "astral-sh/uv" },
      "certificate identity: https://github.com/astral-sh/uv-evil/x.yml@refs/heads/main does not match ^https://github\\.com/astral-sh/uv/",
    ],
    [
      "release commit matches (compared in lower case)",
      { sourceCommit: "2222222222222222222222222222222222222222".toUpperCase() },
      {},
      {
        repository: "astral-sh/uv",
        releaseCommit: { tag: "0.9.18", commit: "2222222222222222222222222222222222222222" },
      },
      null,
    ],
    [
      "release commit differs: built for another version",
      { sourceCommit: "1111111111111111111111111111111111111111" },
      {},
      {
        repository: "astral-sh/uv",
        releaseCommit: { tag: "0.9.18", commit: "2222222222222222222222222222222222222222" },
      },
      "source commit: 1111111111111111111111111111111111111111 is not 2222222222222222222222222222222222222222, the commit of the release tag 0.9.18 in astral-sh/uv (built for another version)",
    ],
    [
      "release commit required, none in the certificate",
      { sourceCommit: null },
      {},
      {
        repository: "astral-sh/uv",
        releaseCommit: { tag: "0.9.18", commit: "2222222222222222222222222222222222222222" },
      },
      "source commit: (none) is not 2222222222222222222222222222222222222222, the commit of the release tag 0.9.18 in astral-sh/uv (built for another version)",
    ],
    [
      "another repository is the reason, before the identity it also fails",
      {
        sourceRepository: "https://github.com/astral-sh/ruff",
        san: "https://github.com/astral-sh/ruff/.github/workflows/release.yml@refs/heads/main",
      },
      {},
      { repository: "astral-sh/uv" },
      "source repository: https://github.com/astral-sh/ruff is not https://github.com/astral-sh/uv (built from another repository)",
    ],
    ["source ref matches", {}, {}, { sourceRef: "refs/heads/main" }, null],
    [
      "source ref differs",
      { sourceRef: "refs/heads/evil" },
      {},
      { sourceRef: "refs/heads/main" },
      "source ref: refs/heads/evil is not refs/heads/main",
    ],
  ])("%s", (_name, f, s, p, reason) => {
    expect(run(facts(f), statement(s), policy(p)).reason).toBe(reason);
  });

  it("reports the first failure but evaluates every check", () => {
    const r = run(
      facts({ issuer: "x", sourceRepositoryOwner: null }),
      statement({ predicateType: "y" }),
      policy(),
    );
    expect(r.reason).toBe(
      "certificate issuer: x is not https://token.actions.githubusercontent.com",
    );
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ["certificate issuer", false],
      ["source repository owner", false],
      ["certificate identity", true],
      ["predicate type", false],
      ["subject digest", true],
    ]);
  });

  it("adds the optional checks after the default ones", () => {
    const r = run(
      facts(),
      statement(),
      policy({ repository: "astral-sh/uv", sourceRef: "refs/heads/main" }),
    );
    expect(r.checks.map((c) => c.name)).toEqual([
      "certificate issuer",
      "source repository owner",
      "certificate identity",
      "predicate type",
      "subject digest",
      "source repository",
      "source ref",
    ]);
  });

  it("fails when no digest is expected", () => {
    expect(run(facts(), statement(), policy(), {} as { sha256: string }).reason).toBe(
      `subject digest: (none given) is not a subject of the attestation (subjects: sha256:${SHA})`,
    );
  });

  describe("signer workflow replaces the identity pattern, not the owner check", () => {
    const reusable = facts({
      san: "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
      sourceRepositoryOwner: "https://github.com/malancas",
      sourceRepository: "https://github.com/malancas/attest-demo",
    });
    const wf = "github/artifact-attestations-workflows/.github/workflows/attest.yml";
    it.each<[string, CertificateFacts, Partial<AttestationPolicy>, string | null]>([
      [
        "owner alone rejects the reusable workflow's SAN",
        reusable,
        { owner: "malancas" },
        "certificate identity: https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d does not match ^https://github\\.com/malancas/",
      ],
      [
        "owner and signer workflow accept it",
        reusable,
        { owner: "malancas", signerWorkflow: wf },
        null,
      ],
      [
        "the owner is still checked",
        reusable,
        { owner: "github", signerWorkflow: wf },
        "source repository owner: https://github.com/malancas is not https://github.com/github",
      ],
      [
        "with the commit pinned",
        reusable,
        { owner: "malancas", signerWorkflow: `${wf}@09b495c3f12c7881b3cc17209a327792065c1a1d` },
        null,
      ],
      [
        "with another ref pinned",
        reusable,
        { owner: "malancas", signerWorkflow: `${wf}@refs/heads/main` },
        "certificate identity: https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d does not match ^https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml@refs/heads/main$",
      ],
      [
        "a workflow whose name extends the pinned one",
        {
          ...reusable,
          san: "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml.evil.yml@refs/heads/main",
        },
        { owner: "malancas", signerWorkflow: wf },
        "certificate identity: https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml.evil.yml@refs/heads/main does not match ^https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml(@(refs/.*|[0-9a-fA-F]+))?$",
      ],
      [
        "an invalid raw pattern fails closed",
        reusable,
        { owner: "malancas", signerWorkflow: "^https://github.com/(" },
        "certificate identity: https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d does not match ^https://github.com/(",
      ],
    ])("%s", (_name, f, p, reason) => {
      expect(run(f, statement(), policy(p)).reason).toBe(reason);
    });
  });
});

describe("checkPolicy subjectDigest", () => {
  it.each<[StatementFacts["subjects"], Record<string, string>, string | null]>([
    [
      [
        { name: "a", digest: { sha256: "1".repeat(64) } },
        { name: "b", digest: { sha256: SHA } },
      ],
      { sha256: SHA },
      `sha256:${SHA}`,
    ],
    [
      [{ name: "a", digest: { sha512: "2".repeat(128), sha256: "1".repeat(64) } }],
      { sha256: SHA },
      `sha256:${"1".repeat(64)}`,
    ],
    [
      [{ name: "a", digest: { sha512: "2".repeat(128) } }],
      { sha256: SHA },
      `sha512:${"2".repeat(128)}`,
    ],
    [[], { sha256: SHA }, null],
  ])("%j for %j → %s", (subjects, digests, expected) => {
    expect(checkPolicy(facts(), statement({ subjects }), digests, policy()).subjectDigest).toBe(
      expected,
    );
  });
});
