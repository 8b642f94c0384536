/**
 * Webhook deliveries are recorded as handled only when their handling finished: a delivery that
 * failed (GitHub answered 500 for a moment) and is redelivered by hand with the same
 * `X-GitHub-Delivery` id runs again; one that finished does not.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AppHarness,
  type FakeRepo,
  finish,
  installationRepositoriesAddedPayload,
  issueCommentPayload,
  startApp,
} from "./harness.js";
import { dockerfile } from "./support.js";

let h: AppHarness;
let repo: FakeRepo;

beforeEach(async () => {
  h = await startApp();
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  repo = h.github.addRepo("acme/app", {
    files: { Dockerfile: dockerfile("0.9.17") },
    permissions: { alice: "write" },
  });
});

afterEach(() => finish(h));

describe("delivery ids", () => {
  it("a comment whose handling failed runs again when redelivered with the same id", async () => {
    const issue = repo.openIssue("uv please").number;
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/app/collaborators/alice/permission",
      reply: () => [502, { message: "Bad Gateway" }],
    });
    const payload = issueCommentPayload(repo, issue, "/uv-update");
    expect(await h.send("issue_comment", payload, { id: "d-1" })).toBeGreaterThanOrEqual(500);
    expect(repo.openPulls()).toHaveLength(0);
    expect(await h.send("issue_comment", payload, { id: "d-1" })).toBe(200);
    expect(repo.openPulls()).toHaveLength(1);
    // Finished now: a third copy changes nothing.
    h.github.reset();
    expect(await h.send("issue_comment", payload, { id: "d-1" })).toBe(200);
    expect(h.github.requests).toEqual([]);
  });

  it("an installation delivery with a failed repository fails, and its redelivery runs it", async () => {
    if (h.mode === "redis") return; // clustered: the next test
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/app/git/trees/main",
      reply: () => [502, { message: "Bad Gateway" }],
    });
    const payload = installationRepositoriesAddedPayload(h.installation, [repo]);
    expect(
      await h.send("installation_repositories", payload, { id: "i-1" }),
    ).toBeGreaterThanOrEqual(500);
    expect(repo.openPulls()).toHaveLength(0);
    expect(await h.send("installation_repositories", payload, { id: "i-1" })).toBe(200);
    expect(repo.openPulls()).toHaveLength(1);
  });

  it("clustered: an installation delivery is handled once its jobs are queued; a failed run is retried by its job", async () => {
    if (h.mode !== "redis") return; // embedded: the test above
    await h.stop();
    h = await startApp({ app: { env: { UV_PIN_BOT_JOB_ATTEMPTS: "2" } } });
    h.upstreams.publish("0.9.17", { daysAgo: 40 });
    h.upstreams.publish("0.9.18", { daysAgo: 10 });
    repo = h.github.addRepo("acme/app", { files: { Dockerfile: dockerfile("0.9.17") } });
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/app/git/trees/main",
      reply: () => [502, { message: "Bad Gateway" }],
    });
    const payload = installationRepositoriesAddedPayload(h.installation, [repo]);
    expect(await h.send("installation_repositories", payload, { id: "i-1" })).toBe(200);
    expect(repo.openPulls()).toHaveLength(1);
    const trees = h.github.requests.filter((r) => r.path === "/repos/acme/app/git/trees/main");
    expect(trees.map((r) => r.status)).toEqual([502, 200]);
    h.github.reset();
    expect(await h.send("installation_repositories", payload, { id: "i-1" })).toBe(200);
    expect(h.github.requests).toEqual([]);
  });
});
