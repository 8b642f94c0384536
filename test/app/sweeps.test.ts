/**
 * Sweeps end to end: `appFn.sweep()` over every installation and repository, the per-repository
 * `schedule`, the summary and its log line, lookups shared across the sweep, and the
 * `POST /uv-pin-bot/sweep` route. GitHub is the recorded fake (harness.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type AppHarness, FakeUpstreams, type LogLine, startApp } from "./harness.js";
import { calls, dockerfile, type RealUpstreams, realUpstreams } from "./support.js";

const sweepLine = (logs: LogLine[]) =>
  logs.filter((l) => l.msg.startsWith("uv-pin-bot sweep: ") && l.level === 30).map((l) => l.msg);
/**
 * What the summary counts as GitHub requests: everything the sweep's installation clients sent
 * (their token requests included) and the installation listing; `GET /app` (the bot's login,
 * looked up once per process by the app client) is not the sweep's.
 */
const githubRequests = (h: AppHarness) => h.github.requests.filter((r) => r.path !== "/app").length;

describe("a sweep across two installations, one repository failing", () => {
  let h: AppHarness;
  let real: RealUpstreams;

  beforeAll(async () => {
    // The production upstream stack (registry client, releases, attestations, one cache) over
    // nock, in place of the in-memory fakes: its requests are what "asked once" is about.
    const spy = vi.spyOn(FakeUpstreams.prototype, "asUpstreams").mockImplementationOnce(function (
      this: FakeUpstreams,
    ) {
      real = realUpstreams(this);
      return real.upstreams;
    });
    h = await startApp();
    spy.mockRestore();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("opens the other PRs, counts the failure, shares every upstream lookup and logs one line", async () => {
    const files = { Dockerfile: dockerfile("0.9.17", real.old) };
    const one = h.github.addRepo("acme/one", { files });
    const broken = h.github.addRepo("acme/broken", { files });
    const old = h.github.addRepo("acme/old", { files, archived: true });
    h.github.addRepo("acme/misconfigured", {
      files: { ...files, ".github/uv-pin-bot.yml": "schedule: hourly\n" },
    });
    h.github.addInstallation(5151, "globex");
    const two = h.github.addRepo("globex/two", { files });
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/broken/git/trees/main",
      reply: () => [500, { message: "Server Error" }],
    });

    const summary = await h.sweep();

    expect(summary).toEqual({
      repositories: 5,
      opened: 2,
      updated: 0,
      skipped: 2,
      failed: 1,
      requests: 8,
      githubRequests: githubRequests(h),
    });
    for (const repo of [one, two]) {
      expect(repo.openPulls().map((p) => p.title)).toEqual(["chore(deps): update uv to 0.9.18"]);
      expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(dockerfile("0.9.18", real.next));
      expect(repo.checkRuns.map((r) => r.conclusion)).toEqual(["success"]);
    }
    expect(broken.pulls).toEqual([]);
    // The failing repository: its config, the tree (500), nothing more. No `GET /repos/{o}/{r}`:
    // the installation's listing said its default branch and that it is not archived.
    expect(calls(h, (r) => r.repo === "acme/broken")).toEqual([
      "GET /repos/acme/broken/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/broken/git/trees/main?recursive=1",
    ]);
    expect(h.github.requests.filter((r) => /^\/repos\/[^/]+\/[^/]+$/.test(r.path))).toEqual([]);
    // An invalid config: read once (not again for the run), reported in the log, nothing else.
    expect(calls(h, (r) => r.repo === "acme/misconfigured")).toEqual([
      "GET /repos/acme/misconfigured/contents/.github/uv-pin-bot.yml",
    ]);
    expect(
      h.logs
        .filter((l) => l.level === 40 && l.repository === "acme/misconfigured")
        .map((l) => l.msg),
    ).toEqual([
      'uv-pin-bot sweep: .github/uv-pin-bot.yml: schedule: Invalid option: expected one of "weekly"|"daily"|"off"',
    ]);
    // The archived one is known from the installation's list: no request about it at all.
    expect(h.github.requestsFor(old.fullName)).toEqual([]);
    // Both installations were listed with their own token.
    expect(calls(h, (r) => r.repo === null)).toEqual([
      "GET /app/installations",
      "GET /installation/repositories",
      "GET /installation/repositories",
    ]);
    expect(
      h.github.requests
        .filter((r) => r.path === "/installation/repositories")
        .map((r) => r.auth)
        .sort(),
    ).toEqual(["installation:4242", "installation:5151"]);

    // Three repositories pin the same tag and digest: each lookup was made once (the 401
    // challenge and its token once too), the new digest's attestation fetched once, and the
    // commit of the release tag it must have been built from read once.
    expect([...real.sent].sort()).toEqual([
      "GET https://ghcr.io/token?service=ghcr.io&scope=repository%3Aastral-sh%2Fuv%3Apull",
      `GET https://ghcr.io/v2/astral-sh/uv/manifests/${real.old}`,
      "GET https://ghcr.io/v2/astral-sh/uv/tags/list?n=1000", // 401: the challenge
      "GET https://ghcr.io/v2/astral-sh/uv/tags/list?n=1000", // with the token
      `GET https://uv-api.test/orgs/astral-sh/attestations/${real.next}?per_page=100&predicate_type=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1`,
      "GET https://uv-api.test/repos/astral-sh/uv/git/ref/tags/0.9.18",
      "GET https://uv-api.test/repos/astral-sh/uv/releases?per_page=100",
      "HEAD https://ghcr.io/v2/astral-sh/uv/manifests/0.9.18",
    ]);
    for (const scope of real.scopes) expect(scope.isDone()).toBe(true);

    const failed = h.logs.filter((l) => l.msg === "uv-pin-bot sweep: repository failed");
    expect(failed.map((l) => [l.level, l.repository])).toEqual([[50, "acme/broken"]]);
    expect(sweepLine(h.logs)).toEqual([
      `uv-pin-bot sweep: 5 repositories, 2 opened, 0 updated, 2 skipped, 1 failed, 8 upstream requests, ${githubRequests(h)} GitHub requests`,
    ]);
    h.github.assertDone();
  });

  it("without UV_PIN_BOT_SWEEP_SECRET the sweep route is off (404); GET /ping answers", async () => {
    h.github.reset();
    expect(await h.post("/uv-pin-bot/sweep", { authorization: "Bearer " })).toBe(404);
    expect(await h.post("/uv-pin-bot/sweep")).toBe(404);
    const ping = await fetch(`${h.url}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, "PONG"]);
    expect(h.github.requests).toEqual([]);
  });
});

describe("schedules and the sweep route", () => {
  const SECRET = "s3cret-sweep";
  let h: AppHarness;
  let clock = new Date("2026-12-02T04:00:30Z");

  beforeAll(async () => {
    h = await startApp({
      now: () => clock,
      app: { env: { UV_PIN_BOT_SCHEDULE: "0 4 * * *", UV_PIN_BOT_SWEEP_SECRET: SECRET } },
    });
    h.upstreams.publish("0.9.17", { daysAgo: 30 });
    h.upstreams.publish("0.9.18", { daysAgo: 2 });
    const files = (schedule?: string) => ({
      Dockerfile: dockerfile("0.9.17"),
      ...(schedule ? { ".github/uv-pin-bot.yml": `schedule: ${schedule}\n` } : {}),
    });
    h.github.addRepo("acme/off", { files: files("off") });
    h.github.addRepo("acme/daily", { files: files("daily") });
    h.github.addRepo("acme/weekly", { files: files("weekly") });
    h.github.addRepo("acme/default", { files: files() });
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => h.github.reset());
  afterEach(() => h.github.assertDone());

  const opened = () =>
    ["off", "daily", "weekly", "default"].filter(
      (name) => h.github.repo(`acme/${name}`).openPulls().length > 0,
    );

  it("a daily cron on a Wednesday: only `daily` repositories run; the others cost their config", async () => {
    clock = new Date("2026-12-02T04:00:30Z");
    expect(await h.sweep()).toEqual({
      repositories: 4,
      opened: 1,
      updated: 0,
      skipped: 3,
      failed: 0,
      requests: expect.any(Number),
      githubRequests: githubRequests(h),
    });
    expect(opened()).toEqual(["daily"]);
    expect(calls(h, (r) => r.repo !== "acme/daily" && r.repo !== null)).toEqual([
      "GET /repos/acme/off/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/weekly/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/default/contents/.github/uv-pin-bot.yml",
      "GET /repos/acme/.github/contents/.github/uv-pin-bot.yml",
    ]);
    // The repository that runs reads its config once, not once for the schedule and once more.
    expect(calls(h, (r) => r.repo === "acme/daily" && r.path.includes("/contents/"))).toEqual([
      "GET /repos/acme/daily/contents/.github/uv-pin-bot.yml",
    ]);
  });

  it("the same cron on the Monday: `weekly` and unconfigured ones run too; `off` never", async () => {
    clock = new Date("2026-12-07T04:00:30Z");
    const summary = await h.sweep();
    // `daily` already has its PR with this plan: unchanged, counted as skipped.
    expect(summary).toMatchObject({
      repositories: 4,
      opened: 2,
      updated: 0,
      skipped: 2,
      failed: 0,
    });
    expect(opened()).toEqual(["daily", "weekly", "default"]);
    expect(h.github.requestsFor("acme/off").map((r) => r.path)).toEqual([
      "/repos/acme/off/contents/.github/uv-pin-bot.yml",
    ]);
  });

  it("POST /uv-pin-bot/sweep: a wrong or missing secret is 401 and starts nothing", async () => {
    expect(await h.post("/uv-pin-bot/sweep", { authorization: "Bearer wrong" })).toBe(401);
    expect(await h.post("/uv-pin-bot/sweep", { authorization: SECRET })).toBe(401);
    expect(await h.post("/uv-pin-bot/sweep")).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.github.requests).toEqual([]);
  });

  it("POST /uv-pin-bot/sweep with the secret: 202 at once, and a sweep runs", async () => {
    const before = sweepLine(h.logs).length;
    expect(await h.post("/uv-pin-bot/sweep", { authorization: `Bearer ${SECRET}` })).toBe(202);
    await vi.waitFor(() => expect(sweepLine(h.logs)).toHaveLength(before + 1), {
      timeout: 5000,
      interval: 20,
    });
    expect(sweepLine(h.logs).at(-1)).toMatch(
      /^uv-pin-bot sweep: 4 repositories, 0 opened, 0 updated, 4 skipped, 0 failed, \d+ upstream requests, \d+ GitHub requests$/,
    );
    expect(calls(h, (r) => r.repo === null)).toEqual([
      "GET /app/installations",
      "GET /installation/repositories",
    ]);
    // Nothing new to write: every PR already shows this plan.
    expect(h.github.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("a sweep asked for while one runs joins it", async () => {
    const [a, b] = [h.sweep(), h.sweep()];
    expect(a).toBe(b);
    await a;
    expect(calls(h, (r) => r.path === "/app/installations")).toHaveLength(1);
  });
});
