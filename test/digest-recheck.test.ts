/**
 * Issue 8 §2 against a real registry (docker-registry on 127.0.0.1, reached as ghcr.io): a pin
 * whose version is current but whose digest is neither the tag's index digest nor one of that
 * index's platform manifests gets a `digest` update to the tag's index digest, with a note, and is
 * verified like any new digest; pins that hold the index or one of its platform digests stay.
 */
import { expect, it } from "vitest";
import { describeWithRegistry } from "./registry/available.js";
import { cliWorld } from "./registry/cli-world.js";

const UV = "ghcr.io/astral-sh/uv";

describeWithRegistry("a current version whose digest is not the tag's", () => {
  const world = cliWorld({
    releases: [
      { v: "0.9.18", age: 10 },
      { v: "0.9.17", age: 30 },
    ],
    tags: { "0.9.17": "0.9.17", "0.9.18": "0.9.18" },
  });
  const { seeded } = world;
  const cli = (argv: string[]) => world.cli(argv);
  const mockGitHub = () => world.mockGitHub();

  const dockerfile = (wrong: string) =>
    [
      `FROM ${UV}:0.9.18@${wrong} AS uv`,
      "FROM python:3.12-slim",
      `COPY --from=${UV}:0.9.18@${seeded["0.9.18"]?.digest} /uv /bin/`,
      `COPY --from=${UV}:0.9.18@${seeded["0.9.18"]?.platformDigests["linux/arm64"]} /uvx /bin/`,
      "",
    ].join("\n");

  it("check proposes the tag's index digest with a note; update writes only that digest", async () => {
    const wrong = seeded["0.9.17"]?.digest as string;
    world.write("Dockerfile", dockerfile(wrong));
    mockGitHub();
    const check = await cli(["check", world.repo, "--json"]);
    expect(check.err).toBe("");
    const plan = JSON.parse(check.out);
    expect(plan.updates).toEqual([
      {
        file: "Dockerfile",
        line: 1,
        kind: "image",
        image: UV,
        url: null,
        type: "digest",
        from: { version: "0.9.18", tag: "0.9.18", digest: wrong, checksum: null },
        to: {
          version: "0.9.18",
          tag: "0.9.18",
          digest: seeded["0.9.18"]?.digest,
          checksum: null,
        },
        note: "the registry's digest for 0.9.18 differs from the pinned digest",
        attestation: expect.objectContaining({
          verified: true,
          subjectDigest: seeded["0.9.18"]?.digest,
        }),
        blocked: null,
        checksums: null,
      },
    ]);
    expect(plan.current.map((p: { line: number }) => p.line)).toEqual([3, 4]);

    const table = await cli(["check", world.repo]);
    expect(table.out).toContain(
      "    note: the registry's digest for 0.9.18 differs from the pinned digest",
    );

    mockGitHub();
    const update = await cli(["update", world.repo]);
    expect(update.err).toBe("");
    expect(update.code).toBe(0);
    expect(world.read("Dockerfile")).toBe(dockerfile(seeded["0.9.18"]?.digest as string));
  });

  it("a digest the registry does not hold at all is replaced the same way", async () => {
    const unknown = `sha256:${"0".repeat(64)}`;
    world.write("Dockerfile", dockerfile(unknown));
    mockGitHub();
    const check = await cli(["check", world.repo, "--json"]);
    const [u] = JSON.parse(check.out).updates;
    expect(u.type).toBe("digest");
    expect(u.to.digest).toBe(seeded["0.9.18"]?.digest);
    expect(u.note).toBe(
      `the registry's digest for 0.9.18 differs from the pinned digest; the current digest is no longer in https://ghcr.io; pinning the index digest`,
    );
  });
});
