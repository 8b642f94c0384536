/**
 * OciRegistry against a real registry (test/registry/harness.ts: distribution 2.8 with token auth
 * behind a ghcr-shaped front), addressed as users write the image, `ghcr.io/astral-sh/uv`, through
 * an origin rewrite. Request counts are exact: the harness records every request it receives.
 * `repositoryOf` and `parseChallenge` are pure and tested at the end without a registry.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeWithRegistry } from "../../test/registry/available.js";
import {
  MEDIA_TYPES,
  type SeededImage,
  startRegistry,
  type TestRegistry,
} from "../../test/registry/harness.js";
import { UpstreamError } from "../errors.js";
import { MemoryCache } from "./cache.js";
import { HttpClient, type HttpOptions } from "./http.js";
import { MEDIA, OciRegistry, parseChallenge, repositoryOf } from "./oci-registry.js";

const IMAGE = "ghcr.io/astral-sh/uv";
const NAME = "astral-sh/uv";
const GHCR = "https://ghcr.io";
const VERSION = "org.opencontainers.image.version";
const TAGS_PATH = `/v2/${NAME}/tags/list`;
const manifestPath = (reference: string) => `/v2/${NAME}/manifests/${reference}`;
const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };
const armV7 = { os: "linux", architecture: "arm", variant: "v7" };
/** More than the client's page size (`n=1000`), so that listing takes two pages. */
const BULK_TAGS = Array.from({ length: 1000 }, (_, i) => `build-${String(i).padStart(4, "0")}`);

interface Connected {
  oci: OciRegistry;
  http: HttpClient;
  /** Every wait the HTTP client asked for, in ms. */
  sleeps: number[];
  /** The registry client's clock (token expiry), ms. */
  clock: { now: number };
}

/**
 * A fresh client (own token store, own clock) for `ghcr.io`, rewritten to the test registry; its
 * own cache unless `cache` is given (another process's: a cluster's shared one).
 */
function connect(
  registry: TestRegistry,
  options: HttpOptions = {},
  cache: MemoryCache = new MemoryCache(),
): Connected {
  const sleeps: number[] = [];
  const clock = { now: 1_700_000_000_000 };
  const http = new HttpClient({
    origins: [{ from: GHCR, to: registry.origin }],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    // Full jitter at its maximum, so that backoff waits are exact: 500, 1000, 2000 ms.
    random: () => 1,
    ...options,
  });
  return { oci: new OciRegistry(http, cache, () => clock.now), http, sleeps, clock };
}

/** The UpstreamError a lookup rejects with (fails the test if it resolves or throws another). */
async function failure(lookup: Promise<unknown>): Promise<UpstreamError> {
  const outcome = await lookup.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ("value" in outcome) {
    const got = JSON.stringify(outcome.value) ?? String(outcome.value);
    throw new Error(`expected an UpstreamError, got ${got.slice(0, 200)}`);
  }
  if (outcome.error instanceof UpstreamError) return outcome.error;
  throw outcome.error;
}

/** Method, path, query and status of every request the registry received, in order. */
function trace(registry: TestRegistry) {
  return registry.requests.map(({ method, path, query, status, headers }) => ({
    method,
    path,
    query,
    status,
    authorized: headers.authorization !== undefined,
  }));
}

/** A manifest HEAD as `trace` shows it. */
const head = (reference: string, status: number, authorized: boolean) => ({
  method: "HEAD",
  path: manifestPath(reference),
  query: {},
  status,
  authorized,
});

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

describeWithRegistry("OciRegistry against a real registry (ghcr-shaped)", () => {
  let registry: TestRegistry;
  let index: SeededImage;
  let list: SeededImage;
  let alpine: SeededImage;
  let slim: SeededImage;
  let dockerSingle: SeededImage;
  let unlabelled: SeededImage;
  let annotatedDigest: string;
  let allTags: string[];

  beforeAll(async () => {
    registry = await startRegistry();
    [index, list, alpine, slim, dockerSingle, unlabelled] = await Promise.all([
      registry.seedImage(NAME, "0.9.17", { attestations: true, labels: { [VERSION]: "0.9.17" } }),
      registry.seedImage(NAME, "0.9.16", { kind: "docker-list", labels: { [VERSION]: "0.9.16" } }),
      registry.seedImage(NAME, "0.9.17-alpine", {
        platforms: [amd64, armV7],
        labels: { [VERSION]: "0.9.17" },
      }),
      registry.seedImage(NAME, "0.9.17-trixie-slim", {
        kind: "single-oci",
        platforms: [amd64],
        labels: { [VERSION]: "0.9.17" },
      }),
      registry.seedImage(NAME, "0.8.24", {
        kind: "single-docker",
        platforms: [amd64],
        labels: { [VERSION]: "0.8.24" },
      }),
      registry.seedImage(NAME, "0.9.15", { attestations: true }),
    ]);
    await registry.tag(NAME, index.digest, ["0.9", "latest"]);
    await registry.tag(NAME, slim.digest, BULK_TAGS);

    // An index that carries the version as an annotation, over the 0.9.17 platform manifests
    // (whose config labels say 0.9.17): the annotation must win.
    const pull = registry.issueToken([{ name: NAME, actions: ["pull"] }]);
    const got = await fetch(`${registry.backendOrigin}${manifestPath(index.digest)}`, {
      headers: { authorization: `Bearer ${pull}`, accept: MEDIA_TYPES.ociIndex },
    });
    const doc = (await got.json()) as Record<string, unknown>;
    annotatedDigest = await registry.pushManifest(
      NAME,
      "0.9.18",
      { ...doc, annotations: { [VERSION]: "0.9.18" } },
      MEDIA_TYPES.ociIndex,
    );

    allTags = [
      "0.9.17",
      "0.9",
      "latest",
      "0.9.16",
      "0.9.17-alpine",
      "0.9.17-trixie-slim",
      "0.8.24",
      "0.9.15",
      "0.9.18",
      ...BULK_TAGS,
    ];
  });
  afterAll(() => registry?.stop());
  beforeEach(() => {
    registry.clearFaults();
    registry.resetCounts();
  });

  /** A client that already holds a token for astral-sh/uv; counts start at zero after it. */
  async function warm(options: HttpOptions = {}): Promise<Connected> {
    const connected = connect(registry, options);
    // A lookup no test makes: nothing the tests ask for is in the cache yet.
    await connected.oci.manifest(IMAGE, unlabelled.digest);
    registry.resetCounts();
    return connected;
  }

  describe("anonymous Bearer flow", () => {
    it("answers the 401 challenge with a token from the realm, then repeats the request with it", async () => {
      const { oci } = connect(registry);
      expect(await oci.digest(IMAGE, "0.9.17")).toEqual({
        digest: index.digest,
        mediaType: MEDIA.ociIndex,
      });
      expect(trace(registry)).toEqual([
        head("0.9.17", 401, false),
        {
          method: "GET",
          path: "/token",
          query: { scope: `repository:${NAME}:pull`, service: "ghcr.io" },
          status: 200,
          authorized: false,
        },
        head("0.9.17", 200, true),
      ]);
      expect(registry.requests[2]?.headers.authorization).toMatch(
        /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/,
      );
    });

    it("reuses the token for every lookup of the repository until it expires, then fetches one more", async () => {
      const { oci, clock } = connect(registry);
      await oci.digest(IMAGE, "0.9.17");
      await oci.digest(IMAGE, "0.9.16");
      await oci.tags(IMAGE);
      await oci.platforms(IMAGE, "0.9.17-alpine");
      await oci.versionLabel(IMAGE, "0.9.17");
      expect(registry.count({ path: "/token" })).toBe(1);
      expect(registry.count({ status: 401 })).toBe(1);

      // expires_in is 300 s; the client renews 10 s early.
      clock.now += 289_000;
      await oci.digest(IMAGE, "0.8.24");
      expect(registry.count({ path: "/token" })).toBe(1);
      expect(registry.count({ status: 401 })).toBe(1);

      clock.now += 2_000;
      expect((await oci.digest(IMAGE, "0.9.15")).digest).toBe(unlabelled.digest);
      expect(registry.count({ path: "/token" })).toBe(2);
      expect(registry.count({ status: 401 })).toBe(2);
      // The expired token was not even sent: the last lookup started anonymous.
      expect(trace(registry).slice(-3)).toEqual([
        head("0.9.15", 401, false),
        expect.objectContaining({ path: "/token", status: 200 }),
        head("0.9.15", 200, true),
      ]);
    });

    it("shares one challenge and one token request between concurrent first lookups", async () => {
      const { oci } = connect(registry);
      const [a, b, c, tags] = await Promise.all([
        oci.digest(IMAGE, "0.9.17"),
        oci.digest(IMAGE, "0.9.16"),
        oci.digest(IMAGE, "0.8.24"),
        oci.tags(IMAGE),
      ]);
      expect([a.digest, b.digest, c.digest]).toEqual([
        index.digest,
        list.digest,
        dockerSingle.digest,
      ]);
      expect(tags).toHaveLength(allTags.length);
      expect(registry.count({ path: "/token" })).toBe(1);
      // The first request meets the challenge; the others wait for its token.
      expect(registry.count({ status: 401 })).toBe(1);
      expect(registry.count({ method: "HEAD", status: 200 })).toBe(3);
    });

    it("fetches a new token once when the registry refuses the cached one", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "HEAD", path: manifestPath("0.9.16") },
        {
          status: 401,
          headers: {
            "www-authenticate": `Bearer realm="${registry.tokenUrl}",service="ghcr.io",scope="repository:${NAME}:pull",error="invalid_token"`,
          },
        },
      );
      expect((await oci.digest(IMAGE, "0.9.16")).digest).toBe(list.digest);
      expect(trace(registry)).toEqual([
        head("0.9.16", 401, true),
        expect.objectContaining({ method: "GET", path: "/token", status: 200 }),
        head("0.9.16", 200, true),
      ]);
      expect(registry.pendingFaults()).toBe(0);
    });

    describe("a token shared by processes (one cache)", () => {
      /** The Bearer token a recorded request carried. */
      const bearer = (i: number) => registry.requests[i]?.headers.authorization;

      it("a second process takes the token the first fetched: no challenge, no token request", async () => {
        const shared = new MemoryCache();
        const a = connect(registry, {}, shared);
        const b = connect(registry, {}, shared);
        await a.oci.digest(IMAGE, "0.9.17");
        expect(registry.count({ status: 401 })).toBe(1);
        expect(registry.count({ path: "/token" })).toBe(1);
        const fetched = bearer(2);
        registry.resetCounts();

        expect((await b.oci.digest(IMAGE, "0.9.16")).digest).toBe(list.digest);
        expect(await b.oci.tags(IMAGE)).toHaveLength(allTags.length);
        expect(trace(registry)).toEqual([
          head("0.9.16", 200, true),
          expect.objectContaining({
            method: "GET",
            path: TAGS_PATH,
            status: 200,
            authorized: true,
          }),
          expect.objectContaining({
            method: "GET",
            path: TAGS_PATH,
            status: 200,
            authorized: true,
          }),
        ]);
        expect(bearer(0)).toBe(fetched);
      });

      it("a shared token goes only where its challenge came from: not to another rewrite of the same name", async () => {
        const seen: (string | undefined)[] = [];
        const elsewhere = createServer((req, res) => {
          seen.push(req.headers.authorization);
          res.writeHead(404, { "content-type": "application/json" });
          res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        });
        await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
        try {
          const shared = new MemoryCache();
          const a = connect(registry, {}, shared);
          await a.oci.digest(IMAGE, "0.9.17");
          // Another process names ghcr.io too, but reaches it elsewhere (another mirror).
          const port = (elsewhere.address() as AddressInfo).port;
          const b = connect(
            registry,
            { origins: [{ from: GHCR, to: `http://127.0.0.1:${port}` }] },
            shared,
          );
          expect((await failure(b.oci.digest(IMAGE, "0.9.16"))).code).toBe("not-found");
          expect(seen).toEqual([undefined]);
        } finally {
          await new Promise((resolve) => elsewhere.close(resolve));
        }
      });

      it("a refused shared token is replaced by one fresh token, which the other processes then use", async () => {
        const shared = new MemoryCache();
        const a = connect(registry, {}, shared);
        const b = connect(registry, {}, shared);
        const c = connect(registry, {}, shared);
        await a.oci.digest(IMAGE, "0.9.17");
        const first = bearer(2);
        registry.resetCounts();
        const refusal = {
          status: 401,
          headers: {
            "www-authenticate": `Bearer realm="${registry.tokenUrl}",service="ghcr.io",scope="repository:${NAME}:pull",error="invalid_token"`,
          },
        };

        // B sends the shared token; the registry refuses it: one fresh token, for everyone.
        registry.failNext({ method: "HEAD", path: manifestPath("0.9.16") }, refusal);
        expect((await b.oci.digest(IMAGE, "0.9.16")).digest).toBe(list.digest);
        expect(trace(registry)).toEqual([
          head("0.9.16", 401, true),
          expect.objectContaining({ method: "GET", path: "/token", status: 200 }),
          head("0.9.16", 200, true),
        ]);
        expect(bearer(0)).toBe(first);
        const fresh = bearer(2);
        expect(fresh).not.toBe(first);

        // C, with no token yet, sends the fresh one at once.
        registry.resetCounts();
        expect((await c.oci.digest(IMAGE, "0.8.24")).digest).toBe(dockerSingle.digest);
        expect(trace(registry)).toEqual([head("0.8.24", 200, true)]);
        expect(bearer(0)).toBe(fresh);

        // A still holds the first; refused in its turn, it takes the fresh one: no token request.
        registry.resetCounts();
        registry.failNext({ method: "HEAD", path: manifestPath("0.9.15") }, refusal);
        expect((await a.oci.digest(IMAGE, "0.9.15")).digest).toBe(unlabelled.digest);
        expect(trace(registry)).toEqual([head("0.9.15", 401, true), head("0.9.15", 200, true)]);
        expect([bearer(0), bearer(1)]).toEqual([first, fresh]);
        expect(registry.pendingFaults()).toBe(0);
      });

      it("a shared token about to expire is not used: the next process meets the challenge and shares a new one", async () => {
        const shared = new MemoryCache();
        const a = connect(registry, {}, shared);
        const b = connect(registry, {}, shared);
        const c = connect(registry, {}, shared);
        await a.oci.digest(IMAGE, "0.9.17");
        const first = bearer(2);
        registry.resetCounts();

        // expires_in is 300 s, renewed 10 s early: at 289 s it is still used…
        b.clock.now = a.clock.now + 289_000;
        await b.oci.digest(IMAGE, "0.9.16");
        expect(trace(registry)).toEqual([head("0.9.16", 200, true)]);
        expect(bearer(0)).toBe(first);

        // …at 291 s it is not even sent: a new challenge and a new token, shared in its place.
        registry.resetCounts();
        c.clock.now = a.clock.now + 291_000;
        await c.oci.digest(IMAGE, "0.8.24");
        expect(trace(registry)).toEqual([
          head("0.8.24", 401, false),
          expect.objectContaining({ method: "GET", path: "/token", status: 200 }),
          head("0.8.24", 200, true),
        ]);
        const renewed = bearer(2);
        expect(renewed).not.toBe(first);

        registry.resetCounts();
        a.clock.now += 292_000;
        await a.oci.digest(IMAGE, "0.9.15");
        expect(trace(registry)).toEqual([head("0.9.15", 200, true)]);
        expect(bearer(0)).toBe(renewed);
      });
    });

    it.each([
      [
        "unquoted, scope first",
        () => `Bearer scope=repository:${NAME}:pull,service=ghcr.io,realm=${registry.tokenUrl}`,
      ],
      [
        "lower-case scheme, spaces, realm named as ghcr.io",
        () =>
          `bearer service = "ghcr.io" , realm="${GHCR}/token",  scope="repository:${NAME}:pull"`,
      ],
    ])("parses the challenge generically (%s)", async (_, challenge) => {
      const { oci } = connect(registry);
      registry.failNext(
        { method: "HEAD", path: manifestPath("0.9.17") },
        { status: 401, headers: { "www-authenticate": challenge() } },
      );
      expect((await oci.digest(IMAGE, "0.9.17")).digest).toBe(index.digest);
      expect(trace(registry)).toEqual([
        head("0.9.17", 401, false),
        {
          method: "GET",
          path: "/token",
          query: { scope: `repository:${NAME}:pull`, service: "ghcr.io" },
          status: 200,
          authorized: false,
        },
        head("0.9.17", 200, true),
      ]);
    });

    it("refuses a realm off the configured upstreams without contacting it", async () => {
      const hits: string[] = [];
      const elsewhere: Server = createServer((req, res) => {
        hits.push(req.url ?? "");
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"token":"stolen"}');
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
      const realm = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
      try {
        const { oci } = connect(registry);
        registry.failNext(
          { method: "HEAD", path: manifestPath("0.9.17") },
          {
            status: 401,
            headers: { "www-authenticate": `Bearer realm="${realm}/token",service="ghcr.io"` },
          },
        );
        const error = await failure(oci.digest(IMAGE, "0.9.17"));
        expect(error.code).toBe("forbidden-host");
        expect(error.message).toBe("refusing to contact a host outside the configured upstreams");
        expect(hits).toEqual([]);
        expect(trace(registry)).toEqual([
          expect.objectContaining({ method: "HEAD", status: 401, authorized: false }),
        ]);
      } finally {
        await new Promise((resolve) => elsewhere.close(resolve));
      }
    });
  });

  describe("tags", () => {
    it("reads every page through relative Links: each tag exactly once, whatever the order", async () => {
      const { oci } = await warm();
      const tags = await oci.tags(IMAGE);
      expect(tags).toHaveLength(allTags.length);
      expect(new Set(tags).size).toBe(tags.length);
      expect(sorted(tags)).toEqual(sorted(allTags));
      const pages = registry.requests.filter((r) => r.path === TAGS_PATH);
      expect(pages.map((r) => [r.status, r.query])).toEqual([
        [200, { n: "1000" }],
        [200, { last: expect.any(String), n: "1000" }],
      ]);
      expect(allTags).toContain(pages[1]?.query.last);
      expect(registry.count()).toBe(2);
    });

    it("asks the registry once for the tags of the same image", async () => {
      const { oci } = await warm();
      const first = await oci.tags(IMAGE);
      const second = await oci.tags(IMAGE);
      expect(second).toEqual(first);
      expect(registry.count({ path: TAGS_PATH })).toBe(2);
      expect(registry.count()).toBe(2);
    });
  });

  describe("digests (HEAD)", () => {
    it("sends the four manifest media types in Accept, with HEAD only", async () => {
      const { oci } = await warm();
      await oci.digest(IMAGE, "0.9.17");
      expect(registry.count()).toBe(1);
      const [head] = registry.requests;
      expect(head?.method).toBe("HEAD");
      const accept = String(head?.headers.accept ?? "")
        .split(",")
        .map((type) => type.trim());
      expect(sorted(accept)).toEqual(
        sorted([
          MEDIA_TYPES.ociIndex,
          MEDIA_TYPES.dockerList,
          MEDIA_TYPES.ociManifest,
          MEDIA_TYPES.dockerManifest,
        ]),
      );
    });

    it("answers an OCI index's own digest, never a platform's (the index type is in Accept)", async () => {
      const { oci } = await warm();
      for (const tag of ["0.9.17", "0.9", "latest"]) {
        expect(await oci.digest(IMAGE, tag)).toEqual({
          digest: index.digest,
          mediaType: MEDIA.ociIndex,
        });
      }
      expect(Object.values(index.platformDigests)).not.toContain(index.digest);
      expect(registry.count({ method: "HEAD", status: 200 })).toBe(3);
    });

    it("answers a Docker manifest list's own digest, not the amd64 one (the list type is in Accept)", async () => {
      const { oci } = await warm();
      const answer = await oci.digest(IMAGE, "0.9.16");
      expect(answer).toEqual({ digest: list.digest, mediaType: MEDIA.dockerList });
      expect(answer.digest).not.toBe(list.platformDigests["linux/amd64"]);
      expect(registry.count({ method: "HEAD", path: manifestPath("0.9.16"), status: 200 })).toBe(1);
    });

    it("answers a single-platform manifest's digest (OCI and Docker)", async () => {
      const { oci } = await warm();
      expect(await oci.digest(IMAGE, "0.9.17-trixie-slim")).toEqual({
        digest: slim.digest,
        mediaType: MEDIA.ociManifest,
      });
      expect(await oci.digest(IMAGE, "0.8.24")).toEqual({
        digest: dockerSingle.digest,
        mediaType: MEDIA.dockerManifest,
      });
      expect(registry.count()).toBe(2);
    });

    it("asks the registry once for the same tag", async () => {
      const { oci } = await warm();
      const first = await oci.digest(IMAGE, "0.9.17");
      expect(await oci.digest(IMAGE, "0.9.17")).toEqual(first);
      expect(registry.count({ method: "HEAD", path: manifestPath("0.9.17") })).toBe(1);
      expect(registry.count()).toBe(1);
    });
  });

  describe("indexes, platforms and labels", () => {
    it("lists an index's platforms without the unknown/unknown attestation entries", async () => {
      const { oci } = await warm();
      expect(Object.keys(index.attestationDigests)).toHaveLength(2);
      expect(await oci.platforms(IMAGE, "0.9.17")).toEqual([
        {
          digest: index.platformDigests["linux/amd64"],
          mediaType: MEDIA.ociManifest,
          platform: amd64,
        },
        {
          digest: index.platformDigests["linux/arm64"],
          mediaType: MEDIA.ociManifest,
          platform: arm64,
        },
      ]);
      expect(await oci.platforms(IMAGE, "0.9.16")).toEqual([
        {
          digest: list.platformDigests["linux/amd64"],
          mediaType: MEDIA.dockerManifest,
          platform: amd64,
        },
        {
          digest: list.platformDigests["linux/arm64"],
          mediaType: MEDIA.dockerManifest,
          platform: arm64,
        },
      ]);
      expect(await oci.platforms(IMAGE, "0.9.17-alpine")).toEqual([
        {
          digest: alpine.platformDigests["linux/amd64"],
          mediaType: MEDIA.ociManifest,
          platform: amd64,
        },
        {
          digest: alpine.platformDigests["linux/arm/v7"],
          mediaType: MEDIA.ociManifest,
          platform: armV7,
        },
      ]);
      expect(await oci.platforms(IMAGE, "0.9.17-trixie-slim")).toEqual([]);
      expect(registry.count({ method: "GET", path: /\/manifests\// })).toBe(4);
      expect(registry.count()).toBe(4);
    });

    it("tells a platform manifest's platform from its config; null for an index", async () => {
      const { oci } = await warm();
      expect(await oci.platformOf(IMAGE, index.platformDigests["linux/amd64"] ?? "")).toEqual(
        amd64,
      );
      expect(await oci.platformOf(IMAGE, alpine.platformDigests["linux/arm/v7"] ?? "")).toEqual(
        armV7,
      );
      expect(registry.count({ method: "GET", path: /\/manifests\// })).toBe(2);
      expect(registry.count({ method: "GET", path: /\/blobs\// })).toBe(2);
      expect(await oci.platformOf(IMAGE, index.digest)).toBeNull();
      expect(registry.count()).toBe(5);
    });

    it("reads the version label through the first platform's config", async () => {
      const { oci } = await warm();
      expect(await oci.versionLabel(IMAGE, "0.9.17")).toBe("0.9.17");
      expect(trace(registry).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET ${manifestPath("0.9.17")} 200`,
        `GET ${manifestPath(index.platformDigests["linux/amd64"] ?? "")} 200`,
        expect.stringMatching(/^GET \/v2\/astral-sh\/uv\/blobs\/sha256:[a-f0-9]{64} 200$/),
      ]);
      expect(await oci.versionLabel(IMAGE, "0.9.16")).toBe("0.9.16");
      expect(await oci.versionLabel(IMAGE, "0.9.17-trixie-slim")).toBe("0.9.17");
      expect(await oci.versionLabel(IMAGE, "0.8.24")).toBe("0.8.24");
      expect(await oci.versionLabel(IMAGE, "0.9.15")).toBeNull();
    });

    it("prefers the index's version annotation and then reads no config", async () => {
      const { oci } = await warm();
      expect(await oci.versionLabel(IMAGE, "0.9.18")).toBe("0.9.18");
      expect((await oci.manifest(IMAGE, "0.9.18")).digest).toBe(annotatedDigest);
      expect(trace(registry).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET ${manifestPath("0.9.18")} 200`,
      ]);
    });
  });

  describe("faults", () => {
    it("reports an unknown tag as not-found, naming the URL as written, and does not cache it", async () => {
      const { oci } = await warm();
      const error = await failure(oci.digest(IMAGE, "0.0.0-nope"));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.code).toBe("not-found");
      expect(error.status).toBe(404);
      expect(error.message).toBe(`${GHCR}${manifestPath("0.0.0-nope")}: not found (404)`);
      expect(registry.count({ path: manifestPath("0.0.0-nope"), status: 404 })).toBe(1);
      await failure(oci.digest(IMAGE, "0.0.0-nope"));
      expect(registry.count()).toBe(2);
    });

    it("waits out a 429's Retry-After, then succeeds: two requests", async () => {
      const { oci, sleeps, http } = await warm();
      registry.failNext(
        { method: "HEAD", path: manifestPath("0.9.17") },
        { status: 429, headers: { "Retry-After": "2" } },
      );
      expect((await oci.digest(IMAGE, "0.9.17")).digest).toBe(index.digest);
      expect(registry.requests.map((r) => r.status)).toEqual([429, 200]);
      expect(registry.count({ path: manifestPath("0.9.17") })).toBe(2);
      expect(sleeps).toEqual([2000]);
      expect(http.stats.retries).toBe(1);
    });

    it("retries a 503 with backoff, then succeeds", async () => {
      const { oci, sleeps } = await warm();
      registry.failNext({ method: "GET", path: TAGS_PATH }, { status: 503 });
      expect(sorted(await oci.tags(IMAGE))).toEqual(sorted(allTags));
      expect(registry.requests.map((r) => [r.status, r.query.n])).toEqual([
        [503, "1000"],
        [200, "1000"],
        [200, "1000"],
      ]);
      expect(sleeps).toEqual([500]);
    });

    it("gives up on 5xx after maxTries with upstream-unavailable and the try count; not cached", async () => {
      const { oci, sleeps } = await warm();
      registry.failNext({ method: "HEAD", path: manifestPath("0.9.17") }, [
        { status: 502 },
        { status: 503 },
        { status: 500 },
        { status: 503 },
      ]);
      const error = await failure(oci.digest(IMAGE, "0.9.17"));
      expect(error.code).toBe("upstream-unavailable");
      expect(error.status).toBe(503);
      expect(error.message).toBe(
        `${GHCR}${manifestPath("0.9.17")}: upstream error (503) after 4 tries`,
      );
      expect(registry.requests.map((r) => r.status)).toEqual([502, 503, 500, 503]);
      expect(sleeps).toEqual([500, 1000, 2000]);
      expect((await oci.digest(IMAGE, "0.9.17")).digest).toBe(index.digest);
      expect(registry.count()).toBe(5);
    });

    it("reports a registry that does not answer in time as a timeout", async () => {
      const { oci } = await warm({ timeoutMs: 150, maxTries: 2 });
      registry.failNext({ method: "HEAD", path: manifestPath("0.9.17") }, [
        { delayMs: 5000 },
        { delayMs: 5000 },
      ]);
      const error = await failure(oci.digest(IMAGE, "0.9.17"));
      expect(error.code).toBe("timeout");
      expect(error.message).toBe(`${GHCR}${manifestPath("0.9.17")}: no answer within 150 ms`);
      expect(registry.requests.map((r) => [r.path, r.status])).toEqual([
        [manifestPath("0.9.17"), 0],
        [manifestPath("0.9.17"), 0],
      ]);
    });

    it("gives up after 200 pages of tags instead of returning part of the list", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "GET", path: TAGS_PATH },
        Array.from({ length: 200 }, (_, i) => ({
          status: 200,
          headers: { link: `<${TAGS_PATH}?last=p${i}&n=1000>; rel="next"` },
          body: { name: NAME, tags: [`p${i}`] },
        })),
      );
      const error = await failure(oci.tags(IMAGE));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(
        `${GHCR}${TAGS_PATH}?n=1000: more than 200 pages of tags; giving up`,
      );
      expect(registry.count()).toBe(200);
      expect(registry.pendingFaults()).toBe(0);
    });

    it("reports a tags answer that is not JSON as bad-response in one line", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "GET", path: TAGS_PATH },
        {
          status: 200,
          headers: { "content-type": "text/html" },
          body: "<html><body>Service\nUnavailable</body></html>",
        },
      );
      const error = await failure(oci.tags(IMAGE));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(`${GHCR}${TAGS_PATH}?n=1000: the answer is not a JSON object`);
      expect(registry.count()).toBe(1);
    });

    it("reports a tags answer whose tags are not a list as bad-response", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "GET", path: TAGS_PATH },
        { status: 200, body: { name: NAME, tags: "0.9.17" } },
      );
      const error = await failure(oci.tags(IMAGE));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(`${GHCR}${TAGS_PATH}?n=1000: \`tags\` is not a list`);
    });

    it("reports a HEAD without Docker-Content-Digest as bad-response in one line", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "HEAD", path: manifestPath("0.9.17") },
        { status: 200, headers: { "content-type": MEDIA_TYPES.ociIndex } },
      );
      const error = await failure(oci.digest(IMAGE, "0.9.17"));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(
        `${GHCR}${manifestPath("0.9.17")}: no valid Docker-Content-Digest in the answer`,
      );
      expect(registry.count()).toBe(1);
    });

    it("refuses a HEAD answered with a manifest type it did not ask for (a schema1 conversion)", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "HEAD", path: manifestPath("0.9.16") },
        {
          status: 200,
          headers: {
            "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "docker-content-digest": list.platformDigests["linux/amd64"] ?? "",
          },
        },
      );
      const error = await failure(oci.digest(IMAGE, "0.9.16"));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(
        `${GHCR}${manifestPath("0.9.16")}: answered application/vnd.docker.distribution.manifest.v1+prettyjws, not one of the manifest types asked for`,
      );
    });

    it("never sends the registry's token to another origin: a tags Link elsewhere is not followed", async () => {
      // Another origin the client may reach (a CDN, say), served here by a server that records.
      const seen: (string | undefined)[] = [];
      const other = createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ name: NAME, tags: ["9.9.9"] }));
      });
      await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
      try {
        const port = (other.address() as AddressInfo).port;
        const { oci } = await warm({
          origins: [
            { from: GHCR, to: registry.origin },
            { from: "https://pages.example", to: `http://127.0.0.1:${port}` },
          ],
        });
        registry.failNext(
          { method: "GET", path: TAGS_PATH },
          {
            status: 200,
            headers: { link: `<https://pages.example${TAGS_PATH}?last=a&n=1000>; rel="next"` },
            body: { name: NAME, tags: ["0.9.17"] },
          },
        );
        const error = await failure(oci.tags(IMAGE));
        expect(error.code).toBe("bad-response");
        expect(error.message).toBe(
          `${GHCR}${TAGS_PATH}?n=1000: the next page of tags is on another origin; not followed`,
        );
        expect(seen).toEqual([]);
        expect(registry.count()).toBe(1);
      } finally {
        await new Promise((resolve) => other.close(resolve));
      }
    });

    it("stops at a tags Link that points back to a page already read", async () => {
      const { oci } = await warm();
      registry.failNext(
        { method: "GET", path: TAGS_PATH },
        {
          status: 200,
          headers: { link: `<${TAGS_PATH}?n=1000>; rel="next"` },
          body: { name: NAME, tags: ["0.9.17"] },
        },
      );
      const error = await failure(oci.tags(IMAGE));
      expect(error.code).toBe("bad-response");
      expect(error.message).toBe(
        `${GHCR}${TAGS_PATH}?n=1000: the tags list's next link points back to a page already read`,
      );
      expect(registry.count()).toBe(1);
    });
  });
});

describeWithRegistry(
  "OciRegistry against a Docker-Hub-style token service with absolute Links",
  () => {
    let registry: TestRegistry;
    let index: SeededImage;
    const tags = ["0.9.17", ...BULK_TAGS];

    beforeAll(async () => {
      registry = await startRegistry({
        tokenField: "access_token",
        absoluteLinks: true,
        service: "registry.docker.io",
        seed: 7,
      });
      index = await registry.seedImage(NAME, "0.9.17");
      await registry.tag(NAME, index.digest, BULK_TAGS);
    });
    afterAll(() => registry?.stop());
    beforeEach(() => {
      registry.clearFaults();
      registry.resetCounts();
    });

    it("takes the token from `access_token`, with the challenge's service", async () => {
      const { oci } = connect(registry);
      expect((await oci.digest(IMAGE, "0.9.17")).digest).toBe(index.digest);
      expect(trace(registry)).toEqual([
        head("0.9.17", 401, false),
        {
          method: "GET",
          path: "/token",
          query: { scope: `repository:${NAME}:pull`, service: "registry.docker.io" },
          status: 200,
          authorized: false,
        },
        head("0.9.17", 200, true),
      ]);
    });

    it("follows absolute Links (naming the rewritten origin) to every tag, once each", async () => {
      const { oci } = connect(registry);
      const listed = await oci.tags(IMAGE);
      expect(listed).toHaveLength(tags.length);
      expect(sorted(listed)).toEqual(sorted(tags));
      expect(trace(registry).map((r) => [r.method, r.path, r.status, r.query.n])).toEqual([
        ["GET", TAGS_PATH, 401, "1000"],
        ["GET", "/token", 200, undefined],
        ["GET", TAGS_PATH, 200, "1000"],
        ["GET", TAGS_PATH, 200, "1000"],
      ]);
      expect(tags).toContain(registry.requests[3]?.query.last);
    });
  },
);

describe("repositoryOf", () => {
  it.each([
    ["ghcr.io/astral-sh/uv", "https://ghcr.io", "astral-sh/uv"],
    ["GHCR.IO/astral-sh/uv", "https://ghcr.io", "astral-sh/uv"],
    ["astral/uv", "https://registry-1.docker.io", "astral/uv"],
    ["python", "https://registry-1.docker.io", "library/python"],
    ["docker.io/python", "https://registry-1.docker.io", "library/python"],
    ["docker.io/astral/uv", "https://registry-1.docker.io", "astral/uv"],
    ["index.docker.io/library/python", "https://registry-1.docker.io", "library/python"],
    ["registry-1.docker.io/astral/uv", "https://registry-1.docker.io", "astral/uv"],
    ["localhost/team/uv", "https://localhost", "team/uv"],
    ["localhost:5000/uv", "https://localhost:5000", "uv"],
    ["mirror.example:8443/astral-sh/uv", "https://mirror.example:8443", "astral-sh/uv"],
    ["quay.io/org/sub/image", "https://quay.io", "org/sub/image"],
  ])("%s → %s %s", (image, origin, path) => {
    expect(repositoryOf(image)).toEqual({ origin, path });
  });
});

describe("parseChallenge", () => {
  const ghcr = {
    realm: "https://ghcr.io/token",
    service: "ghcr.io",
    scope: "repository:astral-sh/uv:pull",
  };

  it.each([
    [
      "ghcr's quoted form",
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:astral-sh/uv:pull"',
      ghcr,
    ],
    [
      "another order",
      'Bearer scope="repository:astral-sh/uv:pull",realm="https://ghcr.io/token",service="ghcr.io"',
      ghcr,
    ],
    [
      "unquoted values",
      "Bearer realm=https://ghcr.io/token,service=ghcr.io,scope=repository:astral-sh/uv:pull",
      ghcr,
    ],
    [
      "scheme and names in other cases, spaces around separators",
      'bearer  REALM = "https://ghcr.io/token" , Service="ghcr.io",   scope="repository:astral-sh/uv:pull"',
      ghcr,
    ],
    [
      "Docker Hub, with an error parameter",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:astral/uv:pull",error="insufficient_scope"',
      {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:astral/uv:pull",
      },
    ],
    [
      "a scope listing several actions, with a comma inside the quotes",
      'Bearer realm="https://r.example/token",scope="repository:a/b:pull,push"',
      { realm: "https://r.example/token", service: undefined, scope: "repository:a/b:pull,push" },
    ],
    [
      "an escaped quote inside a value, and a realm with a query",
      'Bearer realm="https://r.example/token?x=\\"y\\"&z=1",service="r"',
      { realm: 'https://r.example/token?x="y"&z=1', service: "r", scope: undefined },
    ],
    [
      "only a realm",
      'Bearer realm="https://ghcr.io/token"',
      { realm: "https://ghcr.io/token", service: undefined, scope: undefined },
    ],
  ])("parses %s", (_, header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it.each([
    ["no header", null],
    ["an empty header", ""],
    ["a Basic challenge", 'Basic realm="registry"'],
    ["a Bearer challenge without a realm", 'Bearer service="ghcr.io",scope="x"'],
    ["a Bearer challenge with an empty realm", 'Bearer realm="",service="ghcr.io"'],
    ["Bearer with nothing after it", "Bearer"],
  ])("returns null for %s", (_, header) => {
    expect(parseChallenge(header)).toBeNull();
  });
});
