/**
 * Texts the app shows users (replies, pull request bodies) never carry an internal address: a
 * network failure of GitHub or of an upstream whose origin is rewritten to an internal host
 * (`UV_PIN_BOT_ORIGINS`) is told in words and by the upstream's public URL.
 */
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { type AppHarness, finish, startApp } from "./harness.js";
import { botComments, dockerfile } from "./support.js";

let h: AppHarness | undefined;
afterEach(async () => {
  const last = h;
  h = undefined;
  await finish(last);
});

/**
 * A loopback port whose listener drops every connection at once. Held until the test ends: a
 * port that was merely freed could be taken meanwhile by another test's server, which answered
 * (a 404) instead of failing the connection.
 */
async function droppingPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("no internal address in what users read", () => {
  it("GitHub unreachable mid-command: the reply says so in words, without the address", async () => {
    h = await startApp();
    h.upstreams.publish("0.9.17", { daysAgo: 30 });
    h.upstreams.publish("0.9.18", { daysAgo: 2 });
    const repo = h.github.addRepo("acme/net-down", {
      files: { Dockerfile: dockerfile("0.9.17") },
      permissions: { alice: "write" },
    });
    // The socket's own text names the address it could not reach (a GitHub Enterprise host, say).
    h.github.intercept({
      method: "GET",
      path: "/repos/acme/net-down/contents/.github/uv-pin-bot.yml",
      reply: () => {
        throw Object.assign(new Error("connect ECONNREFUSED 10.0.3.7:443"), {
          code: "ECONNREFUSED",
        });
      },
    });
    const issue = repo.openIssue();
    expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
    expect(botComments(repo, issue.number)).toEqual([
      "uv-pin-bot could not finish: GitHub could not be reached: connection refused",
    ]);
    expect(repo.pulls).toEqual([]);
  });

  it("uv's upstreams rewritten to an internal host that drops connections: the reply names them by their public URL", async () => {
    const dropping = await droppingPort();
    onTestFinished(dropping.close);
    const { port } = dropping;
    const internal = `http://127.0.0.1:${port}`;
    h = await startApp({
      realUpstreams: true,
      app: {
        env: {
          UV_PIN_BOT_ORIGINS: `https://ghcr.io=${internal},https://api.github.com=${internal}`,
        },
      },
    });
    const repo = h.github.addRepo("acme/mirror-down", {
      files: { Dockerfile: dockerfile("0.9.17") },
      permissions: { alice: "write" },
    });
    const issue = repo.openIssue();
    expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
    // Not "up to date": the pin could not be checked, and the reply says why, by public URL.
    expect(botComments(repo, issue.number)).toEqual([
      expect.stringMatching(
        /^Nothing to update, but a pin could not be checked:\n\n> Dockerfile:2: the registry's tags for ghcr\.io\/astral-sh\/uv are not known \(https:\/\/ghcr\.io\/v2\/astral-sh\/uv\/tags\/list\?n=1000: connection closed\)$/,
      ),
    ]);
    expect(JSON.stringify(h.github.requests.map((r) => r.body))).not.toContain(String(port));
    expect(repo.pulls).toEqual([]);
  });

  it("a registry whose token realm is an unlisted internal host: refused, unnamed in the reply, named in the log", async () => {
    // ghcr.io (rewritten here) challenges with a realm on an internal address.
    const registry = createHttpServer((req, res) => {
      if (req.url?.startsWith("/v2/")) {
        res.writeHead(401, {
          "www-authenticate": 'Bearer realm="http://10.0.3.7:5001/token",service="ghcr.io"',
        });
        res.end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
    const port = (registry.address() as { port: number }).port;
    try {
      h = await startApp({
        realUpstreams: true,
        app: { env: { UV_PIN_BOT_ORIGINS: `https://ghcr.io=http://127.0.0.1:${port}` } },
      });
      const repo = h.github.addRepo("acme/realm-elsewhere", {
        files: { Dockerfile: dockerfile("0.9.17") },
        permissions: { alice: "write" },
      });
      const issue = repo.openIssue();
      expect(await h.comment(repo, issue.number, "/uv-update", { user: "alice" })).toBe(200);
      expect(botComments(repo, issue.number)).toEqual([
        "Nothing to update, but a pin could not be checked:\n\n> Dockerfile:2: the registry's tags for ghcr.io/astral-sh/uv are not known (refusing to contact a host outside the configured upstreams)",
      ]);
      const refused = h.logs.filter(
        (l) => l.msg === "uv-pin-bot refused to contact a host outside the configured upstreams",
      );
      expect(refused.map((l) => [l.level, l.origin])).toContainEqual([40, "http://10.0.3.7:5001"]);
    } finally {
      await new Promise((resolve) => registry.close(resolve));
    }
  });
});
