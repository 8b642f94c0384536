/**
 * `uv-pin-bot check` and `update` end to end: a real OCI registry (docker-registry on 127.0.0.1,
 * reached through UV_PIN_BOT_ORIGINS as ghcr.io), uv's releases and installer downloads under
 * nock, a repository on disk.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { createUpstreams } from "../src/adapters/upstreams.js";
import { main } from "../src/cli/main.js";
import { describeWithRegistry } from "./registry/available.js";
import { cliWorld, commitOf, sha } from "./registry/cli-world.js";

const installer = (v: string) => `#!/bin/sh\n# uv ${v} installer\n`;
const distManifest = (v: string) => JSON.stringify({ announcement_tag: v });
const assets = (v: string) => ({
  "uv-installer.sh": installer(v),
  "dist-manifest.json": distManifest(v),
});

describeWithRegistry("check and update against a real registry", () => {
  const world = cliWorld({
    releases: [
      { v: "0.10.1", age: 2, assets: assets("0.10.1") },
      { v: "0.10.0", age: 10, assets: assets("0.10.0") },
      { v: "0.9.18", age: 30, assets: assets("0.9.18") },
      { v: "0.9.17", age: 40, assets: assets("0.9.17") },
    ],
    tags: {
      "0.10.1": "0.10.1",
      "0.10.0": "0.10.0",
      "0.9.18": "0.9.18",
      "0.9.17": "0.9.17",
      // The bookworm variant stops at 0.9.18; trixie carries on.
      "0.9.17-python3.12-bookworm-slim": { version: "0.9.17", attestations: false },
      "0.9.18-python3.12-bookworm-slim": { version: "0.9.18", attestations: false },
      "0.10.0-python3.12-trixie-slim": { version: "0.10.0", attestations: false },
      "0.10.1-python3.12-trixie-slim": { version: "0.10.1", attestations: false },
    },
    aliases: { "0.10": "0.10.1", latest: "0.10.1", "0.9": "0.9.18" },
  });
  const { seeded } = world;
  const write = world.write;
  const read = world.read;
  const cli = (argv: string[]) => world.cli(argv);
  const mockReleases = () => world.mockReleases();
  const mockAttestations = (unattested?: ReadonlySet<string>) => world.mockAttestations(unattested);

  const dockerfile = () =>
    [
      "# syntax=docker/dockerfile:1.7",
      `FROM ghcr.io/astral-sh/uv:0.9.17-python3.12-bookworm-slim@${seeded["0.9.17-python3.12-bookworm-slim"]?.digest} AS uv`,
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

    const check = await cli(["check", world.repo, "--json", "--exit-code"]);
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
            digest: seeded["0.9.17-python3.12-bookworm-slim"]?.digest,
            checksum: null,
          },
          to: {
            version: "0.9.18",
            tag: "0.9.18-python3.12-bookworm-slim",
            digest: seeded["0.9.18-python3.12-bookworm-slim"]?.digest,
            checksum: null,
          },
          note: expect.stringMatching(/python3\.12-trixie-slim/),
          attestation: expect.objectContaining({
            verified: true,
            subjectDigest: seeded["0.9.18-python3.12-bookworm-slim"]?.digest,
          }),
          blocked: null,
          checksums: null,
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
          checksums: null,
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
          checksums: [
            {
              line: 5,
              asset: "install.sh",
              arch: null,
              from: sha(installer("0.9.17")),
              to: sha(installer("0.10.1")),
            },
          ],
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
          checksums: null,
        },
      ].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
    );
    expect(plan.current.map((p: { file: string }) => p.file)).toEqual(["pyproject.toml"]);
    // Each tag asked once: one challenge, one token, one tags listing, one HEAD per distinct tag.
    expect(world.registry.count({ status: 401 })).toBe(1);
    expect(world.registry.count({ path: "/token" })).toBe(1);
    expect(
      world.registry.count({ method: "GET", path: "/v2/astral-sh/uv/tags/list", status: 200 }),
    ).toBe(1);
    expect(
      world.registry.count({ method: "HEAD", path: "/v2/astral-sh/uv/manifests/0.10.1" }),
    ).toBe(1);

    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const update = await cli(["update", world.repo]);
    expect(update.err).toBe("");
    expect(update.out).toBe("Updated 4 pins in 2 files: .github/workflows/ci.yml, Dockerfile\n");
    expect(read("Dockerfile")).toBe(
      dockerfile()
        .replace(
          `0.9.17-python3.12-bookworm-slim@${seeded["0.9.17-python3.12-bookworm-slim"]?.digest}`,
          `0.9.18-python3.12-bookworm-slim@${seeded["0.9.18-python3.12-bookworm-slim"]?.digest}`,
        )
        .replace(`uv:0.9.17@${seeded["0.9.17"]?.digest}`, `uv:0.10.1@${seeded["0.10.1"]?.digest}`)
        .replace(
          `${sha(installer("0.9.17"))} https://astral.sh/uv/0.9.17/`,
          `${sha(installer("0.10.1"))} https://astral.sh/uv/0.10.1/`,
        ),
    );
    expect(read(".github/workflows/ci.yml")).toContain("version: 0.10.1\n");

    mockReleases();
    const again = await cli(["update", world.repo]);
    expect(again).toEqual({ code: 0, out: "Nothing to change.\n", err: "" });
  });

  it("honours minimumReleaseAge and updateTypes from the repository config; --dry-run writes nothing", async () => {
    write("Dockerfile", dockerfile());
    write(".github/uv-pin-bot.yml", "minimumReleaseAge: 5\nupdateTypes: [minor, patch, digest]\n");
    mockReleases();
    mockAttestations();
    nock("https://astral.sh").get("/uv/0.10.0/install.sh").reply(200, installer("0.10.0"));
    const dry = await cli(["update", world.repo, "--dry-run"]);
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
    const check = await cli(["check", world.repo, "--json"]);
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
    const required = JSON.parse((await cli(["check", world.repo, "--json"])).out);
    const copy = required.updates.find((u: { line: number }) => u.line === 4);
    expect(copy.blocked).toBe(
      `attestation: none found for ${seeded["0.10.1"]?.digest} (owner astral-sh)`,
    );
    expect(copy.attestation).toMatchObject({ verified: false });

    mockReleases();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const update = await cli(["update", world.repo]);
    expect(update.code).toBe(1);
    expect(update.err).toContain(
      `Dockerfile:4: not updated: attestation: none found for ${seeded["0.10.1"]?.digest}`,
    );
    expect(read("Dockerfile")).toContain(`uv:0.9.17@${seeded["0.9.17"]?.digest}`);

    write(".github/uv-pin-bot.yml", "attestations: warn\n");
    mockReleases();
    nock("https://astral.sh").get("/uv/0.10.1/install.sh").reply(200, installer("0.10.1"));
    const warn = JSON.parse((await cli(["check", world.repo, "--json"])).out);
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
  const NOW = new Date("2026-11-28T12:00:00Z");
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
