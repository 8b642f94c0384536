/**
 * Every pin that sets the same uv for one build moves together, or none does (issue 8 §3), end to
 * end through `uv-pin-bot update`: a Dockerfile's `ARG UV_VERSION` with the checksums that guard
 * its download, the compose `build.args` and `docker build --build-arg` overrides that set the same
 * ARG. When the Dockerfile's checksum cannot move, the overrides are held with the reason and
 * nothing is written; otherwise the version ARG, both checksums and both overrides move in one run.
 * uv's releases, downloads and attestations are served by nock.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { beforeEach, describe, expect, it } from "vitest";
import { offlineCli, releasesResponse } from "./cli-run.js";
import { readFixture as readDockerfile } from "./dockerfile-pins.js";
import { attestationsResponse, subject } from "./sigstore/variants.js";

const ARCHIVES = ["uv-x86_64-unknown-linux-gnu.tar.gz", "uv-aarch64-unknown-linux-gnu.tar.gz"];
const ASSETS = [...ARCHIVES, "dist-manifest.json"];
const bytes = (v: string, asset: string) => `uv ${v} ${asset}\n`;
const hex = (s: string) => createHash("sha256").update(s).digest("hex");
const commitOf = (v: string) => createHash("sha1").update(`uv ${v}`).digest("hex");

/** uv 0.9.18 (10 days old) and 0.9.17, each with its assets. */
const releases = () =>
  releasesResponse(
    ["0.9.18", "0.9.17"].map((v, i) => ({
      v,
      age: 10 + i * 20,
      assets: Object.fromEntries(ASSETS.map((name) => [name, bytes(v, name)])),
    })),
  );

const COMPOSE = (v: string) =>
  `services:\n  app:\n    build:\n      context: .\n      args:\n        UV_VERSION: "${v}"\n`;
const BUILD_SH = (v: string) =>
  `#!/bin/sh\nset -eu\ndocker build --build-arg UV_VERSION=${v} -t app .\n`;

describe("update: a Dockerfile ARG, its checksums and the overrides that set it move together", () => {
  const offline = offlineCli();
  const cli = (argv: string[]) => offline.cli(argv);
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), "uv-pin-bot-lockstep-"));
    return () => rmSync(repo, { recursive: true, force: true });
  });
  const write = (name: string, text: string) => writeFileSync(join(repo, name), text);
  const read = (name: string) => readFileSync(join(repo, name), "utf8");

  /** uv's releases; optionally the downloads and attestations an applied update needs. */
  function mockUpstreams(apply: boolean) {
    const api = nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(200, releases());
    if (!apply) return { api, downloads: null };
    api
      .get("/repos/astral-sh/uv/git/ref/tags/0.9.18")
      .reply(200, { ref: "refs/tags/0.9.18", object: { type: "commit", sha: commitOf("0.9.18") } })
      .get(/^\/orgs\/astral-sh\/attestations\/sha256:[0-9a-f]{64}$/)
      .query(true)
      .times(ASSETS.length)
      .reply((uri) => {
        const digest = /sha256:[0-9a-f]{64}/.exec(uri)?.[0] as string;
        const bundle = offline.sigstore.signAttestation({
          subjects: [subject(digest)],
          identity: { sourceCommit: commitOf("0.9.18") },
        });
        return [200, attestationsResponse([bundle])];
      });
    const downloads = nock("https://github.com");
    for (const asset of ARCHIVES)
      downloads
        .get(`/astral-sh/uv/releases/download/0.9.18/${asset}`)
        .reply(200, bytes("0.9.18", asset));
    return { api, downloads };
  }

  it("version ARG, both checksums, the compose override and the --build-arg override: one update", async () => {
    const dockerfile = readDockerfile("checksum-per-arch.Dockerfile");
    write("Dockerfile", dockerfile);
    write("compose.yaml", COMPOSE("0.9.17"));
    write("build.sh", BUILD_SH("0.9.17"));
    const { api, downloads } = mockUpstreams(true);
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 3 pins in 3 files: Dockerfile, build.sh, compose.yaml\n");
    expect(result.code).toBe(0);
    const lines = dockerfile.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256_AMD64=${hex(bytes("0.9.18", ARCHIVES[0] as string))}`;
    lines[3] = `ARG UV_SHA256_ARM64=${hex(bytes("0.9.18", ARCHIVES[1] as string))}`;
    expect(read("Dockerfile")).toBe(lines.join("\n"));
    expect(read("compose.yaml")).toBe(COMPOSE("0.9.18"));
    expect(read("build.sh")).toBe(BUILD_SH("0.9.18"));
    expect(api.isDone()).toBe(true);
    expect(downloads?.isDone()).toBe(true);
  });

  it("a Dockerfile checksum that cannot move holds both overrides, with the reason; nothing is written", async () => {
    const dockerfile = readDockerfile("checksum-per-arch.Dockerfile");
    write("Dockerfile", dockerfile);
    write("compose.yaml", COMPOSE("0.9.17"));
    write("build.sh", BUILD_SH("0.9.17"));
    // 0.9.18 has no aarch64 archive: the ARM64 checksum (line 4) cannot move, so neither can the
    // version ARG it guards, nor the overrides that set the same ARG.
    const list = releases();
    const newest = list[0] as { assets: { name: string }[] };
    newest.assets = newest.assets.filter((a) => a.name !== ARCHIVES[1]);
    nock("https://api.github.com").get("/repos/astral-sh/uv/releases").query(true).reply(200, list);
    nock("https://github.com")
      .get(`/astral-sh/uv/releases/download/0.9.18/${ARCHIVES[0]}`)
      .optionally()
      .reply(200, bytes("0.9.18", ARCHIVES[0] as string));
    const held = `uv 0.9.18 has no release asset ${ARCHIVES[1]}, whose checksum is at line 4`;
    const together = (file: string, line: number) =>
      `uv-pin-bot: ${file}:${line}: not updated: it moves together with Dockerfile:12 (both set the build's \`UV_VERSION\`), which cannot move: ${held}\n`;
    const result = await cli(["update", repo]);
    expect(result.err).toBe(
      [
        `uv-pin-bot: Dockerfile:12: not updated: ${held}\n`,
        together("build.sh", 3),
        together("compose.yaml", 6),
      ].join(""),
    );
    expect(result.out).toBe("Nothing to change.\n");
    expect(result.code).toBe(1);
    expect(read("Dockerfile")).toBe(dockerfile);
    expect(read("compose.yaml")).toBe(COMPOSE("0.9.17"));
    expect(read("build.sh")).toBe(BUILD_SH("0.9.17"));
  });

  it("checksum ARG overrides (compose map and list forms, a Makefile --build-arg) move with the version, each to its architecture's checksum, in one write", async () => {
    const dockerfile = readDockerfile("checksum-per-arch.Dockerfile");
    const old = (i: number) => (dockerfile.split("\n")[2 + i] as string).split("=")[1] as string;
    const compose = (v: string, amd64: string, arm64: string) =>
      [
        "services:",
        "  app:",
        "    build:",
        "      context: .",
        "      args:",
        `        UV_VERSION: "${v}"`,
        `        UV_SHA256_AMD64: "${amd64}"`,
        "  arm:",
        "    build:",
        "      context: .",
        "      args:",
        `        - UV_VERSION=${v}`,
        `        - UV_SHA256_ARM64=${arm64}`,
        "",
      ].join("\n");
    const makefile = (v: string, arm64: string) =>
      `img:\n\tdocker build --build-arg UV_VERSION=${v} --build-arg UV_SHA256_ARM64=${arm64} -t app .\n`;
    write("Dockerfile", dockerfile);
    write("compose.yaml", compose("0.9.17", old(0), old(1)));
    write("Makefile", makefile("0.9.17", old(1)));
    const { api, downloads } = mockUpstreams(true);
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 7 pins in 3 files: Dockerfile, Makefile, compose.yaml\n");
    expect(result.code).toBe(0);
    const amd64 = hex(bytes("0.9.18", ARCHIVES[0] as string));
    const arm64 = hex(bytes("0.9.18", ARCHIVES[1] as string));
    const lines = dockerfile.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256_AMD64=${amd64}`;
    lines[3] = `ARG UV_SHA256_ARM64=${arm64}`;
    expect(read("Dockerfile")).toBe(lines.join("\n"));
    expect(read("compose.yaml")).toBe(compose("0.9.18", amd64, arm64));
    expect(read("Makefile")).toBe(makefile("0.9.18", arm64));
    // Each archive is downloaded once, each new checksum's attestation read once.
    expect(api.isDone()).toBe(true);
    expect(downloads?.isDone()).toBe(true);
  });

  it("a checksum override that cannot move holds the version ARG, the other checksums and every override; nothing is written", async () => {
    const dockerfile = readDockerfile("checksum-per-arch.Dockerfile");
    write("Dockerfile", dockerfile);
    const compose = `services:\n  app:\n    build:\n      args:\n        UV_VERSION: "0.9.17"\n        UV_SHA256_AMD64: "\${AMD64_SUM}"\n`;
    write("compose.yaml", compose);
    const { downloads } = mockUpstreams(true);
    // The scanner reports the override's own reason (scan and check show it); update, what it holds.
    const reason = "checksum: `AMD64_SUM` has no default value";
    const result = await cli(["update", repo]);
    expect(result.err).toBe(
      [
        "uv-pin-bot: Dockerfile:12: not updated: it moves together with compose.yaml:6 (both set the build's `UV_SHA256_AMD64`), which cannot move: " +
          `${reason}\n`,
        "uv-pin-bot: compose.yaml:5: not updated: it moves together with Dockerfile:12 (both set the build's `UV_VERSION`), which cannot move: it moves together with compose.yaml:6 (both set the build's `UV_SHA256_AMD64`), which cannot move: " +
          `${reason}\n`,
      ].join(""),
    );
    expect(result.out).toBe("Nothing to change.\n");
    expect(read("Dockerfile")).toBe(dockerfile);
    expect(read("compose.yaml")).toBe(compose);
    expect(downloads?.isDone()).toBe(true);
  });

  it("scan and check show every tied checksum with its architecture and line (JSON and table)", async () => {
    const dockerfile = readDockerfile("checksum-per-arch.Dockerfile");
    write("Dockerfile", dockerfile);
    const old = (i: number) => `sha256:${(dockerfile.split("\n")[2 + i] as string).split("=")[1]}`;
    const scanned = await cli(["scan", "--json", repo]);
    const pins = JSON.parse(scanned.out).pins;
    expect(
      pins.map((p: { digest: string; checksums: unknown }) => [p.digest, p.checksums]),
    ).toEqual([
      [
        old(0),
        [
          { line: 3, digest: old(0), asset: ARCHIVES[0], arch: "amd64" },
          { line: 4, digest: old(1), asset: ARCHIVES[1], arch: "arm64" },
        ],
      ],
    ]);
    const table = await cli(["scan", repo]);
    expect(table.out.split("\n")[1]).toBe(
      "Dockerfile:12  installer  0.9.17   url+checksum  UV_VERSION (line 2)  https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/uv-${arch}-unknown-linux-gnu.tar.gz (checksums amd64 sha256:ca978112ca1b… line 3, arm64 sha256:3e23e8160039… line 4)",
    );
    mockUpstreams(true);
    const checked = await cli(["check", "--json", repo]);
    const amd64 = `sha256:${hex(bytes("0.9.18", ARCHIVES[0] as string))}`;
    const arm64 = `sha256:${hex(bytes("0.9.18", ARCHIVES[1] as string))}`;
    const update = JSON.parse(checked.out).updates[0];
    expect([update.from.checksum, update.to.checksum, update.checksums]).toEqual([
      old(0),
      amd64,
      [
        { line: 3, asset: ARCHIVES[0], arch: "amd64", from: old(0), to: amd64 },
        { line: 4, asset: ARCHIVES[1], arch: "arm64", from: old(1), to: arm64 },
      ],
    ]);
    mockUpstreams(true);
    const checkTable = await cli(["check", repo]);
    const s12 = (d: string) => d.slice(0, 19);
    expect(checkTable.out).toBe(
      [
        `Dockerfile:12  patch  0.9.17 (${s12(old(0))}) -> 0.9.18 (${s12(amd64)})`,
        `    checksum line 3 (amd64): ${s12(old(0))} -> ${s12(amd64)}`,
        `    checksum line 4 (arm64): ${s12(old(1))} -> ${s12(arm64)}`,
        "    attestation: verified (https://github.com/astral-sh/uv/.github/workflows/build-docker.yml@refs/heads/main)",
        "",
        "1 update (0 blocked), 0 current, 0 skipped.",
        "",
      ].join("\n"),
    );
  });
});
