/**
 * GitHub's secondary limits on content-creating requests, kept by the app (both modes: counted in
 * memory embedded, in Redis clustered): a small budget injected through UV_PIN_BOT_WRITE_BUDGET
 * (9 writes per 3 s standing in for 500 an hour) so that a sweep hits it. A repository that would
 * not fit is delayed to the window's room, not failed; no window ever holds more than its count.
 */
import { afterEach, expect, it } from "vitest";
import { type AppHarness, finish, isContentWrite, startApp } from "./harness.js";
import { botComments, dockerfile, lastCommentId, reactionsOn } from "./support.js";

let h: AppHarness;
afterEach(() => finish(h));

it("a sweep past the hour's write budget: the repository that does not fit waits for room, none fails, no window exceeds its count", async () => {
  h = await startApp({
    app: {
      concurrency: 1,
      env: { UV_PIN_BOT_WRITE_BUDGET: "100/1,9/3", UV_PIN_BOT_CONCURRENCY: "1" },
    },
  });
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  for (const name of ["r1", "r2", "r3"])
    h.github.addRepo(`acme/${name}`, { files: { Dockerfile: dockerfile("0.9.17") } });
  const summary = await h.sweep();
  expect(summary).toMatchObject({ repositories: 3, opened: 3, failed: 0 });
  const writes = h.github.requests.filter(
    (r) => isContentWrite(r) && r.auth === `installation:${h.installation.id}`,
  );
  // Each PR: tree, commit, one GraphQL document, labels. The third did not fit (8 used + 5 for
  // a PR > 9): delayed until the window had room, then opened; nothing was retried.
  expect(writes).toHaveLength(12);
  for (const w of writes)
    expect(writes.filter((x) => x.at > w.at - 3_000 && x.at <= w.at).length).toBeLessThanOrEqual(9);
  const waited = h.logs.filter((l) => /waits for GitHub's budget of installation 4242/.test(l.msg));
  expect(waited.length).toBeGreaterThanOrEqual(1);
  expect(waited[0]?.msg).toMatch(/^uv-pin-bot: acme\/r3 waits for GitHub's budget/);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
});

it("the hour's budget running out in the middle of a run: the write is not sent, the run stops and runs again when there is room; one commit, one PR each", async () => {
  // 3 writes per window: a PR (tree, commit, document, labels) does not fit in one.
  h = await startApp({
    app: {
      concurrency: 1,
      env: { UV_PIN_BOT_WRITE_BUDGET: "100/1,3/3", UV_PIN_BOT_CONCURRENCY: "1" },
    },
  });
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const repos = ["r1", "r2"].map((name) =>
    h.github.addRepo(`acme/${name}`, { files: { Dockerfile: dockerfile("0.9.17") } }),
  );
  const summary = await h.sweep();
  expect(summary).toMatchObject({ repositories: 2, failed: 0 });
  const writes = h.github.requests.filter(
    (r) => isContentWrite(r) && r.auth === `installation:${h.installation.id}`,
  );
  for (const w of writes)
    expect(writes.filter((x) => x.at > w.at - 3_000 && x.at <= w.at).length).toBeLessThanOrEqual(3);
  for (const repo of repos) {
    expect(repo.openPulls()).toHaveLength(1);
    expect(
      h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/commits")),
    ).toHaveLength(1);
  }
  // r1 stopped before its labels (the 4th write); r2 was delayed before it started.
  expect(
    h.logs.filter((l) => /waits for GitHub's budget/.test(l.msg)).length,
  ).toBeGreaterThanOrEqual(2);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
});

it("the hour's budget taken by other writes while a PR is being made: the PR's writes were reserved before its first, so it is finished (labels too) and the other writes wait", async () => {
  // 6 writes per 5 s. A PR here costs 4 (tree, commit, document, labels).
  h = await startApp({ app: { concurrency: 1, env: { UV_PIN_BOT_WRITE_BUDGET: "6/5" } } });
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const repo = h.github.addRepo("acme/app", { files: { Dockerfile: dockerfile("0.9.17") } });
  // While the tree is being written, another replica writes for the same installation as much
  // as the hour lets it (at most 3: 6 minus the run's tree, commit and document).
  const tree = h.github.hold("POST", "/repos/acme/app/git/trees");
  let others = 0;
  const crowd = tree.reached.then(async () => {
    for (let i = 0; i < 3; i++)
      if ((await h.appFn.coordinator.writeBudget.take(h.installation.id)).ok) others++;
    tree.release();
  });
  const summary = await h.sweep();
  await crowd;
  expect(summary).toMatchObject({ repositories: 1, opened: 1, failed: 0 });
  const [pr] = repo.openPulls();
  expect(pr?.labels).toEqual(["dependencies", "uv"]);
  // The run's 3 remaining writes were reserved: the other replica fitted 2, not 3.
  expect(others).toBe(2);
  expect(
    h.github
      .requestsFor(repo.fullName)
      .filter(isContentWrite)
      .map((r) => `${r.method} ${r.path}`),
  ).toEqual([
    "POST /repos/acme/app/git/trees",
    "POST /repos/acme/app/git/commits",
    "POST /graphql",
    "PATCH /repos/acme/app/issues/1",
  ]);
  expect(h.logs.filter((l) => /waits for GitHub's budget/.test(l.msg))).toEqual([]);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
});

it("a /uv-update whose answer does not fit the hour: the answer waits for room and says what the run did (the PR it opened), once", async () => {
  // 4 writes per 2 s: 👀 (1), then the PR (tree, commit, document, labels: 4), then the reply
  // and 🚀 do not fit until the window has room.
  h = await startApp({ app: { env: { UV_PIN_BOT_WRITE_BUDGET: "4/2" } } });
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const repo = h.github.addRepo("acme/app", {
    files: { Dockerfile: dockerfile("0.9.17") },
    permissions: { alice: "write" },
  });
  const issue = repo.openIssue();
  expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
  const [pr] = repo.openPulls();
  expect(pr?.labels).toEqual(["dependencies", "uv"]);
  expect(botComments(repo, issue.number)).toEqual([
    `Opened https://github.com/acme/app/pull/${pr?.number} to update uv.`,
  ]);
  expect(reactionsOn(repo, lastCommentId(repo, issue.number))).toEqual(["eyes", "rocket"]);
  expect(
    h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/commits")),
  ).toHaveLength(1);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
});

it("the handler's own answers (👀, a refusal, 😕) that do not fit the hour wait for room instead of failing the delivery; none is lost or sent twice", async () => {
  h = await startApp({ app: { env: { UV_PIN_BOT_WRITE_BUDGET: "2/2" } } });
  const repo = h.github.addRepo("acme/app", {
    files: { Dockerfile: dockerfile("0.9.17") },
    permissions: { rita: "read" },
  });
  const issue = repo.openIssue();
  // Another replica has just used the window.
  for (let i = 0; i < 2; i++)
    expect(await h.appFn.coordinator.writeBudget.take(h.installation.id)).toEqual({ ok: true });
  expect(await h.comment(repo, issue.number, "/uv-update", { user: "rita" })).toBe(200);
  expect(botComments(repo, issue.number)).toEqual([
    "Sorry @rita, `/uv-update` commands are for people with write access to this repository.",
  ]);
  expect(reactionsOn(repo, lastCommentId(repo, issue.number))).toEqual(["eyes", "confused"]);
  expect(
    h.github
      .requestsFor(repo.fullName)
      .filter(isContentWrite)
      .map((r) => `${r.method} ${r.status}`),
  ).toEqual(["POST 201", "POST 201", "POST 201"]);
  expect(repo.pulls).toEqual([]);
  expect(h.logs.filter((l) => l.level >= 50)).toEqual([]);
});
