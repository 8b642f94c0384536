/**
 * The work per repository is bounded, and what a run leaves out is said in the PR body.
 */
import { afterEach, expect, it } from "vitest";
import { type AppHarness, finish, startApp } from "./harness.js";
import { dockerfile, updateByComment } from "./support.js";

let h: AppHarness;
afterEach(() => finish(h));

it("a file with more pins than a run handles is left out, and the PR body says so", async () => {
  h = await startApp();
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const many = Array.from(
    { length: 501 },
    (_, i) => `FROM ghcr.io/astral-sh/uv:0.9.17@${h.upstreams.digestOf("0.9.17")} AS s${i}\n`,
  ).join("");
  const { repo, pr } = await updateByComment(h, "acme/huge", {
    Dockerfile: dockerfile("0.9.17"),
    "docker/many/Dockerfile": many,
  });
  expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(dockerfile("0.9.18"));
  expect(repo.file("docker/many/Dockerfile", "uv-pin-bot/uv")).toBe(many);
  expect(pr.body).toContain("docker/many/Dockerfile");
  expect(pr.body).toContain("a run handles at most 500 pins per repository");
});
