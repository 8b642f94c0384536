/**
 * `uv-pin-bot update` on repositories whose uv downloads are guarded by checksums (issue 8 §1):
 * the version and every tied checksum move in one write of the file, each checksum to the bytes
 * its own asset serves (cross-checked with the release asset's digest and attested); a checksum
 * that cannot be tied blocks the update with its file and line, and nothing is written. uv's
 * releases, downloads and attestations are served by nock.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { beforeEach, describe, expect, it } from "vitest";
import { offlineCli, releasesResponse } from "./cli-run.js";
import { readFixture as readDockerfile } from "./dockerfile-pins.js";
import { readFixture } from "./file-pins.js";
import { attestationsResponse, subject } from "./sigstore/variants.js";

const ASSETS = ["uv-x86_64-unknown-linux-gnu.tar.gz", "uv-aarch64-unknown-linux-gnu.tar.gz"];
const bytes = (v: string, asset: string) => `uv ${v} ${asset}\n`;
/** The commit uv's 0.9.18 tag points to; its attestations name it. */
const COMMIT = createHash("sha1").update("uv 0.9.18").digest("hex");
const DOWNLOAD = "https://github.com/astral-sh/uv/releases/download/0.9.18";
const hex = (s: string) => createHash("sha256").update(s).digest("hex");

/** uv 0.9.18 (10 days old) and 0.9.17, each with its assets. */
const releases = () =>
  releasesResponse(
    ["0.9.18", "0.9.17"].map((v, i) => ({
      v,
      age: 10 + i * 20,
      assets: Object.fromEntries(ASSETS.map((name) => [name, bytes(v, name)])),
    })),
  );

/** uv's release listing, answered once. */
const mockReleases = () =>
  nock("https://api.github.com")
    .get("/repos/astral-sh/uv/releases")
    .query(true)
    .reply(200, releases());

describe("update moves tied checksums with the version", () => {
  const offline = offlineCli();
  const cli = (argv: string[]) => offline.cli(argv);
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), "uv-pin-bot-checksums-"));
    return () => rmSync(repo, { recursive: true, force: true });
  });

  /** Writes `checksums/NAME` as install-uv.sh, answers uv's releases and runs `update`. */
  async function updateScript(name: string) {
    const before = readFixture(`checksums/${name}`);
    writeFileSync(join(repo, "install-uv.sh"), before);
    mockReleases();
    return { before, result: await cli(["update", repo]) };
  }

  /** Every asset's new checksum is verified: one attestation lookup each (`unattested`: 404). */
  function mockUpstreams(unattested: ReadonlySet<string> = new Set()) {
    const api = nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(200, releases())
      .get("/repos/astral-sh/uv/git/ref/tags/0.9.18")
      .reply(200, { ref: "refs/tags/0.9.18", object: { type: "commit", sha: COMMIT } })
      .get(/^\/orgs\/astral-sh\/attestations\/sha256:[0-9a-f]{64}$/)
      .query(true)
      .times(ASSETS.length)
      .reply((uri) => {
        const digest = /sha256:[0-9a-f]{64}/.exec(uri)?.[0] as string;
        if (unattested.has(digest)) return [404, { message: "Not Found" }];
        return [
          200,
          attestationsResponse([
            offline.sigstore.signAttestation({
              subjects: [subject(digest)],
              identity: { sourceCommit: COMMIT },
            }),
          ]),
        ];
      });
    const downloads = nock("https://github.com");
    for (const asset of ASSETS) {
      downloads
        .get(`/astral-sh/uv/releases/download/0.9.18/${asset}`)
        .reply(200, bytes("0.9.18", asset));
    }
    return { api, downloads };
  }

  it("Dockerfile with per-architecture ARG checksums: version and both checksums, one write", async () => {
    const before = readDockerfile("checksum-per-arch.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    const { api, downloads } = mockUpstreams();
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 1 pin in 1 file: Dockerfile\n");
    expect(result.code).toBe(0);
    const lines = before.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256_AMD64=${hex(bytes("0.9.18", ASSETS[0] as string))}`;
    lines[3] = `ARG UV_SHA256_ARM64=${hex(bytes("0.9.18", ASSETS[1] as string))}`;
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(lines.join("\n"));
    // Each asset's bytes were fetched once; every interceptor was used.
    expect(downloads.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
  });

  it("every checksum is verified: one asset without an attestation holds the whole update", async () => {
    const before = readDockerfile("checksum-per-arch.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    const arm = `sha256:${hex(bytes("0.9.18", ASSETS[1] as string))}`;
    const { api } = mockUpstreams(new Set([arm]));
    const result = await cli(["update", repo]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `uv-pin-bot: Dockerfile:12: not updated: attestation: none found for ${arm} (owner astral-sh)\n`,
    );
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(before);
    expect(api.isDone()).toBe(true);
  });

  it("bash associative array: both entries move", async () => {
    const before = readFixture("checksums/arch-array.sh");
    writeFileSync(join(repo, "install-uv.sh"), before);
    mockUpstreams();
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const after = before
      .replace("UV_VERSION=0.9.17", "UV_VERSION=0.9.18")
      .replace(/\[x86_64\]=[0-9a-f]{64}/, `[x86_64]=${hex(bytes("0.9.18", ASSETS[0] as string))}`)
      .replace(
        /\[aarch64\]=[0-9a-f]{64}/,
        `[aarch64]=${hex(bytes("0.9.18", ASSETS[1] as string))}`,
      );
    expect(readFileSync(join(repo, "install-uv.sh"), "utf8")).toBe(after);
  });

  it("an untied checksum next to the download blocks the update, naming its file and line", async () => {
    const { before, result } = await updateScript("untied.sh");
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "uv-pin-bot: install-uv.sh:6: not updated: a sha256 checksum next to this download cannot be tied to one uv asset (install-uv.sh:5); update it by hand\n",
    );
    expect(result.out).toBe("Nothing to change.\n");
    expect(readFileSync(join(repo, "install-uv.sh"), "utf8")).toBe(before);
  });

  it("an untied checksum blocks the update with no word about checksums in the file", async () => {
    const { before, result } = await updateScript("untied-quiet.sh");
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "uv-pin-bot: install-uv.sh:5: not updated: a sha256 checksum next to this download cannot be tied to one uv asset (install-uv.sh:4); update it by hand\n",
    );
    expect(result.out).toBe("Nothing to change.\n");
    expect(readFileSync(join(repo, "install-uv.sh"), "utf8")).toBe(before);
  });

  it("a download in one RUN checked in the next: version and checksum, one write", async () => {
    const before = readDockerfile("checksum-next-run.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    mockUpstreams();
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 1 pin in 1 file: Dockerfile\n");
    const lines = before.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256=${hex(bytes("0.9.18", ASSETS[0] as string))}`;
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(lines.join("\n"));
  });

  it("ADD <uv url> FILE then a RUN that checks FILE: both stages move, one write", async () => {
    const before = readDockerfile("checksum-add-then-run.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    mockUpstreams();
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 2 pins in 1 file: Dockerfile\n");
    const lines = before.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256=${hex(bytes("0.9.18", ASSETS[0] as string))}`;
    lines[7] = (lines[7] as string).replace("/0.9.17/", "/0.9.18/");
    lines[8] = (lines[8] as string).replace(
      /[0-9a-f]{64}/,
      hex(bytes("0.9.18", ASSETS[1] as string)),
    );
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(lines.join("\n"));
  });

  it("a check the data flow cannot tie (openssl dgst) blocks the update with its line", async () => {
    const { before, result } = await updateScript("openssl.sh");
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "uv-pin-bot: install-uv.sh:4: not updated: a sha256 checksum next to this download cannot be tied to one uv asset (install-uv.sh:3); update it by hand\n",
    );
    expect(readFileSync(join(repo, "install-uv.sh"), "utf8")).toBe(before);
  });

  it("per-architecture checksums: tampered aarch64 bytes are refused (the asset's digest differs)", async () => {
    const before = readDockerfile("checksum-per-arch.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    mockReleases();
    nock("https://github.com")
      .get(`/astral-sh/uv/releases/download/0.9.18/${ASSETS[0]}`)
      .optionally()
      .reply(200, bytes("0.9.18", ASSETS[0] as string))
      .get(`/astral-sh/uv/releases/download/0.9.18/${ASSETS[1]}`)
      .reply(200, "tampered");
    const result = await cli(["update", repo]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `uv-pin-bot: Dockerfile:12: not updated: ${DOWNLOAD}/${ASSETS[1]} serves bytes with sha256:${hex("tampered")}, but the release asset's digest is sha256:${hex(bytes("0.9.18", ASSETS[1] as string))}\n`,
    );
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(before);
  });

  it("checksum files that write their own version move with the archives, one write", async () => {
    const before = readFixture("checksums/sidecar-literal.sh");
    writeFileSync(join(repo, "install-uv.sh"), before);
    mockUpstreams();
    const result = await cli(["update", repo]);
    expect(result.err).toBe("");
    expect(result.out).toBe("Updated 2 pins in 1 file: install-uv.sh\n");
    expect(readFileSync(join(repo, "install-uv.sh"), "utf8")).toBe(
      before.replaceAll("/0.9.17/", "/0.9.18/"),
    );
  });

  it("a release without one architecture's asset blocks the update and names that checksum's line", async () => {
    const before = readDockerfile("checksum-per-arch.Dockerfile");
    writeFileSync(join(repo, "Dockerfile"), before);
    const list = releases();
    (list[0] as { assets: unknown[] }).assets = (list[0] as { assets: unknown[] }).assets.slice(
      0,
      1,
    );
    nock("https://api.github.com").get("/repos/astral-sh/uv/releases").query(true).reply(200, list);
    nock("https://github.com")
      .get(`/astral-sh/uv/releases/download/0.9.18/${ASSETS[0]}`)
      .optionally()
      .reply(200, bytes("0.9.18", ASSETS[0] as string));
    const result = await cli(["update", repo]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "uv-pin-bot: Dockerfile:12: not updated: uv 0.9.18 has no release asset uv-aarch64-unknown-linux-gnu.tar.gz, whose checksum is at line 4\n",
    );
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(before);
  });
});
