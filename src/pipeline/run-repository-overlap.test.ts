/**
 * A run's GitHub reads overlap its upstream lookups: the first file that shows a pin starts the
 * lookup of uv's releases while the other blobs are still being read. The fake GitHub below holds
 * every blob but the first until the release lookup has started (or gives up after 2 s with what it
 * saw), so a run that read everything before looking anything up fails here. Request counts are
 * the same as before: the early lookup is the one resolving would have made, and a run without
 * pins asks nothing before its files are read.
 */
import { expect, it } from "vitest";
import type { GitHub } from "../adapters/github-prs.js";
import type { OciRegistry } from "../adapters/oci-registry.js";
import { MemoryOwnCommits } from "../adapters/own-commits.js";
import type { UvReleases } from "../adapters/uv-releases.js";
import { DEFAULT_CONFIG } from "../core/config.js";
import type { Release } from "../core/types.js";
import type { AttestDeps } from "./attest.js";
import { runRepository } from "./run-repository.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const release = (version: string): Release => ({
  version,
  publishedAt: "2026-11-01T00:00:00Z",
  prerelease: false,
  url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
  notes: "",
  assets: [],
});

/** A repository of files behind a fake `octokit.request`; blobs after the first wait for `open`. */
function fakeGitHub(files: Record<string, string>, events: string[]) {
  const paths = Object.keys(files);
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let blobs = 0;
  const requests: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: a fake of Octokit's request
  const request = async (route: string, params: any) => {
    requests.push(route);
    if (route === "GET /repos/{owner}/{repo}")
      return { data: { default_branch: "main", archived: false, node_id: "R_1" } };
    if (route === "GET /repos/{owner}/{repo}/git/trees/{tree_sha}")
      return {
        data: {
          sha: "tree0",
          truncated: false,
          tree: paths.map((path, i) => ({
            path,
            type: "blob",
            mode: "100644",
            sha: `blob${i}`,
            size: (files[path] as string).length,
          })),
        },
      };
    if (route === "GET /repos/{owner}/{repo}/git/blobs/{file_sha}") {
      const i = Number(String(params.file_sha).slice(4));
      if (blobs++ > 0) {
        await Promise.race([
          opened,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`blob held alone; events: ${events.join(", ")}`)),
              2000,
            ).unref(),
          ),
        ]);
      }
      events.push(`blob ${paths[i]}`);
      const text = files[paths[i] as string] as string;
      return { data: { content: Buffer.from(text).toString("base64"), encoding: "base64" } };
    }
    throw new Error(`unexpected ${route}`);
  };
  return { octokit: { request } as unknown as GitHub, requests, open: () => open() };
}

function deps(github: ReturnType<typeof fakeGitHub>, events: string[], releasesOpen: boolean) {
  let lists = 0;
  const releases = {
    list: async () => {
      lists++;
      events.push("releases");
      if (releasesOpen) github.open();
      return [release("0.9.18"), release("0.9.17")];
    },
    checksum: async () => {
      throw new Error("no checksums here");
    },
  } as unknown as UvReleases;
  const registry = {
    tags: async () => {
      throw new Error("no images here");
    },
  } as unknown as OciRegistry;
  return {
    lists: () => lists,
    run: {
      octokit: github.octokit,
      upstreams: { registry, releases },
      attest: {} as AttestDeps,
      now: () => NOW,
      ownCommits: new MemoryOwnCommits(),
    },
  };
}

const config = { ...DEFAULT_CONFIG, attestations: "off" as const };
const REPO = { owner: "acme", repo: "app" };

it("starts the release lookup while the other blobs are still being read", async () => {
  const events: string[] = [];
  const github = fakeGitHub(
    {
      // Read first (shallow paths first), holds a pin.
      Dockerfile: "FROM python:3.12\nRUN pip install uv==0.9.17\n",
      "a/requirements.txt": "httpx==0.27.2\n",
      "b/install.sh": "#!/bin/sh\ncurl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh\n",
    },
    events,
  );
  const d = deps(github, events, true);
  const outcome = await runRepository(REPO, config, d.run, "check");
  expect(outcome.status).toBe("checked");
  // The lookup came after the first blob and before the held ones.
  expect(events.slice(0, 2)).toEqual(["blob Dockerfile", "releases"]);
  expect(events.filter((e) => e.startsWith("blob"))).toHaveLength(3);
  // Requests as before: the repository, one tree listing, three blobs; the release list asked
  // twice (resolving, then the plan's list of releases: the shared cache makes that one request).
  expect(github.requests).toHaveLength(5);
  expect(d.lists()).toBe(2);
  if (outcome.status === "checked")
    expect(outcome.plan.updates.map((u) => [u.pin.file, u.to.version])).toEqual([
      ["Dockerfile", "0.9.18"],
      ["b/install.sh", "0.9.18"],
    ]);
});

it("a repository without pins asks for nothing until its files are read", async () => {
  const events: string[] = [];
  const github = fakeGitHub(
    {
      Dockerfile: "FROM python:3.12\nRUN pip install uvicorn==0.30.1\n",
      "a/requirements.txt": "httpx==0.27.2\n",
    },
    events,
  );
  // Nothing opens the held blob but the test: the run must not have looked anything up by then.
  const d = deps(github, events, false);
  const running = runRepository(REPO, config, d.run, "check");
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(events).toEqual(["blob Dockerfile"]);
  github.open();
  const outcome = await running;
  expect(outcome.status).toBe("checked");
  expect(events).toEqual(["blob Dockerfile", "blob a/requirements.txt", "releases", "releases"]);
  expect(github.requests).toHaveLength(4);
  expect(d.lists()).toBe(2);
});
