/**
 * `check` and `update` with `attestations: required` end to end: every update a plan proposes is
 * verified, whatever its form. A tag-only image by the new tag's index digest, an installer or
 * release-archive URL by the digest of the bytes it serves (with or without a checksum in the
 * file), a version-only pin (setup-uv) by the release's attested `dist-manifest.json`. A real
 * OCI registry (docker-registry on 127.0.0.1), GitHub and downloads under nock, real Sigstore
 * bundles from the test instance.
 */
import nock from "nock";
import { expect, it } from "vitest";
import { describeWithRegistry } from "./registry/available.js";
import { cliWorld, commitOf, DOWNLOAD, sha } from "./registry/cli-world.js";
import type { IdentityOptions } from "./sigstore/fulcio.js";
import { identities } from "./sigstore/variants.js";

const installer = (v: string) => `#!/bin/sh\n# uv ${v} installer\n`;
const archive = (v: string) => `uv ${v} x86_64 linux archive bytes`;
const manifest = (v: string) => JSON.stringify({ announcement_tag: v, releases: [] });
const ARCHIVE = "uv-x86_64-unknown-linux-gnu.tar.gz";
const assets = (v: string) => ({
  "uv-installer.sh": installer(v),
  [ARCHIVE]: archive(v),
  "dist-manifest.json": manifest(v),
});

describeWithRegistry("attestations: required verifies every proposed update", () => {
  const world = cliWorld({
    releases: [
      { v: "0.10.1", age: 2, assets: assets("0.10.1") },
      { v: "0.9.17", age: 40, assets: assets("0.9.17") },
    ],
    tags: {
      "0.10.1": { version: "0.10.1", attestations: false },
      "0.9.17": { version: "0.9.17", attestations: false },
    },
    // A mis-tagged mirror: the rolling 0.10 tag serves a genuine build of 0.9.17.
    aliases: { latest: "0.10.1", "0.10": "0.9.17" },
  });
  const { seeded } = world;
  const write = world.write;
  const read = world.read;
  const cli = (argv: string[]) => world.cli(argv);
  const mockAttestations = (
    unattested?: ReadonlySet<string>,
    identity?: (digest: string) => IdentityOptions,
  ) => world.mockAttestations(unattested, identity);

  /** uv's releases, release tags (lightweight) and the downloads the updates need. */
  function mockUpstreams() {
    world.mockReleases({ persist: true });
    nock("https://astral.sh")
      .persist()
      .get("/uv/0.10.1/install.sh")
      .reply(200, installer("0.10.1"));
    nock("https://github.com")
      .persist()
      .get(`/astral-sh/uv/releases/download/0.10.1/${ARCHIVE}`)
      .reply(200, archive("0.10.1"));
  }

  const DOCKERFILE = [
    "FROM python:3.12-slim",
    "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /uvx /bin/",
    "RUN curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh",
    `ADD ${DOWNLOAD}/0.9.17/${ARCHIVE} /tmp/uv.tar.gz`,
    `ADD --checksum=${sha(archive("0.9.17"))} ${DOWNLOAD}/0.9.17/${ARCHIVE} /tmp/uv2.tar.gz`,
    "",
  ].join("\n");
  const WORKFLOW =
    "jobs:\n  test:\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: 0.9.17\n";

  function writeRepository(config?: string) {
    write("Dockerfile", DOCKERFILE);
    write(".github/workflows/ci.yml", WORKFLOW);
    if (config) write(".github/uv-pin-bot.yml", config);
  }

  type Row = {
    file: string;
    line: number;
    attestation: { verified: boolean; subjectDigest: string | null; reason: string | null } | null;
    blocked: string | null;
  };
  const rows = (out: string): Row[] => JSON.parse(out).updates;
  const byLine = (list: Row[]) =>
    Object.fromEntries(list.map((u) => [`${u.file}:${u.line}`, u])) as Record<string, Row>;

  it("each form is verified by the digest it stands for, and carries its summary in check --json", async () => {
    writeRepository();
    mockUpstreams();
    mockAttestations();
    const check = await cli(["check", world.repo, "--json"]);
    expect(check.err).toBe("");
    const u = byLine(rows(check.out));
    const verified = (digest: string) => ({
      attestation: expect.objectContaining({ verified: true, subjectDigest: digest }),
      blocked: null,
    });
    expect(u["Dockerfile:2"]).toMatchObject(verified(seeded["0.10.1"]?.digest as string));
    expect(u["Dockerfile:3"]).toMatchObject(verified(sha(installer("0.10.1"))));
    expect(u["Dockerfile:4"]).toMatchObject(verified(sha(archive("0.10.1"))));
    expect(u["Dockerfile:5"]).toMatchObject(verified(sha(archive("0.10.1"))));
    expect(u[".github/workflows/ci.yml:6"]).toMatchObject(verified(sha(manifest("0.10.1"))));
    expect(Object.keys(u)).toHaveLength(5);
    // The tag-only pin keeps its form: the digest verified is not written into the file.
    expect(JSON.parse(check.out).updates[1].to.digest ?? null).toBe(null);

    const update = await cli(["update", world.repo]);
    expect(update.err).toBe("");
    expect(read("Dockerfile")).toBe(
      DOCKERFILE.replaceAll("0.9.17", "0.10.1").replace(
        sha(archive("0.9.17")),
        sha(archive("0.10.1")),
      ),
    );
    expect(read(".github/workflows/ci.yml")).toContain("version: 0.10.1\n");
  });

  it("required: nothing unattested is proposed, whatever its form; update writes nothing", async () => {
    writeRepository();
    mockUpstreams();
    const missing = [
      seeded["0.10.1"]?.digest as string,
      sha(installer("0.10.1")),
      sha(archive("0.10.1")),
      sha(manifest("0.10.1")),
    ];
    mockAttestations(new Set(missing));
    const u = byLine(rows((await cli(["check", world.repo, "--json"])).out));
    const none = (digest: string) => ({
      attestation: expect.objectContaining({ verified: false }),
      blocked: `attestation: none found for ${digest} (owner astral-sh)`,
    });
    expect(u["Dockerfile:2"]).toMatchObject(none(missing[0] as string));
    expect(u["Dockerfile:3"]).toMatchObject(none(missing[1] as string));
    expect(u["Dockerfile:4"]).toMatchObject(none(missing[2] as string));
    expect(u["Dockerfile:5"]).toMatchObject(none(missing[2] as string));
    expect(u[".github/workflows/ci.yml:6"]).toMatchObject(none(missing[3] as string));

    const update = await cli(["update", world.repo]);
    expect(update.code).toBe(1);
    expect(update.out).toBe("Nothing to change.\n");
    expect(update.err.trim().split("\n")).toHaveLength(5);
    expect(read("Dockerfile")).toBe(DOCKERFILE);
    expect(read(".github/workflows/ci.yml")).toBe(WORKFLOW);
  });

  it("warn proposes them with the failure shown; off checks nothing", async () => {
    writeRepository("attestations: warn\n");
    mockUpstreams();
    mockAttestations(new Set([seeded["0.10.1"]?.digest as string, sha(manifest("0.10.1"))]));
    const warn = byLine(rows((await cli(["check", world.repo, "--json"])).out));
    expect(warn["Dockerfile:2"]).toMatchObject({
      attestation: { verified: false },
      blocked: null,
    });
    expect(warn[".github/workflows/ci.yml:6"]).toMatchObject({
      attestation: { verified: false },
      blocked: null,
    });
    expect(warn["Dockerfile:3"]).toMatchObject({ attestation: { verified: true } });

    nock.cleanAll();
    write(".github/uv-pin-bot.yml", "attestations: off\n");
    mockUpstreams();
    const off = rows((await cli(["check", world.repo, "--json"])).out);
    expect(off.map((r) => [r.attestation, r.blocked])).toEqual(Array(5).fill([null, null]));
  });

  it("a floating tag's new digest must be the newest release it follows: an older genuine build is refused", async () => {
    write(
      "Dockerfile",
      [
        `COPY --from=ghcr.io/astral-sh/uv:latest@${seeded["0.9.17"]?.digest} /uv /bin/`,
        `COPY --from=ghcr.io/astral-sh/uv:0.10@${seeded["0.10.1"]?.digest} /uv /bin/`,
        "",
      ].join("\n"),
    );
    mockUpstreams();
    mockAttestations();
    const u = byLine(rows((await cli(["check", world.repo, "--json"])).out));
    expect(u["Dockerfile:1"]).toMatchObject({
      attestation: { verified: true, sourceCommit: commitOf("0.10.1") },
      blocked: null,
    });
    expect(u["Dockerfile:2"]).toMatchObject({
      attestation: { verified: false },
      blocked: `source commit: ${commitOf("0.9.17")} is not ${commitOf("0.10.1")}, the commit of the release tag 0.10.1 in astral-sh/uv (built for another version)`,
    });
  });

  it("every version-only form is vouched for by its release's dist-manifest.json", async () => {
    write(".github/workflows/ci.yml", WORKFLOW);
    write("pyproject.toml", '[tool.uv]\nrequired-version = "0.9.17"\n');
    write(
      ".pre-commit-config.yaml",
      "repos:\n  - repo: https://github.com/astral-sh/uv-pre-commit\n    rev: 0.9.17\n    hooks:\n      - id: uv-lock\n",
    );
    write("scripts/setup.sh", "#!/bin/sh\npip install uv==0.9.17\n");
    mockUpstreams();
    mockAttestations(new Set([sha(manifest("0.10.1"))]));
    const list = rows((await cli(["check", world.repo, "--json"])).out);
    expect(list.map((r) => r.file).sort()).toEqual([
      ".github/workflows/ci.yml",
      ".pre-commit-config.yaml",
      "pyproject.toml",
      "scripts/setup.sh",
    ]);
    for (const r of list)
      expect(r.blocked).toBe(
        `attestation: none found for ${sha(manifest("0.10.1"))} (owner astral-sh)`,
      );

    nock.cleanAll();
    mockUpstreams();
    mockAttestations();
    for (const r of rows((await cli(["check", world.repo, "--json"])).out))
      expect(r).toMatchObject({
        attestation: { verified: true, subjectDigest: sha(manifest("0.10.1")) },
        blocked: null,
      });
  });

  it("verify IMAGE_REF holds a version tag to its release, as updates are: another version's or repository's build is refused", async () => {
    mockUpstreams();
    mockAttestations();
    const ok = await cli(["verify", "ghcr.io/astral-sh/uv:0.10.1", "--json"]);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      verified: true,
      subjectDigest: seeded["0.10.1"]?.digest,
      sourceCommit: commitOf("0.10.1"),
    });

    // Every digest attested by a genuine build of 0.9.17 (a mirror serving it under 0.10.1).
    nock.cleanAll();
    mockUpstreams();
    mockAttestations(new Set(), () => ({ sourceCommit: commitOf("0.9.17") }));
    const older = await cli(["verify", "ghcr.io/astral-sh/uv:0.10.1"]);
    expect(older.code).toBe(1);
    expect(older.err).toBe(
      `uv-pin-bot: not verified: source commit: ${commitOf("0.9.17")} is not ${commitOf("0.10.1")}, the commit of the release tag 0.10.1 in astral-sh/uv (built for another version)\n`,
    );
    // gh's owner-level policy only when asked for with --owner alone: that build passes it.
    const owner = await cli(["verify", "ghcr.io/astral-sh/uv:0.10.1", "--owner", "astral-sh"]);
    expect(owner.code).toBe(0);

    // A build of another astral-sh repository (ruff) at the right commit.
    nock.cleanAll();
    mockUpstreams();
    mockAttestations(new Set(), () => ({
      ...identities.otherRepository("ruff"),
      sourceCommit: commitOf("0.10.1"),
    }));
    const ruff = await cli(["verify", "ghcr.io/astral-sh/uv:0.10.1"]);
    expect(ruff.code).toBe(1);
    expect(ruff.err).toMatch(/^uv-pin-bot: not verified: .*\(built from another repository\)\n$/);
  });
});
