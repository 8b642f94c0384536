/**
 * The app's path for registry mirrors and for a variant-only tag that stopped (issue 8 §3): the
 * repository's `.github/uv-pin-bot.yml` names a mirror; the pull request keeps the mirror's name
 * and moves its tag and digest to what the upstream serves (the fake upstreams hold only
 * `ghcr.io/astral-sh/uv`: asking under the mirror's name would fail). A discontinued variant-only
 * tag is said in the PR body (stopped at X, the closest current variant), never switched.
 */
import { afterEach, expect, it } from "vitest";
import { type AppHarness, finish, startApp } from "./harness.js";
import { updateByComment } from "./support.js";

const MIRROR = "registry.corp.example/ghcr/astral-sh/uv";
const CONFIG = `images:\n  - {name: ${MIRROR}, mirrorOf: ghcr.io/astral-sh/uv}\n`;

let h: AppHarness;
afterEach(() => finish(h, () => expect(h.logs.filter((l) => l.level >= 50)).toEqual([])));

it("a pin on a configured mirror: the PR moves it under the mirror's name, resolved and verified upstream", async () => {
  h = await startApp();
  h.upstreams.publish("0.9.17", { daysAgo: 40 });
  h.upstreams.publish("0.9.18", { daysAgo: 10 });
  const dockerfile = (v: string) =>
    `FROM python:3.12-slim\nCOPY --from=${MIRROR}:${v}@${h.upstreams.digestOf(v)} /uv /uvx /bin/\n`;
  const { repo, pr } = await updateByComment(h, "acme/mirrored", {
    Dockerfile: dockerfile("0.9.17"),
    ".github/uv-pin-bot.yml": CONFIG,
  });
  expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(dockerfile("0.9.18"));
  expect(repo.file(".github/uv-pin-bot.yml", "uv-pin-bot/uv")).toBe(CONFIG);
  expect(pr.body).toContain(MIRROR);
  expect(pr.body).toContain("verified");
});

it("a variant-only tag that is no longer published: the PR body says where it stopped and suggests, nothing switched", async () => {
  h = await startApp();
  h.upstreams.publish("0.9.17", {
    daysAgo: 40,
    tags: ["0.9.17-python3.12-bookworm-slim", "python3.12-bookworm-slim"],
  });
  h.upstreams.publish("0.9.18", {
    daysAgo: 10,
    tags: ["0.9.18-python3.12-trixie-slim", "python3.12-trixie-slim"],
  });
  const variant = "FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS uv\n";
  const dockerfile = (v: string) =>
    `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:${v}@${h.upstreams.digestOf(v)} /uv /uvx /bin/\n`;
  const { repo, pr } = await updateByComment(h, "acme/variant", {
    Dockerfile: dockerfile("0.9.17"),
    "docker/uv.Dockerfile": variant,
  });
  expect(repo.file("Dockerfile", "uv-pin-bot/uv")).toBe(dockerfile("0.9.18"));
  expect(repo.file("docker/uv.Dockerfile", "uv-pin-bot/uv")).toBe(variant);
  expect(pr.body).toContain(
    "the `python3.12-bookworm-slim` tag is no longer published: it stopped at uv 0.9.17 (there is no `0.9.18-python3.12-bookworm-slim`); the closest current variant is `python3.12-trixie-slim`",
  );
});
