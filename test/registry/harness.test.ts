/**
 * The test registry behaves like ghcr.io, checked with plain fetch calls against the real
 * distribution 2.8.2 registry behind the harness front.
 *
 * Accept-header behaviour observed on this registry (distribution 2.8.2), asserted below:
 * - OCI index, Accept without the OCI index type → 404 MANIFEST_UNKNOWN ("OCI index found, but
 *   accept header does not support OCI indexes"); the same with no Accept, with the any-type
 *   wildcard and with application/json.
 * - Docker manifest list, Accept with only the Docker v2 manifest type → 200 with the linux/amd64
 *   platform manifest and its digest: the wrong digest to pin, and no error to notice.
 * - OCI index, Accept with only the OCI index type → 200 with the index and its digest. Not the
 *   400 that upstreams.md lists: this registry does not reproduce that one.
 * - Docker manifest list, Accept naming neither the list nor the v2 manifest type (no Accept, only
 *   the OCI index type, the any-type wildcard) → 200 with a schema1 `manifest.v1+prettyjws`
 *   conversion of the amd64 image, under a digest that is neither the list's nor the platform's.
 * - Raw distribution 2.8 returns all tags sorted, ignores `n`/`last`, and sends no `Link`.
 */
import { X509Certificate } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { describeWithPackages } from "../system-packages.js";
import { describeWithRegistry } from "./available.js";
import {
  ALL_MANIFEST_TYPES,
  MEDIA_TYPES,
  type SeededImage,
  sha256,
  startRegistry,
  type TestRegistry,
} from "./harness.js";

const NAME = "astral-sh/uv";

function decodeJwt(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const [header = "", claims = ""] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")),
    claims: JSON.parse(Buffer.from(claims, "base64url").toString("utf8")),
  };
}

async function pullToken(registry: TestRegistry, name = NAME): Promise<string> {
  const res = await fetch(
    `${registry.tokenUrl}?scope=${encodeURIComponent(`repository:${name}:pull`)}&service=ghcr.io`,
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`no token in ${JSON.stringify(body)}`);
  return token;
}

/** Follows `Link: <…>; rel="next"` from `first`, returning every page's tags and the URLs asked. */
async function walkTags(
  registry: TestRegistry,
  token: string,
  first: string,
): Promise<{ tags: string[]; urls: string[]; links: string[] }> {
  const tags: string[] = [];
  const urls: string[] = [];
  const links: string[] = [];
  let next: string | undefined = first;
  while (next !== undefined) {
    const url = new URL(next, registry.origin).toString();
    urls.push(url);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    tags.push(...((await res.json()) as { tags: string[] }).tags);
    const link = res.headers.get("link");
    if (link) links.push(link);
    next = link ? /^<([^>]+)>;\s*rel="next"$/.exec(link)?.[1] : undefined;
    expect(urls.length).toBeLessThan(200);
  }
  return { tags, urls, links };
}

function isSorted(list: string[]): boolean {
  return list.every((item, i) => i === 0 || (list[i - 1] ?? "") <= item);
}

describeWithRegistry("test registry (docker-registry 2.8 behind a ghcr-like front)", () => {
  let registry: TestRegistry;
  let index: SeededImage;
  let list: SeededImage;
  let token: string;
  const tags = [
    "0.9.17",
    "0.9",
    "latest",
    "0.9.16",
    "0.9.17-alpine",
    "0.9.17-trixie-slim",
    "0.8.24",
  ];

  beforeAll(async () => {
    registry = await startRegistry();
    [index, list] = await Promise.all([
      registry.seedImage(NAME, "0.9.17", {
        attestations: true,
        labels: { "org.opencontainers.image.version": "0.9.17" },
      }),
      registry.seedImage(NAME, "0.9.16", { kind: "docker-list" }),
      registry.seedImage(NAME, "0.9.17-alpine", {
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm", variant: "v7" },
        ],
      }),
      registry.seedImage(NAME, "0.9.17-trixie-slim", {
        kind: "single-oci",
        platforms: [{ os: "linux", architecture: "amd64" }],
      }),
      registry.seedImage(NAME, "0.8.24", {
        kind: "single-docker",
        platforms: [{ os: "linux", architecture: "amd64" }],
      }),
    ]);
    await registry.tag(NAME, index.digest, ["0.9", "latest"]);
    token = await pullToken(registry);
  });
  afterAll(() => registry?.stop());
  beforeEach(() => {
    registry.resetCounts();
    registry.clearFaults();
  });

  const manifestUrl = (ref: string) => `${registry.origin}/v2/${NAME}/manifests/${ref}`;
  const auth = (accept?: string): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    ...(accept !== undefined && { accept }),
  });

  it("challenges anonymous requests like ghcr", async () => {
    const res = await fetch(manifestUrl("0.9.17"), { headers: { accept: ALL_MANIFEST_TYPES } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="${registry.origin}/token",service="ghcr.io",scope="repository:${NAME}:pull"`,
    );
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      "UNAUTHORIZED",
    );

    const base = await fetch(`${registry.origin}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers.get("www-authenticate")).toBe(
      `Bearer realm="${registry.origin}/token",service="ghcr.io"`,
    );
  });

  it("issues RS256 tokens with the certificate in x5c and ghcr's claims; pull only", async () => {
    const res = await fetch(
      `${registry.tokenUrl}?scope=${encodeURIComponent(`repository:${NAME}:pull,push`)}&service=ghcr.io`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; expires_in: number; access_token?: string };
    expect(body.expires_in).toBe(300);
    expect(body.access_token).toBeUndefined();
    const { header, claims } = decodeJwt(body.token);
    expect(header.alg).toBe("RS256");
    const x5c = header.x5c as string[];
    expect(new X509Certificate(Buffer.from(x5c[0] ?? "", "base64")).subject).toContain("CN=");
    expect(claims).toMatchObject({
      iss: expect.any(String),
      aud: "ghcr.io",
      sub: expect.any(String),
      jti: expect.any(String),
      access: [{ type: "repository", name: NAME, actions: ["pull"] }],
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
    expect(Number(claims.nbf)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("answers an authorised HEAD of a tag with Docker-Content-Digest; rolling tags share it", async () => {
    for (const tag of ["0.9.17", "0.9", "latest"]) {
      const res = await fetch(manifestUrl(tag), {
        method: "HEAD",
        headers: auth(ALL_MANIFEST_TYPES),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("docker-content-digest")).toBe(index.digest);
      expect(res.headers.get("content-type")).toBe(MEDIA_TYPES.ociIndex);
      expect(Number(res.headers.get("content-length"))).toBeGreaterThan(0);
    }
    const other = await fetch(manifestUrl("0.9.16"), {
      method: "HEAD",
      headers: auth(ALL_MANIFEST_TYPES),
    });
    expect(other.headers.get("docker-content-digest")).toBe(list.digest);
    expect(list.digest).not.toBe(index.digest);
  });

  it("seeds uv-shaped indexes: platforms, unknown/unknown attestations, labelled JSON configs", async () => {
    const res = await fetch(manifestUrl("0.9.17"), { headers: auth(ALL_MANIFEST_TYPES) });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(sha256(bytes)).toBe(index.digest);
    const doc = JSON.parse(bytes.toString("utf8")) as {
      manifests: {
        digest: string;
        platform: { os: string; architecture: string };
        annotations?: Record<string, string>;
      }[];
    };
    const platforms = doc.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`);
    expect(platforms).toEqual(["linux/amd64", "linux/arm64", "unknown/unknown", "unknown/unknown"]);
    expect(doc.manifests[0]?.digest).toBe(index.platformDigests["linux/amd64"]);
    expect(doc.manifests[2]?.annotations?.["vnd.docker.reference.digest"]).toBe(
      index.platformDigests["linux/amd64"],
    );

    const amd64 = await fetch(manifestUrl(index.platformDigests["linux/amd64"] ?? ""), {
      headers: auth(ALL_MANIFEST_TYPES),
    });
    const manifest = (await amd64.json()) as { config: { digest: string } };
    const blob = await fetch(`${registry.origin}/v2/${NAME}/blobs/${manifest.config.digest}`, {
      headers: auth(),
    });
    expect(blob.status).toBe(200);
    const configBytes = Buffer.from(await blob.arrayBuffer());
    expect(sha256(configBytes)).toBe(manifest.config.digest);
    expect(JSON.parse(configBytes.toString("utf8"))).toMatchObject({
      architecture: "amd64",
      os: "linux",
      config: { Labels: { "org.opencontainers.image.version": "0.9.17" } },
      rootfs: { type: "layers" },
    });
  });

  it("rejects tampered, expired, wrong-audience and other-repository tokens", async () => {
    const [h, c, s] = token.split(".");
    const claims = JSON.parse(Buffer.from(c ?? "", "base64url").toString("utf8"));
    claims.exp += 3600;
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    const cases: [string, string][] = [
      [tampered, "invalid_token"],
      [
        registry.issueToken([{ name: NAME, actions: ["pull"] }], { expiresIn: -120 }),
        "invalid_token",
      ],
      [
        registry.issueToken([{ name: NAME, actions: ["pull"] }], { audience: "docker.io" }),
        "invalid_token",
      ],
      [registry.issueToken([{ name: "astral-sh/other", actions: ["pull"] }]), "insufficient_scope"],
    ];
    for (const [bad, error] of cases) {
      const res = await fetch(manifestUrl("0.9.17"), {
        method: "HEAD",
        headers: { authorization: `Bearer ${bad}`, accept: ALL_MANIFEST_TYPES },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain(`error="${error}"`);
      expect(res.headers.get("www-authenticate")).toContain(`realm="${registry.tokenUrl}"`);
    }
  });

  it("pages tags (n=2) through relative Links: each tag once, in a stable non-sorted order", async () => {
    const walk = await walkTags(registry, token, `/v2/${NAME}/tags/list?n=2`);
    expect([...walk.tags].sort()).toEqual([...tags].sort());
    expect(new Set(walk.tags).size).toBe(walk.tags.length);
    expect(isSorted(walk.tags)).toBe(false);
    expect(walk.urls).toHaveLength(Math.ceil(tags.length / 2));
    expect(walk.links[0]).toMatch(
      /^<\/v2\/astral-sh\/uv\/tags\/list\?last=[^&>]+&n=2>; rel="next"$/,
    );
    expect((await walkTags(registry, token, `/v2/${NAME}/tags/list?n=3`)).tags).toEqual(walk.tags);

    const all = await fetch(`${registry.origin}/v2/${NAME}/tags/list`, { headers: auth() });
    expect(all.headers.get("link")).toBeNull();
    expect(((await all.json()) as { tags: string[] }).tags).toEqual(walk.tags);

    const anonymous = await fetch(`${registry.origin}/v2/${NAME}/tags/list?n=2`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain(`scope="repository:${NAME}:pull"`);

    const raw = await fetch(`${registry.backendOrigin}/v2/${NAME}/tags/list?n=2`, {
      headers: auth(),
    });
    expect(raw.headers.get("link")).toBeNull();
    const rawTags = ((await raw.json()) as { tags: string[] }).tags;
    expect(rawTags).toEqual([...tags].sort());
  });

  it("returns 100 tags per page without n, like ghcr", async () => {
    const name = "paging/many";
    const seeded = await registry.seedImage(name, "t000", {
      kind: "single-oci",
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
    const more = Array.from({ length: 104 }, (_, i) => `t${String(i + 1).padStart(3, "0")}`);
    await registry.tag(name, seeded.digest, more);
    const pull = await pullToken(registry, name);
    const walk = await walkTags(registry, pull, `/v2/${name}/tags/list`);
    expect(walk.urls).toHaveLength(2);
    expect(walk.links[0]).toMatch(/&n=100>; rel="next"$/);
    expect(walk.tags).toHaveLength(105);
    expect(new Set(walk.tags).size).toBe(105);
  });

  it("Accept trap: an OCI index asked for without the index type is a 404", async () => {
    const accept = [
      MEDIA_TYPES.dockerList,
      MEDIA_TYPES.ociManifest,
      MEDIA_TYPES.dockerManifest,
    ].join(", ");
    const head = await fetch(manifestUrl("0.9.17"), { method: "HEAD", headers: auth(accept) });
    expect(head.status).toBe(404);
    const get = await fetch(manifestUrl("0.9.17"), { headers: auth(accept) });
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({
      errors: [
        {
          code: "MANIFEST_UNKNOWN",
          message: "OCI index found, but accept header does not support OCI indexes",
        },
      ],
    });
    for (const other of [undefined, "*/*", "application/json"]) {
      const res = await fetch(manifestUrl("0.9.17"), { method: "HEAD", headers: auth(other) });
      expect(res.status).toBe(404);
    }
  });

  it("Accept trap: a Docker manifest list asked for with only the v2 manifest type answers the amd64 digest", async () => {
    const res = await fetch(manifestUrl("0.9.16"), {
      method: "HEAD",
      headers: auth(MEDIA_TYPES.dockerManifest),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(MEDIA_TYPES.dockerManifest);
    expect(res.headers.get("docker-content-digest")).toBe(list.platformDigests["linux/amd64"]);
    expect(res.headers.get("docker-content-digest")).not.toBe(list.digest);
  });

  it("Accept trap: an OCI index asked for with only the index type is answered (200, not 400, here)", async () => {
    const res = await fetch(manifestUrl("0.9.17"), {
      method: "HEAD",
      headers: auth(MEDIA_TYPES.ociIndex),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(index.digest);
  });

  it("Accept trap: a Docker list asked for without list or v2 types turns into a schema1 conversion", async () => {
    for (const accept of [undefined, MEDIA_TYPES.ociIndex, "*/*"]) {
      const res = await fetch(manifestUrl("0.9.16"), { method: "HEAD", headers: auth(accept) });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
      );
      const digest = res.headers.get("docker-content-digest");
      expect([list.digest, ...Object.values(list.platformDigests)]).not.toContain(digest);
    }
  });

  it("injects 429 with Retry-After, then serves normally", async () => {
    const path = `/v2/${NAME}/manifests/0.9.17`;
    registry.failNext({ method: "HEAD", path }, [{ status: 429, headers: { "Retry-After": "1" } }]);
    const limited = await fetch(manifestUrl("0.9.17"), {
      method: "HEAD",
      headers: auth(ALL_MANIFEST_TYPES),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(registry.pendingFaults()).toBe(0);
    const ok = await fetch(manifestUrl("0.9.17"), {
      method: "HEAD",
      headers: auth(ALL_MANIFEST_TYPES),
    });
    expect(ok.status).toBe(200);
    expect(registry.count({ path, status: 429 })).toBe(1);
    expect(registry.count({ path, status: 200 })).toBe(1);
  });

  it("injects 503s (on tags and on /token) with OCI error bodies", async () => {
    registry.failNext({ path: /\/tags\/list$/ }, [{ status: 503 }, { status: 503 }]);
    registry.failNext({ path: "/token" }, { status: 500, body: "token service down" });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${registry.origin}/v2/${NAME}/tags/list`, { headers: auth() });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
        "UNAVAILABLE",
      );
    }
    expect(
      (await fetch(`${registry.origin}/v2/${NAME}/tags/list`, { headers: auth() })).status,
    ).toBe(200);
    const tokenRes = await fetch(
      `${registry.tokenUrl}?scope=repository:${NAME}:pull&service=ghcr.io`,
    );
    expect(tokenRes.status).toBe(500);
    expect(await tokenRes.text()).toBe("token service down");
    expect(registry.count({ status: 503 })).toBe(2);
  });

  it("injects delays (a client timeout fires) and connection resets", async () => {
    registry.failNext(
      (request) => request.path.endsWith("/manifests/latest"),
      [{ delayMs: 2000 }, { delayMs: 50 }, { destroy: true }],
    );
    const timedOut = fetch(manifestUrl("latest"), {
      method: "HEAD",
      headers: auth(ALL_MANIFEST_TYPES),
      signal: AbortSignal.timeout(150),
    });
    await expect(timedOut).rejects.toMatchObject({ name: "TimeoutError" });

    const started = performance.now();
    const slow = await fetch(manifestUrl("latest"), {
      method: "HEAD",
      headers: auth(ALL_MANIFEST_TYPES),
    });
    expect(slow.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);

    await expect(
      fetch(manifestUrl("latest"), { method: "HEAD", headers: auth(ALL_MANIFEST_TYPES) }),
    ).rejects.toThrow();
    expect(
      (await fetch(manifestUrl("latest"), { method: "HEAD", headers: auth(ALL_MANIFEST_TYPES) }))
        .status,
    ).toBe(200);

    const seen = registry.requests.filter((r) => r.path.endsWith("/manifests/latest"));
    expect(seen.map((r) => r.status)).toEqual([0, 200, 0, 200]);
    expect(seen.map((r) => r.fault)).toEqual([
      { delayMs: 2000 },
      { delayMs: 50 },
      { destroy: true },
      undefined,
    ]);
  });

  it("records method, path, query and status of every request; resetCounts clears them", async () => {
    await pullToken(registry);
    await fetch(`${registry.origin}/v2/${NAME}/tags/list?n=2`, { headers: auth() });
    expect(
      registry.requests.map(({ method, path, query, status }) => ({ method, path, query, status })),
    ).toEqual([
      {
        method: "GET",
        path: "/token",
        query: { scope: `repository:${NAME}:pull`, service: "ghcr.io" },
        status: 200,
      },
      { method: "GET", path: `/v2/${NAME}/tags/list`, query: { n: "2" }, status: 200 },
    ]);
    expect(registry.count({ method: "GET", path: /^\/v2\// })).toBe(1);
    expect(registry.count((r) => r.headers.authorization === undefined)).toBe(1);
    registry.resetCounts();
    expect(registry.count()).toBe(0);
  });

  it("proxies pushes through the front, streaming bodies, with Location on the front", async () => {
    const push = registry.issueToken([{ name: "proxy/push", actions: ["pull", "push"] }]);
    const started = await fetch(`${registry.origin}/v2/proxy/push/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: `Bearer ${push}` },
    });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get("location") ?? "", registry.origin);
    expect(location.host).toBe(registry.host);
    const data = Buffer.alloc(256 * 1024, 7);
    location.searchParams.set("digest", sha256(data));
    const put = await fetch(location, {
      method: "PUT",
      headers: { authorization: `Bearer ${push}`, "content-type": "application/octet-stream" },
      body: data,
    });
    expect(put.status).toBe(201);
    const back = await fetch(`${registry.origin}/v2/proxy/push/blobs/${sha256(data)}`, {
      headers: { authorization: `Bearer ${push}` },
    });
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).toBe(true);
  });
});

describeWithRegistry("test registry options and failures", () => {
  it("Docker Hub style access_token and absolute Links", async () => {
    const registry = await startRegistry({
      tokenField: "access_token",
      absoluteLinks: true,
      seed: 7,
    });
    try {
      const seeded = await registry.seedImage("library/python", "3.12", { kind: "docker-list" });
      await registry.tag("library/python", seeded.digest, ["3", "3.12.1", "latest", "slim"]);
      const res = await fetch(
        `${registry.tokenUrl}?scope=repository:library/python:pull&service=ghcr.io`,
      );
      const body = (await res.json()) as { token?: string; access_token?: string };
      expect(body.token).toBeUndefined();
      const token = body.access_token ?? "";
      const walk = await walkTags(registry, token, `/v2/library/python/tags/list?n=2`);
      expect([...walk.tags].sort()).toEqual(["3", "3.12", "3.12.1", "latest", "slim"]);
      expect(walk.links).toHaveLength(2);
      for (const link of walk.links)
        expect(link.startsWith(`<${registry.origin}/v2/library/python/tags/list?last=`)).toBe(true);
    } finally {
      await registry.stop();
    }
  });

  it("stop() is idempotent and takes the registry down", async () => {
    const registry = await startRegistry();
    const backend = registry.backendOrigin;
    expect((await fetch(`${backend}/v2/`)).status).toBe(401);
    await Promise.all([registry.stop(), registry.stop()]);
    await registry.stop();
    await expect(fetch(`${backend}/v2/`)).rejects.toThrow();
    await expect(fetch(`${registry.origin}/v2/`)).rejects.toThrow();
  });
});

// A fake binary stands in for the registry: only openssl (the token certificate) is needed.
describeWithPackages(
  ["openssl"],
  "test registry start-up failures (a fake registry binary)",
  () => {
    async function fakeRegistry(
      script: string,
    ): Promise<{ dir: string; binary: string; tmpRoot: string }> {
      const dir = await mkdtemp(join(tmpdir(), "uv-pin-bot-fake-registry-"));
      const binary = join(dir, "fake-registry");
      await writeFile(binary, `#!/bin/sh\n${script}\n`);
      await chmod(binary, 0o755);
      const tmpRoot = join(dir, "tmp");
      await mkdir(tmpRoot);
      return { dir, binary, tmpRoot };
    }

    it("rejects with the exit code and the last output when the registry dies at start", async () => {
      const fake = await fakeRegistry(
        'echo "level=fatal msg=\\"configuration error: boom\\"" >&2; exit 3',
      );
      try {
        await expect(startRegistry({ binary: fake.binary, tmpRoot: fake.tmpRoot })).rejects.toThrow(
          /exited with code 3 before reporting its port\. Last output:\n.*configuration error: boom/,
        );
        expect(await readdir(fake.tmpRoot)).toEqual([]);
      } finally {
        await rm(fake.dir, { recursive: true, force: true });
      }
    });

    it("rejects and kills the process when the registry never reports a port", async () => {
      const fake = await fakeRegistry(
        'echo $$ > "$(dirname "$0")/pid"; echo "starting…" >&2; exec sleep 30',
      );
      try {
        await expect(
          startRegistry({ binary: fake.binary, tmpRoot: fake.tmpRoot, startTimeoutMs: 300 }),
        ).rejects.toThrow(
          /did not report a listening port within 300 ms\. Last output:\nstarting…/,
        );
        expect(await readdir(fake.tmpRoot)).toEqual([]);
        const pid = Number(await readFile(join(fake.dir, "pid"), "utf8"));
        let alive = true;
        for (let i = 0; i < 50 && alive; i++) {
          try {
            process.kill(pid, 0);
            await new Promise((resolve) => setTimeout(resolve, 20));
          } catch {
            alive = false;
          }
        }
        expect(alive).toBe(false);
      } finally {
        await rm(fake.dir, { recursive: true, force: true });
      }
    });
  },
);
