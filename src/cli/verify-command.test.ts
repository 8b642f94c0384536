import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HELP, main } from "./main.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/attestations/${name}`, import.meta.url));
const SJS = fixture("sigstore-js-2.1.0-bundle.json");
const TGZ = fixture("sigstore-js-2.1.0.tgz");
const REUSABLE = fixture("reusable-workflow-attestation.sigstore.json");
const WHEEL = fixture("reusable-workflow-artifact");
const CUSTOM = fixture("custom-issuer.sigstore.json");
const HELLO = fixture("custom-issuer-artifact");
const ROOT = fixture("trusted_root.json");
const TGZ_SHA512 =
  "90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f";
const TGZ_SHA256 = "f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed";

const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = "";
  let err = "";
  const code = await main(["verify", ...argv], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
  });
  return { code, out, err };
}

const JSON_FIELDS = [
  "verified",
  "reason",
  "subjectDigest",
  "predicateType",
  "certificateIssuer",
  "san",
  "sourceRepository",
  "sourceRepositoryOwner",
  "sourceRef",
  "sourceCommit",
  "signerWorkflow",
  "buildTrigger",
  "runUrl",
  "rekorLogIndex",
  "integratedTime",
];

describe("uv-pin-bot verify", () => {
  it("--json prints exactly the summary fields, in order", async () => {
    const r = await run(["--bundle", SJS, "--artifact", TGZ, "--owner", "sigstore", "--json"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(JSON_FIELDS);
    expect(json).toEqual({
      verified: true,
      reason: null,
      subjectDigest: `sha512:${TGZ_SHA512}`,
      predicateType: "https://slsa.dev/provenance/v1",
      certificateIssuer: "https://token.actions.githubusercontent.com",
      san: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
      sourceRepository: "https://github.com/sigstore/sigstore-js",
      sourceRepositoryOwner: "https://github.com/sigstore",
      sourceRef: "refs/heads/main",
      sourceCommit: "26d16513386ffaa790b1c32f927544f1322e4194",
      signerWorkflow:
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
      buildTrigger: "push",
      runUrl: "https://github.com/sigstore/sigstore-js/actions/runs/6014488666/attempts/1",
      rekorLogIndex: 33351527,
      integratedTime: "2023-08-29T15:40:23Z",
    });
  });

  it("prints the policy checks and provenance as a table", async () => {
    const r = await run([
      "--bundle",
      SJS,
      "--digest",
      `sha512:${TGZ_SHA512}`,
      "--owner",
      "sigstore",
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toBe(`Attestation verified

Policy:
  ✓ signature, certificate chain, transparency log  verified
  ✓ certificate issuer                              https://token.actions.githubusercontent.com
  ✓ source repository owner                         https://github.com/sigstore
  ✓ certificate identity                            https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main (matches ^https://github\\.com/sigstore/)
  ✓ predicate type                                  https://slsa.dev/provenance/v1
  ✓ subject digest                                  sha512:${TGZ_SHA512}

Provenance:
  subject           sha512:${TGZ_SHA512}
  repository        https://github.com/sigstore/sigstore-js
  owner             https://github.com/sigstore
  workflow          https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main
  ref               refs/heads/main
  commit            26d16513386ffaa790b1c32f927544f1322e4194
  trigger           push
  issuer            https://token.actions.githubusercontent.com
  run               https://github.com/sigstore/sigstore-js/actions/runs/6014488666/attempts/1
  transparency log  index 33351527, integrated 2023-08-29T15:40:23Z
`);
  });

  it.each([
    ["the tgz, hashed with sha512 as its statement records", [SJS, TGZ, "--owner", "sigstore"]],
    [
      "the wheel with sha256, signer workflow named",
      [
        REUSABLE,
        WHEEL,
        "--owner",
        "malancas",
        "--signer-workflow",
        "github/artifact-attestations-workflows/.github/workflows/attest.yml",
      ],
    ],
    [
      "hello-world with its custom issuer",
      [
        CUSTOM,
        HELLO,
        "--owner",
        "too-legit",
        "--cert-oidc-issuer",
        "https://token.actions.githubusercontent.com/hammer-time",
      ],
    ],
    [
      "the owner taken from --repo",
      [SJS, TGZ, "--repo", "sigstore/sigstore-js", "--source-ref", "refs/heads/main"],
    ],
  ])("verifies %s (exit 0), against the embedded root and --trusted-root", async (_name, args) => {
    const [bundle = "", artifact = "", ...flags] = args;
    const argv = ["--bundle", bundle, "--artifact", artifact, ...flags];
    expect((await run(argv)).code).toBe(0);
    expect((await run([...argv, "--trusted-root", ROOT])).code).toBe(0);
    expect((await run(argv, { UV_PIN_BOT_TRUSTED_ROOT: ROOT })).code).toBe(0);
  });

  it.each([
    [
      "the default owner astral-sh",
      ["--bundle", SJS, "--artifact", TGZ],
      "source repository owner: https://github.com/sigstore is not https://github.com/astral-sh",
    ],
    [
      "another artifact",
      ["--bundle", SJS, "--artifact", WHEEL, "--owner", "sigstore"],
      `subject digest: sha512:${createHash("sha512").update(readFileSync(WHEEL)).digest("hex")} is not a subject of the attestation (subjects: sha512:${TGZ_SHA512})`,
    ],
    [
      "a sha256 digest when the subject records only sha512",
      ["--bundle", SJS, "--digest", `sha256:${TGZ_SHA256}`, "--owner", "sigstore"],
      `subject digest: sha256:${TGZ_SHA256} is not a subject of the attestation`,
    ],
    [
      "another repository of the owner",
      ["--bundle", SJS, "--artifact", TGZ, "--repo", "sigstore/cosign"],
      "source repository: https://github.com/sigstore/sigstore-js is not https://github.com/sigstore/cosign (built from another repository)",
    ],
    [
      "the reusable workflow without --signer-workflow",
      ["--bundle", REUSABLE, "--artifact", WHEEL, "--owner", "malancas"],
      "certificate identity: https://github.com/github/artifact-attestations-workflows/",
    ],
    [
      "the custom issuer without --cert-oidc-issuer",
      ["--bundle", CUSTOM, "--artifact", HELLO, "--owner", "too-legit"],
      "certificate issuer: https://token.actions.githubusercontent.com/hammer-time is not",
    ],
    [
      "a source ref that differs",
      [
        "--bundle",
        SJS,
        "--artifact",
        TGZ,
        "--owner",
        "sigstore",
        "--source-ref",
        "refs/tags/v2.1.0",
      ],
      "source ref: refs/heads/main is not refs/tags/v2.1.0",
    ],
  ])("refuses %s (exit 1, one line on stderr)", async (_name, argv, reason) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Attestation NOT verified: /);
    expect(r.err.startsWith(`uv-pin-bot: not verified: ${reason}`)).toBe(true);
    expect(r.err.split("\n")).toHaveLength(2);
  });

  it("--json on a refusal: the reason in the JSON, exit 1, nothing on stderr", async () => {
    const r = await run(["--bundle", SJS, "--artifact", TGZ, "--json"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(JSON_FIELDS);
    expect(json.verified).toBe(false);
    expect(json.reason).toBe(
      "source repository owner: https://github.com/sigstore is not https://github.com/astral-sh",
    );
    expect(json.sourceRepositoryOwner).toBe("https://github.com/sigstore");
  });

  it("a file that is not JSON is not verified (exit 1)", async () => {
    const file = join(dir, "not-json.json");
    writeFileSync(file, "hello");
    const r = await run(["--bundle", file, "--digest", `sha256:${TGZ_SHA256}`, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      verified: false,
      reason: `bundle: ${file} is not JSON`,
    });
  });

  it("--json stays valid JSON when the reason quotes control characters (a file name with DEL, CSI)", async () => {
    const file = join(dir, "not\u007fjson\u009b2J.json");
    writeFileSync(file, "hello");
    const r = await run(["--bundle", file, "--digest", `sha256:${TGZ_SHA256}`, "--json"]);
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/[\u007f-\u009f]/);
    expect(r.out).toContain("not\\u007fjson\\u009b2J.json");
    expect(JSON.parse(r.out)).toMatchObject({
      verified: false,
      reason: `bundle: ${file} is not JSON`,
    });
  });

  it.each([
    [[], "uv-pin-bot: verify needs --bundle FILE\n"],
    [["--bundle", SJS], "uv-pin-bot: verify needs --digest ALG:HEX or --artifact FILE\n"],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--digest", `sha512:${TGZ_SHA512}`],
      "uv-pin-bot: verify takes --digest or --artifact, not both\n",
    ],
    [
      ["--bundle", SJS, "--digest", "sha256:abc"],
      "uv-pin-bot: --digest sha256:abc: expected sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>\n",
    ],
    [
      ["--bundle", SJS, "--digest", `md5:${"0".repeat(32)}`],
      `uv-pin-bot: --digest md5:${"0".repeat(32)}: expected sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>\n`,
    ],
    [
      ["--bundle", "/nonexistent.json", "--artifact", TGZ],
      "uv-pin-bot: cannot read --bundle /nonexistent.json: ENOENT\n",
    ],
    [
      ["--bundle", SJS, "--artifact", "/nonexistent.tgz"],
      "uv-pin-bot: cannot read --artifact /nonexistent.tgz: ENOENT\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--trusted-root", "/nonexistent.json"],
      "uv-pin-bot: cannot read --trusted-root /nonexistent.json: ENOENT\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--trusted-root", SJS],
      "uv-pin-bot: trusted root: media type application/vnd.dev.sigstore.bundle.v0.3+json is not application/vnd.dev.sigstore.trustedroot+json;version=0.1\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--owner", "a", "--repo", "b/c"],
      "uv-pin-bot: --owner a contradicts --repo b/c\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--repo", "astral-sh"],
      "uv-pin-bot: --repo astral-sh: expected OWNER/REPO\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--owner", "astral-sh/uv"],
      "uv-pin-bot: --owner astral-sh/uv: not a GitHub owner name\n",
    ],
    [["--bundle", SJS, "--artifact", TGZ, "--owner", ""], "uv-pin-bot: --owner needs a value\n"],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--signer-workflow", "^(["],
      "uv-pin-bot: --signer-workflow ^([: not a valid pattern\n",
    ],
    [
      ["--bundle", SJS, "--artifact", TGZ, "--bogus"],
      "uv-pin-bot: unknown option --bogus (see uv-pin-bot --help)\n",
    ],
    [
      ["ghcr.io/astral-sh/uv:0.9.17", "--bundle", SJS],
      "uv-pin-bot: verify IMAGE_REF takes no --bundle, --digest or --artifact\n",
    ],
    [
      ["not a ref"],
      "uv-pin-bot: verify not a ref: not an image reference (e.g. ghcr.io/astral-sh/uv:0.9.17)\n",
    ],
    [
      ["ghcr.io/astral-sh/uv@sha256:abc"],
      "uv-pin-bot: verify ghcr.io/astral-sh/uv@sha256:abc: `sha256:abc` is not a sha256 digest\n",
    ],
  ])("usage error %j (exit 2, one line)", async (argv, err) => {
    const r = await run(argv, { UV_PIN_BOT_TRUSTED_ROOT: ROOT });
    expect(r).toEqual({ code: 2, out: "", err });
  });

  it("UV_PIN_BOT_TRUSTED_ROOT that cannot be read is a usage error", async () => {
    const r = await run(["--bundle", SJS, "--artifact", TGZ], { UV_PIN_BOT_TRUSTED_ROOT: "/nope" });
    expect(r).toEqual({
      code: 2,
      out: "",
      err: "uv-pin-bot: cannot read UV_PIN_BOT_TRUSTED_ROOT /nope: ENOENT\n",
    });
  });

  it("is in the help", () => {
    expect(HELP).toContain("uv-pin-bot verify --bundle FILE (--digest ALG:HEX | --artifact FILE)");
    expect(HELP).toContain("certificate identity ^https://github\\.com/<owner>/");
  });
});
