/**
 * Issue 8 §2 against a real registry (docker-registry on 127.0.0.1, reached as ghcr.io): a pin
 * whose version is current but whose digest is neither the tag's index digest nor one of that
 * index's platform manifests gets a `digest` update to the tag's index digest, with a note, and is
 * verified like any new digest; pins that hold the index or one of its platform digests stay.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createUpstreams } from "../src/adapters/upstreams.js";
import { main } from "../src/cli/main.js";
import { describeWithRegistry } from "./registry/available.js";
import { type SeededImage, startRegistry, type TestRegistry } from "./registry/harness.js";
import { createTestInstance, type TestInstance } from "./sigstore/signer.js";
import { attestationsResponse, subject } from "./sigstore/variants.js";
import { trustMaterialOf } from "./sigstore/verify.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const UV = "ghcr.io/astral-sh/uv";
const commitOf = (v: string) => createHash("sha1").update(`uv ${v}`).digest("hex");

let registry: TestRegistry;
let sigstore: TestInstance;
const seeded: Record<string, SeededImage> = {};
const versionOf = new Map<string, string>();
let repo: string;

describeWithRegistry("a current version whose digest is not the tag's", () => {
  beforeAll(async () => {
    registry = await startRegistry();
    sigstore = await createTestInstance();
    for (const v of ["0.9.17", "0.9.18"]) {
      seeded[v] = await registry.seedImage("astral-sh/uv", v, {
        attestations: true,
        labels: { "org.opencontainers.image.version": v },
      });
      versionOf.set(seeded[v]?.digest as string, v);
    }
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
  }, 60_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await registry?.stop();
  });

  beforeEach(() => {
    nock.cleanAll();
    registry.resetCounts();
    repo = mkdtempSync(join(tmpdir(), "uv-pin-bot-recheck-"));
    return () => rmSync(repo, { recursive: true, force: true });
  });

  async function cli(argv: string[]) {
    let out = "";
    let err = "";
    const env = { UV_PIN_BOT_ORIGINS: `https://ghcr.io=${registry.origin}` };
    const code = await main(argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env,
      now: () => NOW,
      upstreams: createUpstreams({ env, http: { sleep: async () => undefined } }),
      trustMaterial: trustMaterialOf(sigstore.trustedRoot),
    });
    return { code, out, err };
  }

  function mockGitHub() {
    nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(
        200,
        ["0.9.18", "0.9.17"].map((v, i) => ({
          tag_name: v,
          draft: false,
          prerelease: false,
          published_at: new Date(NOW.getTime() - (10 + 20 * i) * 86_400_000).toISOString(),
          html_url: `https://github.com/astral-sh/uv/releases/tag/${v}`,
          body: `## ${v}`,
          assets: [],
        })),
      );
    nock("https://api.github.com")
      .get(/^\/repos\/astral-sh\/uv\/git\/ref\/tags\/\d+\.\d+\.\d+$/)
      .optionally()
      .reply((uri) => {
        const v = uri.split("/").at(-1) as string;
        return [200, { ref: `refs/tags/${v}`, object: { type: "commit", sha: commitOf(v) } }];
      });
    nock("https://api.github.com")
      .persist()
      .get(/^\/orgs\/astral-sh\/attestations\/sha256:[0-9a-f]{64}$/)
      .query(true)
      .reply((uri) => {
        const digest = /sha256:[0-9a-f]{64}/.exec(uri)?.[0] as string;
        const bundle = sigstore.signAttestation({
          subjects: [subject(digest)],
          identity: { sourceCommit: commitOf(versionOf.get(digest) ?? "unknown") },
        });
        return [200, attestationsResponse([bundle])];
      });
  }

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
    writeFileSync(join(repo, "Dockerfile"), dockerfile(wrong));
    mockGitHub();
    const check = await cli(["check", repo, "--json"]);
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
      },
    ]);
    expect(plan.current.map((p: { line: number }) => p.line)).toEqual([3, 4]);

    const table = await cli(["check", repo]);
    expect(table.out).toContain(
      "    note: the registry's digest for 0.9.18 differs from the pinned digest",
    );

    mockGitHub();
    const update = await cli(["update", repo]);
    expect(update.err).toBe("");
    expect(update.code).toBe(0);
    expect(readFileSync(join(repo, "Dockerfile"), "utf8")).toBe(
      dockerfile(seeded["0.9.18"]?.digest as string),
    );
  });

  it("a digest the registry does not hold at all is replaced the same way", async () => {
    const unknown = `sha256:${"0".repeat(64)}`;
    writeFileSync(join(repo, "Dockerfile"), dockerfile(unknown));
    mockGitHub();
    const check = await cli(["check", repo, "--json"]);
    const [u] = JSON.parse(check.out).updates;
    expect(u.type).toBe("digest");
    expect(u.to.digest).toBe(seeded["0.9.18"]?.digest);
    expect(u.note).toBe(
      `the registry's digest for 0.9.18 differs from the pinned digest; the current digest is no longer in https://ghcr.io; pinning the index digest`,
    );
  });
});
