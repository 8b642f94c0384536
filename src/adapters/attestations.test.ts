import { readFileSync } from "node:fs";
import nock from "nock";
import { compress } from "snappyjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.js";
import { ATTESTATION_BUNDLE_ORIGINS, GitHubAttestations } from "./attestations.js";
import { MemoryCache } from "./cache.js";
import { DEFAULT_UPSTREAMS, HttpClient } from "./http.js";
import { createUpstreams, parseAllowedOrigins } from "./upstreams.js";

const API = "https://api.github.com";
const BLOB = "https://tmaproduction.blob.core.windows.net";
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/attestations/${name}`, import.meta.url));
/** The wheel attested by malancas/attest-demo, and its real bundle. */
const DIGEST = "sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25";
const BUNDLE_BYTES = fixture("reusable-workflow-attestation.sigstore.json");
const BUNDLE = JSON.parse(BUNDLE_BYTES.toString("utf8"));
const OTHER = JSON.parse(fixture("custom-issuer.sigstore.json").toString("utf8"));
const ORG_PATH = `/orgs/malancas/attestations/${DIGEST}`;
const SLSA = "https://slsa.dev/provenance/v1";
const BLOB_PATH = "/attestations/803445357/2026/07/14/123456.json.sn";
const BLOB_URL = `${BLOB}${BLOB_PATH}?sv=2024&sig=s3cret`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

function setup(token?: string) {
  const sleeps: number[] = [];
  const http = new HttpClient({
    allowedOrigins: [...DEFAULT_UPSTREAMS, ...ATTESTATION_BUNDLE_ORIGINS],
    sleep: async (ms) => void sleeps.push(ms),
  });
  const cache = new MemoryCache();
  return { http, cache, sleeps, source: new GitHubAttestations(http, cache, { token }) };
}

/** A list endpoint asserting the GitHub headers (and the token, or its absence) and query. */
function api(token?: string) {
  return nock(API, {
    reqheaders: {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    badheaders: token ? [] : ["authorization"],
  });
}

const query = (extra: Record<string, string> = {}) => ({
  per_page: "100",
  predicate_type: SLSA,
  ...extra,
});

describe("GitHubAttestations.list", () => {
  it("returns inline bundles from the owner endpoint, without a token for public data", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, {
        attestations: [
          { bundle: BUNDLE, repository_id: 1, bundle_url: BLOB_URL },
          { bundle: OTHER, repository_id: 2 },
        ],
      });
    const { source } = setup();
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE, OTHER]);
  });

  it("fetches and decodes a snappy-compressed bundle_url, without sending the token there", async () => {
    api("t0k")
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle: null, repository_id: 1, bundle_url: BLOB_URL }] });
    nock(BLOB, { badheaders: ["authorization", "x-github-api-version"] })
      .get(BLOB_PATH)
      .query({ sv: "2024", sig: "s3cret" })
      .reply(200, Buffer.from(compress(new Uint8Array(BUNDLE_BYTES))), {
        "Content-Type": "application/x-snappy",
      });
    const { source } = setup("t0k");
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE]);
  });

  it("sends the token to a bundle_url on the API origin", async () => {
    api("t0k")
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle_url: "/attestations/bundles/7.json.sn" }] })
      .get("/attestations/bundles/7.json.sn")
      .reply(200, Buffer.from(compress(new Uint8Array(BUNDLE_BYTES))));
    const { source } = setup("t0k");
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE]);
  });

  it("follows the next link's after cursor over two pages", async () => {
    const next = `${API}${ORG_PATH}?per_page=100&predicate_type=${encodeURIComponent(SLSA)}&after=Y3Vyc29yOjE%3D`;
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle: BUNDLE }] }, { Link: `<${next}>; rel="next"` })
      .get(ORG_PATH)
      .query(query({ after: "Y3Vyc29yOjE=" }))
      .reply(
        200,
        { attestations: [{ bundle: OTHER }] },
        { Link: `<${API}${ORG_PATH}?per_page=100&before=Y3Vyc29yOjI%3D>; rel="prev"` },
      );
    const { source, http } = setup();
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE, OTHER]);
    expect(http.stats.requests).toBe(2);
  });

  it("uses the repository endpoint and the predicate_type filter", async () => {
    api()
      .get(`/repos/malancas/attest-demo/attestations/${DIGEST}`)
      .query({ per_page: "100", predicate_type: "https://spdx.dev/Document/v2.3" })
      .reply(200, { attestations: [{ bundle: BUNDLE }] });
    const { source } = setup();
    const bundles = await source.list(DIGEST.toUpperCase().replace("SHA256", "sha256"), {
      owner: "malancas",
      repository: "malancas/attest-demo",
      predicateType: "https://spdx.dev/Document/v2.3",
    });
    expect(bundles).toEqual([BUNDLE]);
  });

  it("treats 404 as no attestation", async () => {
    api().get(ORG_PATH).query(query()).reply(404, { message: "Not Found" });
    const { source } = setup();
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([]);
  });

  it("retries a 503 through the HTTP layer, honouring Retry-After", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(503, "", { "Retry-After": "2" })
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle: BUNDLE }] });
    const { source, sleeps, http } = setup();
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE]);
    expect(sleeps).toEqual([2000]);
    expect(http.stats.retries).toBe(1);
  });

  it("throws the typed auth error on 401", async () => {
    api("bad").get(ORG_PATH).query(query()).reply(401, { message: "Bad credentials" });
    const { source } = setup("bad");
    const error = await source.list(DIGEST, { owner: "malancas" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: "auth", status: 401 });
  });

  it("refuses a bundle_url off the allow-list", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle_url: "https://evil.example/b.json.sn?sig=x" }] });
    const { source } = setup();
    await expect(source.list(DIGEST, { owner: "malancas" })).rejects.toMatchObject({
      code: "forbidden-host",
      message: "attestation bundle: refusing to contact a host outside the configured upstreams",
    });
  });

  it("reports malformed JSON in one line", async () => {
    api().get(ORG_PATH).query(query()).reply(200, "<html>");
    const { source } = setup();
    await expect(source.list(DIGEST, { owner: "malancas" })).rejects.toThrow(
      `${API}${ORG_PATH}?per_page=100&predicate_type=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1: the answer is not JSON`,
    );
  });

  it("reports a bundle_url body that is not snappy, or not JSON, without its signed query", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .times(2)
      .reply(200, { attestations: [{ bundle: null, bundle_url: BLOB_URL }] });
    nock(BLOB)
      .get(BLOB_PATH)
      .query(true)
      .reply(200, JSON.stringify(BUNDLE))
      .get(BLOB_PATH)
      .query(true)
      .reply(200, Buffer.from(compress(new TextEncoder().encode("not json"))));
    const { source } = setup();
    await expect(source.list(DIGEST, { owner: "malancas" })).rejects.toThrow(
      `attestation bundle ${BLOB}${BLOB_PATH}?…: cannot be decoded as snappy-compressed UTF-8 (Invalid Snappy bitstream)`,
    );
    await expect(source.list(DIGEST, { owner: "malancas" })).rejects.toThrow(
      `attestation bundle ${BLOB}${BLOB_PATH}?…: the decompressed bundle is not JSON`,
    );
  });

  it("keeps a bundle_url's signed query out of HTTP errors", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle_url: BLOB_URL }] });
    nock(BLOB).get(BLOB_PATH).query(true).reply(403, "AuthenticationFailed");
    const { source } = setup();
    const error = await source.list(DIGEST, { owner: "malancas" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "auth",
      status: 403,
      url: `${BLOB}${BLOB_PATH}?…`,
      message: `attestation bundle: ${BLOB}${BLOB_PATH}?…: access denied (403)`,
    });
  });

  it("fails closed on an attestation with neither bundle nor bundle_url", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle: null }] });
    const { source } = setup();
    await expect(source.list(DIGEST, { owner: "malancas" })).rejects.toThrow(
      /: attestation 0 has neither a bundle nor a bundle_url$/,
    );
  });

  it("caches per digest: two calls (and two concurrent ones), one request", async () => {
    api()
      .get(ORG_PATH)
      .query(query())
      .reply(200, { attestations: [{ bundle: BUNDLE }] });
    const { source, http } = setup();
    const [a, b] = await Promise.all([
      source.list(DIGEST, { owner: "malancas" }),
      source.list(DIGEST, { owner: "malancas" }),
    ]);
    expect(await source.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE]);
    expect([a, b]).toEqual([[BUNDLE], [BUNDLE]]);
    expect(http.stats.requests).toBe(1);
  });

  it("throws at once on a malformed digest, owner or repository; takes sha512", async () => {
    const { source } = setup();
    for (const digest of ["sha256:abc", `md5:${"0".repeat(32)}`, `sha512:${"a".repeat(64)}`, ""]) {
      expect(() => source.list(digest, { owner: "malancas" })).toThrow(TypeError);
    }
    expect(() => source.list(DIGEST, { owner: "../x" })).toThrow("not a GitHub owner");
    expect(() => source.list(DIGEST, { owner: "a", repository: "a/b/c" })).toThrow(
      "not an owner/repo",
    );
    const sha512 = `sha512:${"a".repeat(128)}`;
    api().get(`/orgs/a/attestations/${sha512}`).query(query()).reply(404);
    expect(await source.list(sha512, { owner: "a" })).toEqual([]);
  });
});

describe("wiring", () => {
  it("createUpstreams builds attestations on the API origin, allowing GitHub's bundle host", async () => {
    nock("https://ghe.example", { reqheaders: { authorization: "Bearer t0k" } })
      .get(`/api/v3${ORG_PATH}`)
      .query(query())
      .reply(200, { attestations: [{ bundle_url: BLOB_URL }] });
    nock(BLOB, { badheaders: ["authorization"] })
      .get(BLOB_PATH)
      .query(true)
      .reply(200, Buffer.from(compress(new Uint8Array(BUNDLE_BYTES))));
    const env = { GITHUB_API_URL: "https://ghe.example/api/v3", GITHUB_TOKEN: "t0k" };
    const { attestations, http } = createUpstreams({ env, http: { sleep: async () => undefined } });
    expect(http.allows("https://mirror.example/x")).toBe(false);
    expect(await attestations.list(DIGEST, { owner: "malancas" })).toEqual([BUNDLE]);
    const more = createUpstreams({
      env: { UV_PIN_BOT_ATTESTATION_ORIGINS: "https://mirror.example/" },
    });
    expect(more.http.allows("https://mirror.example/x")).toBe(true);
  });

  it("parseAllowedOrigins takes exact https origins only", () => {
    expect(parseAllowedOrigins(" https://a.example, https://B.example:8443/ ")).toEqual([
      "https://a.example",
      "https://b.example:8443",
    ]);
    expect(parseAllowedOrigins(undefined)).toEqual([]);
    for (const bad of [
      "https://*.blob.core.windows.net",
      "http://a.example",
      "https://a.example/p",
      "a.example",
    ]) {
      expect(() => parseAllowedOrigins(bad)).toThrow("UV_PIN_BOT_ATTESTATION_ORIGINS");
    }
  });
});
