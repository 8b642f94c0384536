/**
 * compose.yaml (the example clustered deployment next to the Dockerfile): it parses, has the web,
 * worker and Redis services wired together, and names only environment variables the app reads.
 * That set is derived from the source (no list kept by hand): the app's own reads in src/ and
 * Probot's in its installed package.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT } from "./built-project.js";

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter(keep);
}

/** `env.NAME`, `env?.NAME`, `env["NAME"]`, and (the app's own prefix) a quoted `"UV_PIN_BOT_…"`. */
function namesRead(source: string): string[] {
  const patterns = [
    /\benv\??\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\??\.?\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\]/g,
    /["'`](UV_PIN_BOT_[A-Z0-9_]+)["'`]/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] as string));
}

function envVarsTheAppReads(): Set<string> {
  // src/core is pure (no environment; its `env.X` are expressions it parses in scanned files) and
  // src/bench is not the app.
  const app = (p: string) =>
    p.endsWith(".ts") &&
    !p.endsWith(".test.ts") &&
    !/^src\/(core|bench)\//.test(relative(PROJECT, p).split("\\").join("/"));
  const sources = [
    ...filesUnder(join(PROJECT, "src"), app),
    ...filesUnder(join(PROJECT, "node_modules/probot/lib"), (p) => p.endsWith(".js")),
    ...filesUnder(join(PROJECT, "node_modules/@probot/get-private-key/dist-src"), (p) =>
      p.endsWith(".js"),
    ),
  ];
  return new Set(sources.flatMap((file) => namesRead(readFileSync(file, "utf8"))));
}

type Service = {
  environment?: Record<string, unknown> | string[];
  image?: string;
  build?: unknown;
};
const compose = parse(readFileSync(join(PROJECT, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const environment = (service: Service | undefined): Record<string, string> => {
  const env = service?.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((line) => [line.split("=")[0], line.split("=").slice(1).join("=")]),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? "")]));
};

describe("compose.yaml", () => {
  it("the set of variables the app reads is derived from the source", () => {
    const read = envVarsTheAppReads();
    // a few it must find: Probot's, the app's through env.X, and through a name in a string
    for (const name of ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "HOST", "PORT", "REDIS_URL"])
      expect(read, name).toContain(name);
    for (const name of ["UV_PIN_BOT_SCHEDULE", "UV_PIN_BOT_SHUTDOWN_TIMEOUT", "UV_PIN_BOT_TUF"])
      expect(read, name).toContain(name);
    expect(read).not.toContain("UV_PIN_BOT_NO_SUCH_SETTING");
    // what the scanner parses in repositories (`${{ env.V }}`) is not a setting of the app
    expect(read).not.toContain("V");
  });

  it("runs web and worker from the image, both on the same Redis", () => {
    const { web, worker, redis } = compose.services;
    expect(Object.keys(compose.services).sort()).toEqual(["redis", "web", "worker"]);
    expect(web?.build).toBe(".");
    expect(worker?.image).toBe(web?.image);
    expect(environment(web).UV_PIN_BOT_ROLE).toBe("web");
    expect(environment(worker).UV_PIN_BOT_ROLE).toBe("worker");
    expect(environment(web).REDIS_URL).toBe("redis://redis:6379");
    expect(environment(worker).REDIS_URL).toBe("redis://redis:6379");
    expect(redis?.image).toMatch(/^redis:7[-\w.]*@sha256:[0-9a-f]{64}$/);
  });

  it("names only environment variables the app reads", () => {
    const read = envVarsTheAppReads();
    const named = Object.values(compose.services).flatMap((s) => Object.keys(environment(s)));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !read.has(name))).toEqual([]);
  });
});
