import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.js";
import { comparePaths, decodeBlob, MAX_TREE_LISTINGS, readRepository } from "./github-files.js";

const API = "https://api.github.com";
const REPO = "/repos/acme/app";
const NAME = { owner: "acme", repo: "app" };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const octokit = () =>
  new ProbotOctokit({
    auth: { token: "t" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });

/** GitHub's blob encoding: base64 in lines of 60 characters, each ending in `\n`. */
function b64(bytes: string | Uint8Array): string {
  const all = Buffer.from(bytes).toString("base64");
  return `${all.match(/.{1,60}/g)?.join("\n") ?? ""}\n`;
}

const blob = (path: string, sha: string, size = 10, mode = "100644") => ({
  path,
  mode,
  type: "blob",
  sha,
  size,
});
const dir = (path: string, sha: string) => ({ path, mode: "040000", type: "tree", sha });

function github() {
  return nock(API, { reqheaders: { authorization: "token t" } });
}

function repoReply(scope: nock.Scope, extra: object = {}) {
  return scope
    .get(REPO)
    .reply(200, { default_branch: "main", archived: false, node_id: "R_kgDO42", ...extra });
}

function blobReply(scope: nock.Scope, sha: string, text: string | Uint8Array) {
  return scope
    .get(`${REPO}/git/blobs/${sha}`)
    .reply(200, { sha, encoding: "base64", content: b64(text) });
}

const DOCKERFILE = "FROM ghcr.io/astral-sh/uv:0.9.17 AS uv\n";
const WORKFLOW = "steps:\n  - uses: astral-sh/setup-uv@v7\n";

describe("readRepository", () => {
  it("lists the default branch once and reads only the candidate files (2 + 2 calls)", async () => {
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "tree0",
        truncated: false,
        tree: [
          dir(".github", "t1"),
          dir(".github/workflows", "t2"),
          blob(".github/workflows/ci.yml", "b-ci"),
          blob("Dockerfile", "b-df"),
          blob("README.md", "b-readme"),
          blob("docs/logo.png", "b-png", 5000),
          blob("src/index.ts", "b-ts"),
          blob("install.sh", "b-link", 12, "120000"),
          { path: "third_party/lib", mode: "160000", type: "commit", sha: "c-sub" },
          dir("node_modules", "t3"),
          blob("node_modules/pkg/Dockerfile", "b-nm"),
          blob("Dockerfile.dockerignore", "b-ign"),
        ],
      });
    blobReply(scope, "b-ci", WORKFLOW);
    blobReply(scope, "b-df", DOCKERFILE);
    const read = await readRepository(octokit(), NAME);
    expect(read).toEqual({
      status: "ok",
      defaultBranch: "main",
      headSha: null,
      treeSha: "tree0",
      nodeId: "R_kgDO42",
      etag: null,
      files: [
        { path: ".github/workflows/ci.yml", text: WORKFLOW, mode: "100644" },
        { path: "Dockerfile", text: DOCKERFILE, mode: "100644" },
      ],
      skipped: [],
      requests: 4,
    });
  });

  it("costs 2 calls when nothing can pin uv, and lists at a commit the caller names", async () => {
    const scope = github();
    repoReply(scope, { default_branch: "trunk" })
      .get(`${REPO}/git/trees/abc123`)
      .query({ recursive: "1" })
      .reply(200, { sha: "tree9", truncated: false, tree: [blob("README.md", "b1")] });
    const read = await readRepository(octokit(), NAME, { headSha: "abc123" });
    expect(read).toMatchObject({ status: "ok", defaultBranch: "trunk", headSha: "abc123" });
    expect(read).toMatchObject({ treeSha: "tree9", files: [], skipped: [], requests: 2 });
  });

  it("walks a truncated tree by subtrees, flat only where a recursive listing is truncated", async () => {
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: "root", truncated: true, tree: [blob("Dockerfile", "b-df")] })
      // The root alone, then each directory recursively.
      .get(`${REPO}/git/trees/root`)
      .query((q) => Object.keys(q).length === 0)
      .reply(200, {
        sha: "root",
        truncated: false,
        tree: [
          dir("a", "ta"),
          dir("big", "tbig"),
          blob("Dockerfile", "b-df"),
          dir("node_modules", "tnm"),
        ],
      })
      .get(`${REPO}/git/trees/ta`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "ta",
        truncated: false,
        tree: [blob("x.sh", "b-x"), blob("y.txt", "b-y")],
      })
      .get(`${REPO}/git/trees/tbig`)
      .query({ recursive: "1" })
      .reply(200, { sha: "tbig", truncated: true, tree: [] })
      .get(`${REPO}/git/trees/tbig`)
      .query((q) => Object.keys(q).length === 0)
      .reply(200, {
        sha: "tbig",
        truncated: false,
        tree: [dir("deep", "tdeep"), blob("Makefile", "b-mk"), dir("huge", "thuge")],
      })
      .get(`${REPO}/git/trees/thuge`)
      .query({ recursive: "1" })
      .reply(200, { sha: "thuge", truncated: true, tree: [] })
      .get(`${REPO}/git/trees/thuge`)
      .query((q) => Object.keys(q).length === 0)
      .reply(200, { sha: "thuge", truncated: true, tree: [blob("notes.txt", "b-n")] })
      .get(`${REPO}/git/trees/tdeep`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "tdeep",
        truncated: false,
        tree: [
          dir("node_modules", "tnm2"),
          blob("node_modules/z/run.sh", "b-z"),
          blob("run.sh", "b-r"),
        ],
      });
    blobReply(scope, "b-df", DOCKERFILE);
    blobReply(scope, "b-x", "curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh\n");
    blobReply(scope, "b-mk", "UV_VERSION ?= 0.9.17\n");
    blobReply(scope, "b-r", "pip install uv==0.9.17\n");
    const read = await readRepository(octokit(), NAME);
    if (read.status !== "ok") throw new Error(read.status);
    // Ordered as the local walker orders them: directory by directory.
    expect(read.files.map((f) => f.path)).toEqual([
      "Dockerfile",
      "a/x.sh",
      "big/Makefile",
      "big/deep/run.sh",
    ]);
    expect(read.treeSha).toBe("root");
    expect(read.skipped).toEqual([
      {
        file: "big/huge",
        line: null,
        reason: "directory listing truncated by GitHub, not all read",
      },
    ]);
    expect(read.requests).toBe(1 + 8 + 4);
  });

  it("lists at most MAX_TREE_LISTINGS directories of a repository too big for one listing, and says what it left out", async () => {
    const dirs = Array.from({ length: 150 }, (_, i) =>
      dir(`d${String(i).padStart(3, "0")}`, `t${i}`),
    );
    const listed: string[] = [];
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: "root", truncated: true, tree: [] })
      .get(`${REPO}/git/trees/root`)
      .query((q) => Object.keys(q).length === 0)
      .reply(200, { sha: "root", truncated: false, tree: [blob("Dockerfile", "b-df"), ...dirs] });
    nock(API)
      .get(/\/repos\/acme\/app\/git\/trees\/t\d+/)
      .query({ recursive: "1" })
      .times(MAX_TREE_LISTINGS - 1)
      .reply((uri) => {
        const sha = /trees\/(t\d+)/.exec(uri)?.[1] ?? "";
        listed.push(sha);
        return [200, { sha, truncated: false, tree: [blob("README.md", `r-${sha}`)] }];
      });
    blobReply(scope, "b-df", DOCKERFILE);
    const read = await readRepository(octokit(), NAME);
    if (read.status !== "ok") throw new Error(read.status);
    expect(MAX_TREE_LISTINGS).toBe(100);
    // The root's own listing is one of the hundred: 99 directories listed, 51 left out.
    expect(listed).toEqual(Array.from({ length: 99 }, (_, i) => `t${i}`));
    expect(read.files.map((f) => f.path)).toEqual(["Dockerfile"]);
    expect(read.skipped).toEqual([
      {
        file: "d099",
        line: null,
        reason:
          "left out: this and 50 more directories were not listed (a run lists at most 100 directories of a repository too big for one listing)",
      },
    ]);
    // The repository, the truncated recursive listing, 100 listings, one blob.
    expect(read.requests).toBe(1 + 1 + 100 + 1);
  });

  it("skips files over 1 MiB without reading them, and binary or non-UTF-8 blobs", async () => {
    const scope = github();
    const exactly = "#".repeat(1024 * 1024);
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "tree0",
        truncated: false,
        tree: [
          blob("big.yml", "b-big", 1024 * 1024 + 1),
          blob("bin.sh", "b-bin"),
          blob("latin1.sh", "b-latin"),
          blob("max.yml", "b-max", 1024 * 1024),
        ],
      });
    blobReply(scope, "b-bin", new Uint8Array([0x23, 0x21, 0x00, 0x01]));
    blobReply(scope, "b-latin", new Uint8Array([0x23, 0x20, 0xe9, 0x0a]));
    blobReply(scope, "b-max", exactly);
    const read = await readRepository(octokit(), NAME);
    expect(read).toMatchObject({
      status: "ok",
      files: [{ path: "max.yml", text: exactly }],
      skipped: [
        { file: "big.yml", line: null, reason: "larger than 1 MiB, not read" },
        { file: "bin.sh", line: null, reason: "binary file, not read" },
        { file: "latin1.sh", line: null, reason: "not UTF-8 text, not read" },
      ],
      requests: 5,
    });
  });

  it("stops after one call for an archived repository", async () => {
    repoReply(github(), { archived: true });
    expect(await readRepository(octokit(), NAME)).toEqual({ status: "archived", requests: 1 });
  });

  it("reports an empty repository (409 on the tree)", async () => {
    repoReply(github())
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(409, { message: "Git Repository is empty.", status: "409" });
    expect(await readRepository(octokit(), NAME)).toEqual({ status: "empty", requests: 2 });
  });

  it("reports a repository that is gone or not visible (404)", async () => {
    github().get(REPO).reply(404, { message: "Not Found", status: "404" });
    expect(await readRepository(octokit(), NAME)).toEqual({ status: "missing", requests: 1 });
  });

  it("reads only what `accept` allows", async () => {
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "tree0",
        truncated: false,
        tree: [blob("Dockerfile", "b-df"), blob("tests/fixtures/Dockerfile", "b-fx")],
      });
    blobReply(scope, "b-df", DOCKERFILE);
    const read = await readRepository(octokit(), NAME, {
      accept: (path) => !path.startsWith("tests/"),
    });
    expect(read).toMatchObject({ files: [{ path: "Dockerfile" }], skipped: [], requests: 3 });
  });

  it("decodes base64 with line breaks byte for byte: BOM, CRLF, non-ASCII kept", async () => {
    const text =
      "\uFEFFFROM ghcr.io/astral-sh/uv:0.9.17\r\n# café ✓\r\nRUN uv --version\r\n".repeat(4);
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: "tree0", truncated: false, tree: [blob("Containerfile", "b-cf")] });
    scope.get(`${REPO}/git/blobs/b-cf`).reply(200, (_uri) => {
      const content = b64(text);
      expect(content.split("\n").length).toBeGreaterThan(3);
      return { sha: "b-cf", encoding: "base64", content };
    });
    const read = await readRepository(octokit(), NAME);
    if (read.status !== "ok") throw new Error(read.status);
    expect(read.files[0]?.text).toBe(text);
    expect(Buffer.from(read.files[0]?.text ?? "", "utf8")).toEqual(Buffer.from(text, "utf8"));
  });

  it("turns other failures into coded errors that keep the status", async () => {
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: "tree0", truncated: false, tree: [blob("Dockerfile", "b-df")] })
      .get(`${REPO}/git/blobs/b-df`)
      .reply(502, { message: "Server Error" });
    const error = await readRepository(octokit(), NAME).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: "upstream-unavailable",
      status: 502,
      url: `${API}${REPO}/git/blobs/b-df`,
    });
  });
});

describe("helpers", () => {
  it("decodeBlob refuses what it cannot read", () => {
    expect(decodeBlob({})).toEqual({ ok: false, reason: "no content, not read" });
    expect(decodeBlob({ content: "x", encoding: "utf-16" })).toEqual({
      ok: false,
      reason: "unknown encoding utf-16, not read",
    });
    expect(decodeBlob({ content: "a: 1\n", encoding: "utf-8" })).toEqual({
      ok: true,
      text: "a: 1\n",
    });
  });

  it("comparePaths orders directory by directory, as the local walker does", () => {
    const paths = ["a/b", "a.b", "B", "a/a/z", "a"];
    expect(paths.sort(comparePaths)).toEqual(["B", "a", "a/a/z", "a/b", "a.b"]);
  });
});

describe("the work per repository is bounded", () => {
  it("20,000 YAML files: 200 read (shallow first), the rest left out and said so", async () => {
    const scope = github();
    const tree = [
      blob("Dockerfile", "b-root"),
      ...Array.from({ length: 20_000 }, (_, i) =>
        blob(`deploy/k8s/app-${String(i).padStart(5, "0")}.yaml`, `y${i}`),
      ),
    ];
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: "tree0", truncated: false, tree });
    let blobs = 0;
    scope
      .get(/\/git\/blobs\//)
      .times(200)
      .reply(200, (uri) => {
        blobs++;
        const sha = uri.split("/").pop();
        return { sha, encoding: "base64", content: b64(sha === "b-root" ? DOCKERFILE : "a: 1\n") };
      });
    const read = await readRepository(octokit(), NAME);
    if (read.status !== "ok") throw new Error(read.status);
    expect(blobs).toBe(200);
    expect(read.requests).toBe(202);
    expect(read.files[0]?.path).toBe("Dockerfile");
    expect(read.skipped).toEqual([
      {
        file: "deploy/k8s/app-00199.yaml",
        line: null,
        reason:
          "left out: this and 19800 more files that can pin uv were not read (a run reads at most 200 files and 16 MiB per repository; narrow `paths` in the configuration to choose which)",
      },
    ]);
  });

  it("bytes are bounded too (sizes from the listing)", async () => {
    const scope = github();
    repoReply(scope)
      .get(`${REPO}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: "tree0",
        truncated: false,
        tree: [
          blob("Dockerfile", "b-df", 40),
          blob("ci/a.yml", "b-a", 900_000),
          blob("ci/b.yml", "b-b", 900_000),
        ],
      });
    blobReply(scope, "b-df", DOCKERFILE);
    blobReply(scope, "b-a", WORKFLOW);
    const read = await readRepository(octokit(), NAME, { maxBytes: 1_000_000 });
    if (read.status !== "ok") throw new Error(read.status);
    expect(read.files.map((f) => f.path)).toEqual(["Dockerfile", "ci/a.yml"]);
    expect(read.skipped[0]?.file).toBe("ci/b.yml");
  });
});
