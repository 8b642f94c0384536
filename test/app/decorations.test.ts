/**
 * A run that stops after opening its pull request and before its labels (the process died, or
 * the network failed on that write): the PR is opened with a hidden mark, and the next run of the
 * repository (a retried job clustered, the next sweep embedded) sets the labels and takes the mark
 * away. Before, the next run found the PR unchanged and it stayed unlabelled for good.
 */
import { afterEach, expect, it } from "vitest";
import { DECORATING } from "../../src/adapters/github-prs.js";
import { type AppHarness, finish, startApp } from "./harness.js";
import { dockerfile } from "./support.js";

let h: AppHarness;
afterEach(() => finish(h));

it("a run that died between opening the PR and labelling it: the next run labels it, once, and the mark goes", async () => {
  h = await startApp({});
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const repo = h.github.addRepo("acme/app", { files: { Dockerfile: dockerfile("0.9.17") } });
  // The labels' write fails on the network, as when the process died right after the PR opened.
  h.github.intercept({
    method: "PATCH",
    path: /^\/repos\/acme\/app\/issues\/\d+$/,
    reply: () => {
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    },
  });
  await h.sweep();
  const [pr] = repo.openPulls();
  if (!pr) throw new Error("the first run opened the PR");
  if (pr.labels.length === 0) {
    // Embedded runs are not retried: the next sweep is the next run.
    expect(pr.body).toContain(DECORATING);
    await h.sweep();
  }
  expect(repo.openPulls()).toHaveLength(1);
  expect(pr.labels).toEqual(["dependencies", "uv"]);
  expect(pr.body).not.toContain(DECORATING);
  expect(pr.body).toContain("0.9.18");
  const patches = h.github
    .requestsFor(repo.fullName)
    .filter((r) => r.method === "PATCH" && /\/issues\/\d+$/.test(r.path));
  expect(patches).toHaveLength(2);
  expect(
    h.github.requestsFor(repo.fullName).filter((r) => r.path.endsWith("/git/commits")),
  ).toHaveLength(1);
  // A third run changes nothing: no mark, no labels set again.
  await h.sweep();
  expect(
    h.github
      .requestsFor(repo.fullName)
      .filter((r) => r.method === "PATCH" && /\/issues\/\d+$/.test(r.path)),
  ).toHaveLength(2);
  h.logs.length = 0;
});
