/**
 * A variant-only tag whose variant is no longer published (issue 8 §3), against a real registry:
 * `python3.12-bookworm-slim` stayed on uv 0.9.17 while 0.9.18 is published as
 * `python3.12-trixie-slim`. `check` (table and --json) says it stopped at 0.9.17 and suggests the
 * closest current variant; `update` switches nothing (neither the tag nor, for a digest pin, the
 * digest: the floating tag's digest would still be 0.9.17's build).
 */
import { expect, it } from "vitest";
import { describeWithRegistry } from "./registry/available.js";
import { cliWorld } from "./registry/cli-world.js";

const UV = "ghcr.io/astral-sh/uv";
const STOPPED =
  "the `python3.12-bookworm-slim` tag is no longer published: it stopped at uv 0.9.17 (there is no `0.9.18-python3.12-bookworm-slim`); the closest current variant is `python3.12-trixie-slim`";

/** The same variant with a version in the tag. */
const VERSIONED =
  "the `python3.12-bookworm-slim` variant is not published for any allowed release newer than 0.9.17: it stopped at uv 0.9.17 (there is no `0.9.18-python3.12-bookworm-slim`); the closest current variant is `0.9.18-python3.12-trixie-slim`";

describeWithRegistry("a discontinued variant-only tag", () => {
  const world = cliWorld({
    releases: [
      { v: "0.9.18", age: 10 },
      { v: "0.9.17", age: 30 },
    ],
    tags: {
      "0.9.17": "0.9.17",
      "0.9.18": "0.9.18",
      "0.9.17-python3.12-bookworm-slim": "0.9.17",
      "python3.12-bookworm-slim": "0.9.17",
      "0.9.18-python3.12-trixie-slim": "0.9.18",
      "python3.12-trixie-slim": "0.9.18",
    },
  });

  it("check says where it stopped and what is current; update switches nothing", async () => {
    const bookworm = world.seeded["python3.12-bookworm-slim"]?.digest as string;
    const dockerfile = [
      `FROM ${UV}:python3.12-bookworm-slim AS uv`,
      `FROM ${UV}:python3.12-bookworm-slim@${bookworm} AS pinned`,
      "FROM python:3.12-slim",
      `COPY --from=${UV}:0.9.17-python3.12-bookworm-slim /uv /bin/uv`,
      "",
    ].join("\n");
    world.write("Dockerfile", dockerfile);

    world.mockGitHub();
    const json = await world.cli(["check", world.repo, "--json"]);
    expect(json.err).toBe("");
    const plan = JSON.parse(json.out);
    expect(plan.updates).toEqual([]);
    expect(plan.skipped).toEqual([
      { file: "Dockerfile", line: 1, reason: STOPPED },
      { file: "Dockerfile", line: 2, reason: STOPPED },
      { file: "Dockerfile", line: 4, reason: VERSIONED },
    ]);

    world.mockGitHub();
    const table = await world.cli(["check", world.repo]);
    expect(table.err).toBe("");
    expect(table.out).toContain(`Dockerfile:1: ${STOPPED}\n`);
    expect(table.out).toContain(`Dockerfile:2: ${STOPPED}\n`);
    expect(table.out).toContain(`Dockerfile:4: ${VERSIONED}\n`);

    world.mockGitHub();
    const update = await world.cli(["update", world.repo]);
    expect(update.err).toBe("");
    expect(update.out).toBe("Nothing to change.\n");
    expect(world.read("Dockerfile")).toBe(dockerfile);
  });
});
