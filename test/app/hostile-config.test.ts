/**
 * `_extends` and other repositories' files, end to end: a public repository must not be able to
 * make the app read (and quote back) any file its installation can see.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AppHarness, type FakeRepo, finish, startApp } from "./harness.js";
import { botComments, dockerfile } from "./support.js";

let h: AppHarness;

beforeEach(async () => {
  h = await startApp();
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  // A private repository of the same organisation, visible to the installation.
  h.github.addRepo("acme/private-ops", {
    private: true,
    files: {
      "secrets/deploy.yml": "aws_secret_access_key: AKIA-VERY-SECRET\nregion: eu-west-1\n",
      ".github/uv-pin-bot.yml": "labels: [ops]\ndeploy_token: hunter2-secret\n",
    },
  });
  // Another organisation's repository, under another installation.
  h.github.addInstallation(99, "globex");
  h.github.addRepo("globex/config", {
    files: { ".github/uv-pin-bot.yml": "labels: [globex]\n" },
  });
});

afterEach(() => finish(h));

async function askWith(config: string): Promise<{ repo: FakeRepo; reply: string }> {
  const repo = h.github.addRepo(`acme/public-${h.github.nextId()}`, {
    files: { Dockerfile: dockerfile("0.9.17"), ".github/uv-pin-bot.yml": config },
    permissions: { mallory: "write" },
  });
  const issue = repo.openIssue();
  expect(await h.comment(repo, issue.number, "/uv-update", { user: "mallory" })).toBe(200);
  return { repo, reply: botComments(repo, issue.number).join("\n") };
}

const contentsReads = (h: AppHarness) =>
  h.github.requests.filter((r) => r.path.includes("/contents/")).map((r) => r.path);

describe("_extends", () => {
  it("may not name a file that is not a uv-pin-bot configuration: refused before any read of it", async () => {
    const { repo, reply } = await askWith("_extends: private-ops:secrets/deploy.yml\n");
    expect(reply).toContain(
      "_extends: may only name a uv-pin-bot configuration: `[owner/]repo` or `[owner/]repo:path/uv-pin-bot.yml`",
    );
    expect(contentsReads(h)).toEqual([`/repos/${repo.fullName}/contents/.github/uv-pin-bot.yml`]);
    expect(reply).not.toMatch(/aws_secret_access_key|AKIA|region/);
    expect(repo.pulls).toEqual([]);
  });

  it("problems in another repository's configuration are reported without its contents or key names", async () => {
    const { repo, reply } = await askWith("_extends: private-ops\n");
    expect(reply).toContain(
      "(file): not a valid uv-pin-bot configuration (in acme/private-ops:.github/uv-pin-bot.yml; its contents are not shown here)",
    );
    expect(reply).not.toMatch(/deploy_token|hunter2|labels|ops\]/);
    expect(repo.pulls).toEqual([]);
  });

  it("a repository outside the installation reads as missing (the token only reaches its installation's repositories)", async () => {
    const { repo, reply } = await askWith("_extends: globex/config\n");
    expect(reply).toContain(
      "_extends: globex/config:.github/uv-pin-bot.yml could not be read (it does not exist, or this installation cannot see it)",
    );
    const read = h.github.requests.find(
      (r) => r.path === "/repos/globex/config/contents/.github/uv-pin-bot.yml",
    );
    expect(read?.status).toBe(404);
    expect(repo.pulls).toEqual([]);
  });

  it("a valid org-level uv-pin-bot config through `_extends` still applies", async () => {
    h.github.addRepo("acme/shared", { files: { "ci/uv-pin-bot.yml": "labels: [shared]\n" } });
    const { repo } = await askWith("_extends: shared:ci/uv-pin-bot.yml\ndraft: true\n");
    expect(repo.openPulls()[0]).toMatchObject({ labels: ["shared"], draft: true });
  });

  it("a cycle is refused with one line", async () => {
    h.github.addRepo("acme/loop", { files: { ".github/uv-pin-bot.yml": "_extends: loop\n" } });
    const { reply } = await askWith("_extends: loop\n");
    expect(reply).toContain("_extends: a cycle at acme/loop:.github/uv-pin-bot.yml");
  });
});
