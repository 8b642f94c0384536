/**
 * `uv-pin-bot check` and `update` end to end: a real OCI registry (docker-registry on 127.0.0.1,
 * reached through UV_PIN_BOT_ORIGINS as ghcr.io), uv's releases and installer downloads under
 * nock, a repository on disk.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUpstreams } from "../src/adapters/upstreams.js";
import { main } from "../src/cli/main.js";
import { describeWithRegistry } from "./registry/available.js";
import { type SeededImage, startRegistry, type TestRegistry } from "./registry/harness.js";
import { createTestInstance, type TestInstance } from "./sigstore/signer.js";
import { attestationsResponse, subject } from "./sigstore/variants.js";
import { trustMaterialOf } from "./sigstore/verify.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const installer = (v: string) => `#!/bin/sh\n# uv ${v} installer\n`;
const sha = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const distManifest = (v: string) => JSON.stringify({ announcement_tag: v });
/** The commit uv's release tag `v` points to: its attestations name it (Fulcio 1.13). */
const commitOf = (v: string) => createHash("sha1").update(`uv ${v}`).digest("hex");

const RELEASES = [
  { v: "0.10.1", age: 2 },
  { v: "0.10.0", age: 10 },
  { v: "0.9.18", age: 30 },
  { v: "0.9.17", age: 40 },
];

function githubReleases() {
  return RELEASES.map(({ v, age }) => ({
    tag_name: v,
    draft: false,
    prerelease: false,
    published_at: daysAgo(age),
    html_url: `https://github.com/astral-sh/uv/releases/tag/${v}`,
    body: `## ${v}\n- changes`,
    assets: [
      {
        name: "uv-installer.sh",
        digest: sha(installer(v)),
        browser_download_url: `https://github.com/astral-sh/uv/releases/download/${v}/uv-installer.sh`,
      },
      {
        name: "dist-manifest.json",
        digest: sha(distManifest(v)),
        browser_download_url: `https://github.com/astral-sh/uv/releases/download/${v}/dist-manifest.json`,
      },
    ],
  }));
}

let registry: TestRegistry;
let sigstore: TestInstance;
const seeded: Record<string, SeededImage> = {};
let repo: string;
/** digest → the uv version whose release built it. */
const versionOf = new Map<string, string>();

describeWithRegistry("check and update against a real registry", () => {
  beforeAll(async () => {
    registry = await startRegistry();
    sigstore = await createTestInstance();
    for (const { v } of RELEASES) {
      seeded[v] = await registry.seedImage("astral-sh/uv", v, {
        attestations: true,
        labels: { "org.opencontainers.image.version": v },
      });
    }
    await registry.tag("astral-sh/uv", seeded["0.10.1"]?.digest as string, ["0.10", "latest"]);
    await registry.tag("astral-sh/uv", seeded["0.9.18"]?.digest as string, "0.9");
    // The bookworm variant stops at 0.9.18; trixie carries on.
    for (const v of ["0.9.17", "0.9.18"]) {
      seeded[`${v}-bookworm`] = await registry.seedImage(
        "astral-sh/uv",
        `${v}-python3.12-bookworm-slim`,
        { labels: { "org.opencontainers.image.version": v } },
      );
    }
    for (const v of ["0.10.0", "0.10.1"]) {
      seeded[`${v}-trixie`] = await registry.seedImage(
        "astral-sh/uv",
        `${v}-python3.12-trixie-slim`,
        { labels: { "org.opencontainers.image.version": v } },
      );
    }
    for (const [key, image] of Object.entries(seeded))
      versionOf.set(image.digest, key.split("-")[0] as string);
    for (const { v } of RELEASES) {
      versionOf.set(sha(installer(v)), v);
      versionOf.set(sha(distManifest(v)), v);
    }

    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
  }, 60_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await registry?.stop();
  });

  beforeEach(() => {
    nock.cleanAll();
    registry.resetCounts();
    repo = mkdtempSync(join(tmpdir(), "uv-pin-bot-e2e-"));
    return () => rmSync(repo, { recursive: true, force: true });
  });

  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(repo, rel)), { recursive: true });
    writeFileSync(join(repo, rel), text);
  };
  const read = (rel: string) => readFileSync(join(repo, rel), "utf8");

  async function cli(argv: string[]) {
    let out = "";
    let err = "";
    const env = { UV_PIN_BOT_ORIGINS: `https://ghcr.io=${registry.origin}` };
    const code = await main(argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env,
      now: () => NOW,
      upstreams: createUpstreams({ env, http: { sleep: async () => undefined } }),
      trustMaterial: trustMaterialOf(sigstore.trustedRoot),
    });
    return { code, out, err };
  }

  /** GitHub's attestations API: uv's workflow attests every digest asked about, but `unattested`. */
  function mockAttestations(unattested: ReadonlySet<string> = new Set()) {
    nock("https://api.github.com")
      .persist()
      .get(/^\/orgs\/astral-sh\/attestations\/sha256:[0-9a-f]{64}$/)
      .query(true)
      .reply((uri) => {
        const digest = /sha256:[0-9a-f]{64}/.exec(uri)?.[0] as string;
        if (unattested.has(digest)) return [404, { message: "Not Found" }];
        const version = versionOf.get(digest) ?? "unknown";
        const bundle = sigstore.signAttestation({
          subjects: [subject(digest)],
          identity: { sourceCommit: commitOf(version) },
        });
        return [200, attestationsResponse([bundle])];
      });
  }

  /** uv's releases, and the commit each release tag points to. */
  function mockReleases() {
    nock("https://api.github.com")
      .get(/^\/repos\/astral-sh\/uv\/git\/ref\/tags\/\d+\.\d+\.\d+$/)
      .times(RELEASES.length)
      .optionally()
      .reply((uri) => {
        const v = uri.split("/").at(-1) as string;
        return [200, { ref: `refs/tags/${v}`, object: { type: "commit", sha: commitOf(v) } }];
      });
    return nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(200, githubReleases());
  }

  const dockerfile = () =>
    [
      "# syntax=docker/dockerfile:1.7",
      `FROM ghcr.io/astral-sh/uv:0.9.17-python3.12-bookworm-slim@${seeded["0.9.17-bookworm"]?.digest} AS uv`,
      "FROM python:3.12-slim",
      `COPY --from=ghcr.io/astral-sh/uv:0.9.17@${seeded["0.9.17"]?.digest} /uv /uvx /bin/`,
      `ADD --checksum=${sha(installer("0.9.17"))} https://astral.sh/uv/0.9.17/install.sh /uv-installer.sh`,
      "",
    ].join("\n");

  it("check --json proposes one version, index digests, checksums; update applies it once", async () => {
    write("Dockerfile", dockerfile());
    write(
      ".github/workflows/ci.yml",
      "jobs:\n  test:\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: 0.9.17\n",
    );
    write("pyproject.toml", '[tool.uv]\nrequired-version = ">=0.9"\n');
    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));

    const check = await cli(["check", repo, "--json", "--exit-code"]);
    expect(check.err).toBe("");
    expect(check.code).toBe(1);
    const plan = JSON.parse(check.out);
    expect(plan.updates).toEqual(
      [
        {
          file: "Dockerfile",
          line: 2,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          type: "patch",
          from: {
            version: "0.9.17",
            tag: "0.9.17-python3.12-bookworm-slim",
            digest: seeded["0.9.17-bookworm"]?.digest,
            checksum: null,
          },
          to: {
            version: "0.9.18",
            tag: "0.9.18-python3.12-bookworm-slim",
            digest: seeded["0.9.18-bookworm"]?.digest,
            checksum: null,
          },
          note: expect.stringMatching(/python3\.12-trixie-slim/),
          attestation: expect.objectContaining({
            verified: true,
            subjectDigest: seeded["0.9.18-bookworm"]?.digest,
          }),
          blocked: null,
        },
        {
          file: "Dockerfile",
          line: 4,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          type: "minor",
          from: {
            version: "0.9.17",
            tag: "0.9.17",
            digest: seeded["0.9.17"]?.digest,
            checksum: null,
          },
          to: {
            version: "0.10.1",
            tag: "0.10.1",
            digest: seeded["0.10.1"]?.digest,
            checksum: null,
          },
          note: null,
          attestation: expect.objectContaining({
            verified: true,
            subjectDigest: seeded["0.10.1"]?.digest,
            san: "https://github.com/astral-sh/uv/.github/workflows/build-docker.yml@refs/heads/main",
          }),
          blocked: null,
        },
        {
          file: "Dockerfile",
          line: 5,
          kind: "installer",
          image: null,
          url: "https://astral.sh/uv/0.9.17/install.sh",
          type: "minor",
          from: { version: "0.9.17", tag: null, digest: null, checksum: sha(installer("0.9.17")) },
          to: { version: "0.10.1", tag: null, digest: null, checksum: sha(installer("0.10.1")) },
          note: null,
          attestation: expect.objectContaining({
            verified: true,
            subjectDigest: sha(installer("0.10.1")),
          }),
          blocked: null,
        },
        {
          file: ".github/workflows/ci.yml",
          line: 6,
          kind: "version",
          image: null,
          url: null,
          type: "minor",
          from: { version: "0.9.17", tag: null, digest: null, checksum: null },
          to: { version: "0.10.1", tag: null, digest: null, checksum: null },
          note: null,
          // A version-only pin is vouched for by the release's attested dist-manifest.json.
          attestation: expect.objectContaining({
            verified: true,
            subjectDigest: sha(distManifest("0.10.1")),
            sourceCommit: commitOf("0.10.1"),
          }),
          blocked: null,
        },
      ].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
    );
    expect(plan.current.map((p: { file: string }) => p.file)).toEqual(["pyproject.toml"]);
    // Each tag asked once: one challenge, one token, one tags listing, one HEAD per distinct tag.
    expect(registry.count({ status: 401 })).toBe(1);
    expect(registry.count({ path: "/token" })).toBe(1);
    expect(registry.count({ method: "GET", path: "/v2/astral-sh/uv/tags/list", status: 200 })).toBe(
      1,
    );
    expect(registry.count({ method: "HEAD", path: "/v2/astral-sh/uv/manifests/0.10.1" })).toBe(1);

    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const update = await cli(["update", repo]);
    expect(update.err).toBe("");
    expect(update.out).toBe("Updated 4 pins in 2 files: .github/workflows/ci.yml, Dockerfile\n");
    expect(read("Dockerfile")).toBe(
      dockerfile()
        .replace(
          `0.9.17-python3.12-bookworm-slim@${seeded["0.9.17-bookworm"]?.digest}`,
          `0.9.18-python3.12-bookworm-slim@${seeded["0.9.18-bookworm"]?.digest}`,
        )
        .replace(`uv:0.9.17@${seeded["0.9.17"]?.digest}`, `uv:0.10.1@${seeded["0.10.1"]?.digest}`)
        .replace(
          `${sha(installer("0.9.17"))} https://astral.sh/uv/0.9.17/`,
          `${sha(installer("0.10.1"))} https://astral.sh/uv/0.10.1/`,
        ),
    );
    expect(read(".github/workflows/ci.yml")).toContain("version: 0.10.1\n");

    mockReleases();
    const again = await cli(["update", repo]);
    expect(again).toEqual({ code: 0, out: "Nothing to change.\n", err: "" });
  });

  it("honours minimumReleaseAge and updateTypes from the repository config; --dry-run writes nothing", async () => {
    write("Dockerfile", dockerfile());
    write(".github/uv-pin-bot.yml", "minimumReleaseAge: 5\nupdateTypes: [minor, patch, digest]\n");
    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.0/install.sh").reply(200, installer("0.10.0"));
    const dry = await cli(["update", repo, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      `-COPY --from=ghcr.io/astral-sh/uv:0.9.17@${seeded["0.9.17"]?.digest} /uv /uvx /bin/`,
    );
    expect(dry.out).toContain(
      `+COPY --from=ghcr.io/astral-sh/uv:0.10.0@${seeded["0.10.0"]?.digest} /uv /uvx /bin/`,
    );
    expect(read("Dockerfile")).toBe(dockerfile());
  });

  it("blocks an installer whose bytes do not match the release asset, and says why", async () => {
    write("Dockerfile", dockerfile());
    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, "tampered");
    const check = await cli(["check", repo, "--json"]);
    const blocked = JSON.parse(check.out).updates.filter(
      (u: { blocked: string | null }) => u.blocked,
    );
    expect(blocked).toHaveLength(1);
    expect(blocked[0].blocked).toMatch(
      /^https:\/\/astral\.sh\/uv\/0\.10\.1\/install\.sh serves bytes with sha256:[0-9a-f]{64}, but the release asset's digest is sha256:/,
    );
  });

  it("blocks a digest without a verified attestation by default; warn proposes it with the failure", async () => {
    write("Dockerfile", dockerfile());
    mockReleases();
    mockAttestations(new Set([seeded["0.10.1"]?.digest as string]));
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const required = JSON.parse((await cli(["check", repo, "--json"])).out);
    const copy = required.updates.find((u: { line: number }) => u.line === 4);
    expect(copy.blocked).toBe(
      `attestation: none found for ${seeded["0.10.1"]?.digest} (owner astral-sh)`,
    );
    expect(copy.attestation).toMatchObject({ verified: false });

    mockReleases();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const update = await cli(["update", repo]);
    expect(update.code).toBe(1);
    expect(update.err).toContain(
      `Dockerfile:4: not updated: attestation: none found for ${seeded["0.10.1"]?.digest}`,
    );
    expect(read("Dockerfile")).toContain(`uv:0.9.17@${seeded["0.9.17"]?.digest}`);

    write(".github/uv-pin-bot.yml", "attestations: warn\n");
    mockReleases();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const warn = JSON.parse((await cli(["check", repo, "--json"])).out);
    expect(warn.updates.find((u: { line: number }) => u.line === 4)).toMatchObject({
      blocked: null,
      attestation: { verified: false },
    });
  });

  it("verify IMAGE_REF: the registry's index digest, its attestations from GitHub", async () => {
    mockAttestations();
    // A version tag is held to its release: the commit the tag 0.10.1 points to is read once.
    nock("https://api.github.com")
      .get("/repos/astral-sh/uv/git/ref/tags/0.10.1")
      .reply(200, { ref: "refs/tags/0.10.1", object: { type: "commit", sha: commitOf("0.10.1") } });
    const r = await cli(["verify", "ghcr.io/astral-sh/uv:0.10.1", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      verified: true,
      subjectDigest: seeded["0.10.1"]?.digest,
    });
    nock.cleanAll();
    mockAttestations(new Set([seeded["0.10.0"]?.digest as string]));
    nock("https://api.github.com")
      .get("/repos/astral-sh/uv/git/ref/tags/0.10.0")
      .reply(200, { ref: "refs/tags/0.10.0", object: { type: "commit", sha: commitOf("0.10.0") } });
    const none = await cli(["verify", "oci://ghcr.io/astral-sh/uv:0.10.0"]);
    expect(none.code).toBe(1);
    expect(none.err).toBe(
      `uv-pin-bot: not verified: attestation: none found for ${seeded["0.10.0"]?.digest} (owner astral-sh)\n`,
    );
  });
});

// Needs no registry: the configuration is refused before any upstream is asked.
describe("check and update with an invalid config", () => {
  it("is a clear error that changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-e2e-"));
    try {
      const dockerfile =
        "FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n";
      writeFileSync(join(dir, "Dockerfile"), dockerfile);
      mkdirSync(join(dir, ".github"));
      writeFileSync(join(dir, ".github/uv-pin-bot.yml"), "updateTypes: [huge]\n");
      let out = "";
      let err = "";
      let asked = 0;
      const code = await main(["update", dir], {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        env: {},
        now: () => NOW,
        upstreams: createUpstreams({
          env: {},
          http: {
            fetch: async () => {
              asked++;
              throw new Error("no upstream may be asked");
            },
          },
        }),
      });
      expect({ code, out, asked }).toEqual({ code: 2, out: "", asked: 0 });
      expect(err).toBe(
        `uv-pin-bot: ${join(dir, ".github/uv-pin-bot.yml")}: updateTypes.0: Invalid option: expected one of "major"|"minor"|"patch"|"digest"\n`,
      );
      expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(dockerfile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
