/**
 * Registry mirrors end to end (issue 8 §3): `images: [{name, mirrorOf}]` in the repository's
 * configuration makes pins on a pull-through cache visible; `scan`, `check` and `update` show and
 * keep the mirror's name, while tags, the index digest and the attestation are all looked up on the
 * upstream it mirrors (the real registry, as ghcr.io). The mirror's host is routed to a tripwire
 * server that counts requests: it must receive none (configuration cannot send the app anywhere).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { noUpstream } from "../src/core/mirrors.js";
import { describeWithRegistry } from "./registry/available.js";
import { cliWorld, startTripwire } from "./registry/cli-world.js";

const MIRROR = "registry.corp.example/ghcr/astral-sh/uv";
const BARE = "bare.corp.example/uv";
const CONFIG = `images:\n  - {name: ${MIRROR}, mirrorOf: ghcr.io/astral-sh/uv}\n  - ${BARE}\n`;

describeWithRegistry("a configured registry mirror", () => {
  const world = cliWorld({
    releases: [
      { v: "0.9.18", age: 10 },
      { v: "0.9.17", age: 30 },
    ],
    tags: { "0.9.17": "0.9.17", "0.9.18": "0.9.18" },
  });
  let tripwire: Awaited<ReturnType<typeof startTripwire>>;
  beforeAll(async () => {
    tripwire = await startTripwire();
  });
  afterAll(() => tripwire?.stop());
  // Were the mirror's hosts contacted, the requests would reach the tripwire (and fail).
  const cli = (argv: string[]) =>
    world.cli(argv, {
      origins: [
        `https://registry.corp.example=${tripwire.origin}`,
        `https://bare.corp.example=${tripwire.origin}`,
      ],
    });

  const dockerfile = (tag: string, digest: string) =>
    [
      `FROM ${MIRROR}:${tag}@${digest} AS uv`,
      "FROM python:3.12-slim",
      `COPY --from=${BARE}:0.9.17 /uv /bin/uv`,
      "",
    ].join("\n");
  const compose = (tag: string) => `services:\n  app:\n    image: ${MIRROR}:${tag}\n`;

  it("scan, check and update: found, resolved and verified upstream, rewritten under the mirror's name", async () => {
    const old = world.seeded["0.9.17"]?.digest as string;
    const next = world.seeded["0.9.18"]?.digest as string;
    world.write(".github/uv-pin-bot.yml", CONFIG);
    world.write("Dockerfile", dockerfile("0.9.17", old));
    world.write("compose.yaml", compose("0.9.17"));

    const scan = await cli(["scan", world.repo, "--json"]);
    expect(scan.err).toBe("");
    const scanned = JSON.parse(scan.out);
    expect(
      scanned.pins.map((p: { file: string; line: number; image: string; tag: string }) => [
        p.file,
        p.line,
        p.image,
        p.tag,
      ]),
    ).toEqual([
      ["Dockerfile", 1, MIRROR, "0.9.17"],
      ["Dockerfile", 3, BARE, "0.9.17"],
      ["compose.yaml", 3, MIRROR, "0.9.17"],
    ]);
    expect(scanned.skipped).toEqual([{ file: "Dockerfile", line: 3, reason: noUpstream(BARE) }]);

    world.mockGitHub();
    const check = await cli(["check", world.repo, "--json"]);
    expect(check.err).toBe("");
    const plan = JSON.parse(check.out);
    expect(plan.updates).toEqual([
      expect.objectContaining({
        file: "Dockerfile",
        line: 1,
        image: MIRROR,
        type: "patch",
        from: { version: "0.9.17", tag: "0.9.17", digest: old, checksum: null },
        to: { version: "0.9.18", tag: "0.9.18", digest: next, checksum: null },
        attestation: expect.objectContaining({ verified: true, subjectDigest: next }),
        blocked: null,
      }),
      expect.objectContaining({
        file: "compose.yaml",
        line: 3,
        image: MIRROR,
        type: "patch",
        to: { version: "0.9.18", tag: "0.9.18", digest: null, checksum: null },
        attestation: expect.objectContaining({ verified: true, subjectDigest: next }),
        blocked: null,
      }),
    ]);
    expect(plan.skipped).toEqual([{ file: "Dockerfile", line: 3, reason: noUpstream(BARE) }]);
    // The upstream was asked (tags, digests); the mirror's registry never.
    expect(world.registry.count({ path: "/v2/astral-sh/uv/tags/list" })).toBeGreaterThan(0);
    expect(tripwire.requests).toEqual([]);

    world.mockGitHub();
    const update = await cli(["update", world.repo]);
    // The bare name's pin is reported by scan and check (above), never moved; the rest is written.
    expect(update.err).toBe("");
    expect(update.code).toBe(0);
    expect(update.out).toBe("Updated 2 pins in 2 files: Dockerfile, compose.yaml\n");
    expect(world.read("Dockerfile")).toBe(dockerfile("0.9.18", next));
    expect(world.read("compose.yaml")).toBe(compose("0.9.18"));
    expect(tripwire.requests).toEqual([]);
  });

  it("a digest-only pin of one platform on the mirror: its version and platform read upstream, the new platform digest written", async () => {
    const arm = (v: string) => world.seeded[v]?.platformDigests["linux/arm64"] as string;
    const file = (digest: string) =>
      `FROM python:3.12-slim\nCOPY --from=${MIRROR}@${digest} /uvx /bin/\n`;
    world.write(".github/uv-pin-bot.yml", CONFIG);
    world.write("Dockerfile", file(arm("0.9.17")));
    world.mockGitHub();
    const check = await cli(["check", world.repo, "--json"]);
    expect(check.err).toBe("");
    // The old digest's version label and platform, and the new tag's index, all read upstream.
    expect(JSON.parse(check.out).updates).toEqual([
      expect.objectContaining({
        line: 2,
        image: MIRROR,
        type: "digest",
        from: { version: "0.9.17", tag: null, digest: arm("0.9.17"), checksum: null },
        to: { version: null, tag: "0.9.18", digest: arm("0.9.18"), checksum: null },
        note: "keeps pinning the linux/arm64 platform digest, as the file does",
        attestation: expect.objectContaining({
          verified: true,
          subjectDigest: world.seeded["0.9.18"]?.digest,
        }),
        blocked: null,
      }),
    ]);
    world.mockGitHub();
    const update = await cli(["update", world.repo]);
    expect(update.err).toBe("");
    expect(world.read("Dockerfile")).toBe(file(arm("0.9.18")));
    expect(tripwire.requests).toEqual([]);
  });
});
