/**
 * The app with `attestations: required` (the default): every change a pull request would make is
 * verified, not only new digest pins. A tag-only image update is verified by the new tag's index
 * digest, an installer URL without a checksum by the bytes it serves, a setup-uv version by the
 * release's `dist-manifest.json`. Unverified ones are held with the reason; with all three held
 * no pull request is opened. The real Probot server over HTTP, GitHub as the recording fake,
 * uv's upstreams in memory with real Sigstore bundles.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.js";
import { type AppHarness, installerText, sha256, startApp } from "./harness.js";
import { botComments, calls } from "./support.js";

let h: AppHarness;

const DOCKERFILE =
  "FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /uvx /bin/\nRUN curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh\n";

describe("attestations: required covers every kind of update", () => {
  // A fresh app each time: a definite "none found" is cached for the app's life.
  beforeEach(async () => {
    h = await startApp();
    h.upstreams.publish("0.9.17", { daysAgo: 30 });
    h.upstreams.publish("0.9.18", { daysAgo: 2 });
  });
  afterEach(async () => {
    h.github.assertDone();
    await h?.stop();
  });

  const repository = (name: string, config?: string) =>
    h.github.addRepo(`acme/${name}`, {
      files: {
        Dockerfile: DOCKERFILE,
        ...(config ? { ".github/uv-pin-bot.yml": config } : {}),
      },
      permissions: { alice: "write" },
    });

  it("a tag-only image and an installer URL without attestations: held with the reason, no PR", async () => {
    const newIndex = h.upstreams.digestOf("0.9.18");
    const newInstaller = sha256(installerText("0.9.18"));
    h.upstreams.unattested.add(newIndex);
    h.upstreams.unattested.add(newInstaller);
    const repo = repository("tag-only");
    const issue = repo.openIssue();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    expect(repo.pulls).toEqual([]);
    expect(repo.checkRuns).toEqual([]);
    expect(calls(h, (r) => r.method !== "GET" && !r.path.endsWith("/reactions"))).toEqual([
      `POST /repos/acme/tag-only/issues/${issue.number}/comments`,
    ]);
    expect(botComments(repo, issue.number)).toEqual([
      [
        "Nothing could be proposed safely:",
        "",
        `> Dockerfile:2: attestation: none found for ${newIndex} (owner astral-sh)`,
        `> Dockerfile:3: attestation: none found for ${newInstaller} (owner astral-sh)`,
      ].join("\n"),
    ]);
  });

  it("one held, one verified: the PR has only the verified one, its body says which and why", async () => {
    const newIndex = h.upstreams.digestOf("0.9.18");
    h.upstreams.unattested.add(newIndex);
    const repo = repository("half");
    const issue = repo.openIssue();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    const [pr] = repo.openPulls();
    expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(
      DOCKERFILE.replace("sh/uv/0.9.17/install", "sh/uv/0.9.18/install"),
    );
    expect(pr?.body).toContain(`attestation: none found for ${newIndex} (owner astral-sh)`);
    expect(pr?.body).toContain(sha256(installerText("0.9.18")).slice(0, 19));
    expect(pr?.body).toContain("**Attestation verified ✓**");
    expect(repo.checkRuns[0]).toMatchObject({ conclusion: "success" });
  });

  it("everything attested: a PR whose body carries a verified summary for each update", async () => {
    const repo = repository("all");
    const issue = repo.openIssue();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    const [pr] = repo.openPulls();
    expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(
      DOCKERFILE.replaceAll("0.9.17", "0.9.18"),
    );
    for (const digest of [h.upstreams.digestOf("0.9.18"), sha256(installerText("0.9.18"))])
      expect(pr?.body).toContain(digest.slice(0, 19));
    expect(pr?.body).not.toContain("not verified");
    expect(repo.checkRuns[0]).toMatchObject({ conclusion: "success" });
  });

  it("GitHub failing for a moment (502): held, nothing cached; the next command opens the PR", async () => {
    const url = `https://api.github.com/orgs/astral-sh/attestations/${h.upstreams.digestOf("0.9.18")}`;
    h.upstreams.attestationsDown = new UpstreamError(
      "upstream-unavailable",
      `${url}: upstream error (502) after 3 tries`,
      url,
      502,
    );
    const repo = repository("flaky");
    const issue = repo.openIssue();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    expect(repo.pulls).toEqual([]);
    const [reply] = botComments(repo, issue.number);
    expect(reply?.split("\n")).toEqual([
      "Nothing could be proposed safely:",
      "",
      expect.stringMatching(
        /^> Dockerfile:2: held: attestation unavailable: attestations for sha256:[0-9a-f]{64} could not be fetched: .*\(502\) after 3 tries \(not cached; tried again on the next run\)$/,
      ),
      expect.stringMatching(/^> Dockerfile:3: held: attestation unavailable: /),
    ]);
    const asked = h.upstreams.calls.attestations;

    h.upstreams.attestationsDown = null;
    h.github.reset();
    await h.comment(repo, issue.number, "/uv-update", { user: "alice" });
    expect(repo.openPulls()).toHaveLength(1);
    expect(repo.checkRuns[0]).toMatchObject({ conclusion: "success" });
    // Both digests were asked again: the failure was not cached as "not verified".
    expect(h.upstreams.calls.attestations - asked).toBe(2);
  });
});
