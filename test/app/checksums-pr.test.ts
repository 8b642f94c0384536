/**
 * The app's pull request for a Dockerfile whose uv download is checked per architecture
 * (`ARG UV_VERSION`, `ARG UV_SHA256_AMD64`, `ARG UV_SHA256_ARM64`, a `case "$TARGETARCH"`):
 * one commit changes the version and both checksums (each to its own archive's new checksum),
 * and the body lists every new checksum with its architecture and line. The real Probot server
 * over HTTP, GitHub as the recording fake, uv's upstreams in memory with real Sigstore bundles.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AppHarness, ARCHIVES, archiveText, sha256, startApp } from "./harness.js";

const DOCKERFILE = readFileSync(
  fileURLToPath(
    new URL("../../fixtures/dockerfiles/checksum-per-arch.Dockerfile", import.meta.url),
  ),
  "utf8",
);
const BRANCH = "uv-pin-bot/uv";

let h: AppHarness;

describe("a per-architecture checksummed download: one PR, one commit", () => {
  beforeEach(async () => {
    h = await startApp();
    h.upstreams.publish("0.9.17", { daysAgo: 30 });
    h.upstreams.publish("0.9.18", { daysAgo: 2 });
  });
  afterEach(async () => {
    h.github.assertDone();
    await h?.stop();
  });

  it("the version and both checksums change in the PR's single commit; the body lists the new checksums", async () => {
    const repo = h.github.addRepo("acme/sums", {
      files: { Dockerfile: DOCKERFILE },
      permissions: { alice: "write" },
    });
    const base = repo.head();
    const issue = repo.openIssue();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    const [pr] = repo.openPulls();
    const amd64 = sha256(archiveText("0.9.18", ARCHIVES[0]));
    const arm64 = sha256(archiveText("0.9.18", ARCHIVES[1]));
    const lines = DOCKERFILE.split("\n");
    lines[1] = "ARG UV_VERSION=0.9.18";
    lines[2] = `ARG UV_SHA256_AMD64=${amd64.slice(7)}`;
    lines[3] = `ARG UV_SHA256_ARM64=${arm64.slice(7)}`;
    expect(repo.file("Dockerfile", BRANCH)).toBe(lines.join("\n"));
    // One commit on top of the default branch holds all three changes.
    const head = repo.head(BRANCH);
    expect(head.parents).toEqual([base.sha]);
    expect(repo.commitsBetween(base.sha, head.sha)).toHaveLength(1);
    const old = (i: number) => `sha256:${(DOCKERFILE.split("\n")[2 + i] as string).split("=")[1]}`;
    const at = (line: number) =>
      `[\`Dockerfile:${line}\`](https://github.com/acme/sums/blob/${base.sha}/Dockerfile#L${line})`;
    expect(pr?.body).toContain(
      [
        `- ${at(3)}: checksum of \`${ARCHIVES[0]}\` (amd64): \`${old(0).slice(0, 19)}\` → \`${amd64}\``,
        `- ${at(4)}: checksum of \`${ARCHIVES[1]}\` (arm64): \`${old(1).slice(0, 19)}\` → \`${arm64}\``,
      ].join("\n"),
    );
    // Each new checksum has its own verified attestation section.
    expect(pr?.body).toContain(`#### Checksum \`${amd64}\``);
    expect(pr?.body).toContain(`#### Checksum \`${arm64}\``);
    expect(pr?.body).toContain("All 2 new digests and checksums have verified attestations.");
    expect(pr?.body).not.toContain("not verified");
    expect(repo.checkRuns[0]).toMatchObject({ conclusion: "success" });
  });
});
