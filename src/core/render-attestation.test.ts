import { describe, expect, it } from "vitest";
import type { AttestationSummary } from "./attestation-policy.js";
import { mdCode, mdLink, renderAttestation, renderAttestationTable } from "./render-attestation.js";

const SHA = "a".repeat(64);
const SAN = "https://github.com/astral-sh/uv/.github/workflows/build-docker.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

const verified: AttestationSummary = {
  verified: true,
  reason: null,
  subjectDigest: `sha256:${SHA}`,
  predicateType: "https://slsa.dev/provenance/v1",
  certificateIssuer: ISSUER,
  san: SAN,
  sourceRepository: "https://github.com/astral-sh/uv",
  sourceRepositoryOwner: "https://github.com/astral-sh",
  sourceRef: "refs/heads/main",
  sourceCommit: "0123456789abcdef0123456789abcdef01234567",
  signerWorkflow: SAN,
  buildTrigger: "workflow_dispatch",
  runUrl: "https://github.com/astral-sh/uv/actions/runs/1/attempts/1",
  rekorLogIndex: 42,
  integratedTime: "2025-01-02T03:04:05Z",
  checks: [
    { name: "certificate issuer", expected: ISSUER, actual: ISSUER, ok: true },
    {
      name: "certificate identity",
      expected: "^https://github\\.com/astral-sh/",
      actual: SAN,
      ok: true,
    },
  ],
};

describe("renderAttestation (Markdown)", () => {
  it("shows the verdict, the policy table and the provenance", () => {
    expect(renderAttestation(verified)).toBe(`**Attestation verified ✓**

| policy check | expected | actual | |
|---|---|---|:-:|
| certificate issuer | \`${ISSUER}\` | \`${ISSUER}\` | ✓ |
| certificate identity | \`^https://github\\.com/astral-sh/\` | \`${SAN}\` | ✓ |

| provenance | |
|---|---|
| subject | \`sha256:${SHA}\` |
| repository | \`https://github.com/astral-sh/uv\` |
| owner | \`https://github.com/astral-sh\` |
| workflow | \`${SAN}\` |
| ref | \`refs/heads/main\` |
| commit | \`0123456789abcdef0123456789abcdef01234567\` |
| trigger | \`workflow_dispatch\` |
| issuer | \`${ISSUER}\` |
| run | [\`https://github.com/astral-sh/uv/actions/runs/1/attempts/1\`](https://github.com/astral-sh/uv/actions/runs/1/attempts/1) |
| transparency log | index 42, integrated 2025-01-02T03:04:05Z |
`);
  });

  it("shows a refusal with its reason and — for what is unknown", () => {
    const md = renderAttestation({
      ...verified,
      verified: false,
      reason: "signature: signature verification failed",
      san: null,
      signerWorkflow: null,
      runUrl: null,
      rekorLogIndex: null,
      integratedTime: null,
      checks: [{ name: "signature", expected: "verified", actual: "bad", ok: false }],
    });
    expect(md).toContain(
      "**Attestation not verified ✗**: `signature: signature verification failed`",
    );
    expect(md).toContain("| signature | `verified` | `bad` | ✗ |");
    expect(md).toContain("| workflow | — |");
    expect(md).toContain("| run | — |");
    expect(md).toContain("| transparency log | — |");
  });

  it("cannot be steered by what a certificate says", () => {
    const evil =
      "x` | <img src=x onerror=alert(1)> @astral-sh #1 [a](javascript:alert(1))\n| row |\u202e";
    const md = renderAttestation({
      ...verified,
      sourceRef: evil,
      runUrl: "javascript:alert(1)",
      buildTrigger: "``` @someone ```",
    });
    const row = (name: string) => md.split("\n").find((l) => l.startsWith(`| ${name} |`));
    expect(row("ref")).toBe(
      "| ref | `` x` \\| <img src=x onerror=alert(1)> @astral-sh #1 [a](javascript:alert(1)) \\| row \\|  `` |",
    );
    expect(row("run")).toBe("| run | `javascript:alert(1)` |");
    expect(row("trigger")).toBe("| trigger | ```` ``` @someone ``` ```` |");
    expect(md.split("\n")).toHaveLength(renderAttestation(verified).split("\n").length);
  });
});

describe("mdCode / mdLink", () => {
  it.each([
    ["plain", "`plain`"],
    ["a|b", "`a\\|b`"],
    ["`tick", "`` `tick ``"],
    ["a``b", "```a``b```"],
    ["", "(empty)"],
    ["line\r\nbreak", "`line  break`"],
  ])("%j → %s", (value, expected) => {
    expect(mdCode(value)).toBe(expected);
  });

  it("links only plain https URLs", () => {
    expect(mdLink("https://github.com/o/r/actions/runs/1")).toBe(
      "[`https://github.com/o/r/actions/runs/1`](https://github.com/o/r/actions/runs/1)",
    );
    expect(mdLink("https://github.com/o/r) [x](https://evil")).toBe(
      "`https://github.com/o/r) [x](https://evil`",
    );
    expect(mdLink("http://github.com/o")).toBe("`http://github.com/o`");
  });
});

describe("renderAttestationTable (terminal)", () => {
  it("replaces control characters so escape sequences cannot reach the terminal", () => {
    const text = renderAttestationTable({ ...verified, sourceRef: "\u001b[2Jrefs/heads/main\n" });
    expect(text).toContain("  ref               ?[2Jrefs/heads/main?\n");
    expect(text).not.toContain("\u001b");
  });

  it("shows what a failed check expected", () => {
    const text = renderAttestationTable({
      ...verified,
      verified: false,
      reason: "source repository owner: https://github.com/x is not https://github.com/astral-sh",
      checks: [
        {
          name: "source repository owner",
          expected: "https://github.com/astral-sh",
          actual: "https://github.com/x",
          ok: false,
        },
      ],
    });
    expect(text).toContain(
      "Attestation NOT verified: source repository owner: https://github.com/x is not https://github.com/astral-sh\n",
    );
    expect(text).toContain(
      "  ✗ source repository owner  https://github.com/x (expected https://github.com/astral-sh)\n",
    );
  });
});
