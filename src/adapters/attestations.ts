/**
 * GitHub artifact attestations: the Sigstore bundles GitHub holds for a subject digest
 * (`GET /orgs/{owner}/attestations/{digest}` or `GET /repos/{owner}/{repo}/attestations/{digest}`),
 * across cursor pages. A bundle comes inline (`bundle`) or behind `bundle_url`, which serves it as
 * snappy-compressed (block format) protobuf-JSON. This only fetches: verifying is done elsewhere.
 * The token, when given, is sent to the API origin only.
 */
import { uncompress } from "snappyjs";
import { type ErrorCode, UpstreamError } from "../errors.js";
import type { LookupCache } from "./cache.js";
import { type HttpClient, nextLink } from "./http.js";

/**
 * Origins `bundle_url` points at besides the API origin. GitHub serves bundles from Azure blob
 * storage, `https://tmaproduction.blob.core.windows.net/attestations/<repository id>/<date>/<id>.json.sn?<SAS>`
 * (as reported from the live API in July 2026, when `bundle` became `null`). Exact origins, never a
 * wildcard: createUpstreams adds these to the HTTP layer's allow-list, and
 * `UV_PIN_BOT_ATTESTATION_ORIGINS` adds more should GitHub move them.
 */
export const ATTESTATION_BUNDLE_ORIGINS: readonly string[] = [
  "https://tmaproduction.blob.core.windows.net",
];

/** The predicate type asked for by default (SLSA build provenance v1). */
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

export interface GitHubAttestationsOptions {
  /** `GITHUB_API_URL`, default `https://api.github.com`. */
  apiUrl?: string;
  /** `GITHUB_TOKEN`, optional: public attestations are readable without one. */
  token?: string;
}

export interface ListAttestationsOptions {
  /** Owner (organisation or user) whose attestations are listed. */
  owner: string;
  /** `owner/repo`: list through the repository endpoint instead of the owner's. */
  repository?: string;
  /** The `predicate_type` filter, default `https://slsa.dev/provenance/v1`. */
  predicateType?: string;
}

const TTL_MS = 15 * 60_000;
const MAX_PAGES = 10;
/** A decompressed bundle is a few kilobytes; refuse to inflate anything near this. */
const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
type UpstreamCode = Exclude<ErrorCode, "usage" | "config-invalid">;

export class GitHubAttestations {
  private readonly api: string;
  private readonly apiOrigin: string;

  constructor(
    private readonly http: HttpClient,
    private readonly cache: LookupCache,
    private readonly options: GitHubAttestationsOptions = {},
  ) {
    this.api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.apiOrigin = new URL(this.api).origin;
  }

  /**
   * The Sigstore bundles (parsed JSON objects) attesting `subjectDigest`, `[]` when GitHub has
   * none (404). Upstream failures, and bundles that cannot be read, throw an UpstreamError.
   * A malformed digest, owner or repository is a programming error: it throws at once.
   */
  list(subjectDigest: string, options: ListAttestationsOptions): Promise<unknown[]> {
    if (!DIGEST.test(subjectDigest)) {
      throw new TypeError(
        `not a subject digest (sha256:<64 hex> or sha512:<128 hex>): ${JSON.stringify(subjectDigest)}`,
      );
    }
    const digest = subjectDigest.toLowerCase();
    const path = scopePath(options);
    const predicateType = options.predicateType ?? SLSA_PROVENANCE_V1;
    if (!predicateType.trim()) throw new TypeError("predicateType must not be empty");
    const query = new URLSearchParams({ per_page: "100", predicate_type: predicateType });
    const url = `${this.api}${path}/attestations/${digest}?${query}`;
    const key = [
      "attestations",
      this.api,
      options.owner,
      options.repository ?? "",
      predicateType,
      digest,
    ].join("|");
    return this.cache.memo(key, TTL_MS, () => this.fetchAll(url));
  }

  private async fetchAll(first: string): Promise<unknown[]> {
    const bundles: unknown[] = [];
    let url: string | null = first;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.http.request({
        url,
        headers: this.headersFor(url),
        accept: page === 0 ? [404] : [],
      });
      if (res.status === 404) return [];
      const items = attestationsOf(res.body, url, res.status);
      for (const [i, item] of items.entries()) bundles.push(await this.bundleOf(item, i, url));
      url = nextLink(res.headers.get("link"), url);
    }
    return bundles;
  }

  private async bundleOf(item: Record<string, unknown>, i: number, listUrl: string) {
    if (isObject(item.bundle)) return item.bundle;
    if (typeof item.bundle_url === "string" && item.bundle_url !== "") {
      let url: string;
      try {
        url = new URL(item.bundle_url, listUrl).toString();
      } catch {
        throw new UpstreamError(
          "bad-response",
          `${listUrl}: attestation ${i} has an invalid bundle_url`,
          listUrl,
          null,
        );
      }
      return this.fetchBundle(url);
    }
    throw new UpstreamError(
      "bad-response",
      `${listUrl}: attestation ${i} has neither a bundle nor a bundle_url`,
      listUrl,
      null,
    );
  }

  /** GETs a bundle_url (no token unless it is the API origin) and decodes snappy → UTF-8 → JSON. */
  private async fetchBundle(url: string): Promise<Record<string, unknown>> {
    const shown = redact(url);
    const sameOrigin = new URL(url).origin === this.apiOrigin;
    let body: Uint8Array;
    try {
      body = (await this.http.request({ url, headers: sameOrigin ? this.headersFor(url) : {} }))
        .body;
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      // Bundle URLs carry a signed query (SAS): keep it out of messages and logs.
      const message = [url, error.url].reduce(
        (m, u) => (u ? m.split(u).join(redact(u)) : m),
        error.message,
      );
      throw new UpstreamError(
        error.code as UpstreamCode,
        `attestation bundle: ${message}`,
        redact(error.url),
        error.status,
      );
    }
    const fail = (why: string, cause?: unknown) =>
      new UpstreamError("bad-response", `attestation bundle ${shown}: ${why}`, shown, 200, {
        cause,
      });
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(uncompress(body, MAX_BUNDLE_BYTES));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw fail(`cannot be decoded as snappy-compressed UTF-8 (${reason})`, error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw fail("the decompressed bundle is not JSON", error);
    }
    if (!isObject(json)) throw fail("the decompressed bundle is not a JSON object");
    return json;
  }

  private headersFor(url: string): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    };
    if (this.options.token && new URL(url).origin === this.apiOrigin) {
      headers.authorization = `Bearer ${this.options.token}`;
    }
    return headers;
  }
}

/** `/orgs/{owner}` or `/repos/{owner}/{repo}`, with names checked (they land in a URL path). */
function scopePath(options: ListAttestationsOptions): string {
  if (!NAME.test(options.owner)) {
    throw new TypeError(`not a GitHub owner: ${JSON.stringify(options.owner)}`);
  }
  if (options.repository === undefined) return `/orgs/${options.owner}`;
  const [owner, repo, extra] = options.repository.split("/");
  if (!owner || !repo || extra !== undefined || !NAME.test(owner) || !NAME.test(repo)) {
    throw new TypeError(`not an owner/repo: ${JSON.stringify(options.repository)}`);
  }
  return `/repos/${owner}/${repo}`;
}

function attestationsOf(body: Uint8Array, url: string, status: number) {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new UpstreamError("bad-response", `${url}: the answer is not JSON`, url, status);
  }
  const list = isObject(json) ? json.attestations : undefined;
  if (!Array.isArray(list) || !list.every(isObject)) {
    throw new UpstreamError(
      "bad-response",
      `${url}: expected {"attestations": [...]} in the answer`,
      url,
      status,
    );
  }
  return list;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A URL without its query (a bundle_url's query is a signature). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return url;
  }
}
