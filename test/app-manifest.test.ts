/**
 * app.yml, the manifest Probot registers the GitHub App from: what it asks for is what the app
 * needs and what the app's tests grant (test/app/fake-github.ts). Without `workflows: write`,
 * GitHub refuses any commit that touches `.github/workflows/`, so a repository whose setup-uv or
 * installer pins live there would get no pull request at all.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_PERMISSIONS } from "./app/fake-github.js";

const manifest = parse(readFileSync(join(import.meta.dirname, "..", "app.yml"), "utf8")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

describe("app.yml", () => {
  it("asks for workflows: write, with the other permissions the app uses, and nothing more", () => {
    expect(manifest.default_permissions.workflows).toBe("write");
    expect(manifest.default_permissions).toEqual({
      metadata: "read",
      contents: "write",
      pull_requests: "write",
      issues: "write",
      workflows: "write",
      checks: "write",
    });
    // The app's tests run with exactly what a new installation grants.
    expect(DEFAULT_PERMISSIONS).toEqual(manifest.default_permissions);
  });

  it("subscribes to the events the app handles", () => {
    expect(manifest.default_events).toEqual(["issue_comment", "pull_request"]);
  });
});
