import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryCache } from "./cache.js";
import { HttpClient, nextLink } from "./http.js";
import { assetName, UvReleases } from "./uv-releases.js";

const API = "https://api.github.com";
const SH = new TextEncoder().encode("#!/bin/sh\necho installing uv 0.9.17\n");
const SH_DIGEST = "sha256:ae6d7cd1653197dbdfc72406c5d6f50b0eaeece22cbb38f8a1927e63fbe49b44";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const release = (tag: string, extra: object = {}) => ({
  tag_name: tag,
  draft: false,
  prerelease: false,
  published_at: "2026-11-20T10:00:00Z",
  html_url: `https://github.com/astral-sh/uv/releases/tag/${tag}`,
  body: `## ${tag}\n- fixes`,
  assets: [
    {
      name: "uv-installer.sh",
      digest: SH_DIGEST,
      browser_download_url: `https://github.com/astral-sh/uv/releases/download/${tag}/uv-installer.sh`,
    },
  ],
  ...extra,
});

function releases(token?: string) {
  const http = new HttpClient({ sleep: async () => undefined });
  return { http, source: new UvReleases(http, new MemoryCache(), { token }) };
}

describe("UvReleases.list", () => {
  it("reads every page, skips drafts, sends the token and API version, asks once", async () => {
    nock(API, { reqheaders: { authorization: "Bearer t0k", "x-github-api-version": "2022-11-28" } })
      .get("/repos/astral-sh/uv/releases")
      .query({ per_page: "100" })
      .reply(200, [release("0.9.18"), release("0.9.19-draft", { draft: true })], {
        Link: `<${API}/repositories/1/releases?per_page=100&page=2>; rel="next", <${API}/repositories/1/releases?per_page=100&page=2>; rel="last"`,
      })
      .get("/repositories/1/releases")
      .query({ per_page: "100", page: "2" })
      .reply(200, [
        release("v0.9.17", { prerelease: true, assets: [{ name: "x", digest: "md5:1" }] }),
      ]);
    const { source, http } = releases("t0k");
    const list = await source.list();
    expect(list).toEqual([
      {
        version: "0.9.18",
        publishedAt: "2026-11-20T10:00:00Z",
        prerelease: false,
        url: "https://github.com/astral-sh/uv/releases/tag/0.9.18",
        notes: "## 0.9.18\n- fixes",
        assets: [
          {
            name: "uv-installer.sh",
            digest: SH_DIGEST,
            url: "https://github.com/astral-sh/uv/releases/download/0.9.18/uv-installer.sh",
          },
        ],
      },
      {
        version: "0.9.17",
        publishedAt: "2026-11-20T10:00:00Z",
        prerelease: true,
        url: "https://github.com/astral-sh/uv/releases/tag/v0.9.17",
        notes: "## v0.9.17\n- fixes",
        assets: [{ name: "x", digest: null, url: "" }],
      },
    ]);
    await source.list();
    expect(http.stats.requests).toBe(2);
  });

  it("retries a 502 and reports a body that is not JSON", async () => {
    nock(API)
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(502)
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(200, "<html>");
    const { source } = releases();
    await expect(source.list()).rejects.toThrow(
      "https://api.github.com/repos/astral-sh/uv/releases?per_page=100: the answer is not JSON",
    );
  });
});

describe("UvReleases.checksum", () => {
  it("hashes the bytes served after redirects, never sending the token there", async () => {
    nock("https://astral.sh", { badheaders: ["authorization"] })
      .get("/uv/0.9.17/install.sh")
      .reply(302, "", {
        Location: "https://github.com/astral-sh/uv/releases/download/0.9.17/uv-installer.sh",
      });
    nock("https://github.com", { badheaders: ["authorization"] })
      .get("/astral-sh/uv/releases/download/0.9.17/uv-installer.sh")
      .reply(302, "", { Location: "https://release-assets.githubusercontent.com/a/b?sig=1" });
    nock("https://release-assets.githubusercontent.com")
      .get("/a/b")
      .query({ sig: "1" })
      .reply(200, Buffer.from(SH));
    const { source } = releases("t0k");
    expect(await source.checksum("https://astral.sh/uv/0.9.17/install.sh", SH_DIGEST)).toEqual({
      checksum: SH_DIGEST,
      assetDigest: SH_DIGEST,
    });
  });

  it("blocks on a mismatch with the release asset's digest", async () => {
    nock("https://astral.sh").get("/uv/0.9.17/install.sh").reply(200, "tampered");
    const { source } = releases();
    await expect(
      source.checksum("https://astral.sh/uv/0.9.17/install.sh", SH_DIGEST),
    ).rejects.toThrow(
      /^https:\/\/astral\.sh\/uv\/0\.9\.17\/install\.sh serves bytes with sha256:[0-9a-f]{64}, but the release asset's digest is sha256:ae6d/,
    );
  });

  it("refuses a redirect off the configured upstreams", async () => {
    nock("https://astral.sh")
      .get("/uv/install.sh")
      .reply(302, "", { Location: "https://evil.example/x.sh" });
    const { source } = releases();
    await expect(source.checksum("https://astral.sh/uv/install.sh", null)).rejects.toThrow(
      "refusing to contact a host outside the configured upstreams",
    );
  });
});

describe("helpers", () => {
  it("sends the token to its own origin only: a next page on another origin is not followed", async () => {
    const elsewhere = nock("https://collector.test").get(/.*/).reply(200, []);
    nock(API, { reqheaders: { authorization: "Bearer t0k" } })
      .get("/repos/astral-sh/uv/releases")
      .query({ per_page: "100" })
      .reply(200, [release("0.9.18")], {
        Link: '<https://collector.test/steal?page=2>; rel="next"',
      });
    const { source } = releases("t0k");
    await expect(source.list()).rejects.toThrow(
      /next page of releases is on another origin \(https:\/\/collector\.test\); not followed/,
    );
    expect(elsewhere.isDone()).toBe(false);
    nock.cleanAll();
  });

  it("nextLink reads relative and absolute next links", () => {
    expect(nextLink('<?page=2>; rel="next"', "https://x.example/a?page=1")).toBe(
      "https://x.example/a?page=2",
    );
    expect(nextLink('<https://y.example/b>; rel="last"', "https://x.example/")).toBeNull();
    expect(nextLink(null, "https://x.example/")).toBeNull();
  });
  it("assetName maps installer URLs to release assets", () => {
    expect([
      assetName("install.sh"),
      assetName("install.ps1"),
      assetName("uv-x86_64-unknown-linux-gnu.tar.gz"),
    ]).toEqual(["uv-installer.sh", "uv-installer.ps1", "uv-x86_64-unknown-linux-gnu.tar.gz"]);
  });
});
