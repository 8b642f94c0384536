/** The built command as users run it: package.json#bin → dist/cli.js, executed by node. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BuiltProject, buildProject } from "./built-project.js";

const project = join(import.meta.dirname, "..");
// Built as `npm run build` builds (inside the project, so the built files resolve the project's
// node_modules); one per run.
let built: BuiltProject | undefined;
let build: string;
const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};
let work: string;

beforeAll(() => {
  built = buildProject();
  build = built.dir;
  work = mkdtempSync(join(tmpdir(), "uv-pin-bot-bin-"));
  writeFileSync(join(work, "Dockerfile"), "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n");
}, 120_000);

afterAll(() => {
  built?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => {
  const bin = join(build, pkg.bin["uv-pin-bot"] ?? "missing");
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
};

it("maps uv-pin-bot to dist/cli.js, a node script", () => {
  expect(pkg.bin).toEqual({ "uv-pin-bot": "dist/cli.js" });
  expect(readFileSync(join(build, "dist/cli.js"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(
    true,
  );
});

it("builds the scanner as one module that imports packages and Node's modules only", () => {
  const scanner = readFileSync(join(build, "dist/pipeline/scanner.js"), "utf8");
  const specifiers = [
    ...scanner.matchAll(/(?:^|\n)import\b[^;]*?from\s*"([^"]+)"|\bimport\(\s*"([^"]+)"/g),
  ].map((m) => m[1] ?? m[2]);
  expect(specifiers.filter((s) => s?.startsWith("."))).toEqual([]);
  // What the bundle is made of: the extractors are in it.
  expect(scanner).toContain("function extractDockerfile(");
  expect(scanner).toContain("function maskPlan(");
});

it("prints its version and scans", () => {
  expect(cli("--version")).toMatchObject({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
  const scan = cli("scan", work, "--json");
  expect(scan.status).toBe(0);
  expect(JSON.parse(scan.stdout).pins).toMatchObject([
    { file: "Dockerfile", line: 1, version: "0.9.17" },
  ]);
});

/** Every module URL that `args` loads, through a resolve hook registered before the CLI starts. */
function moduleTrace(...args: string[]): { status: number | null; urls: string[] } {
  const trace = join(work, `trace-${args[0]}-${Date.now()}.txt`);
  writeFileSync(trace, "");
  const bin = join(build, pkg.bin["uv-pin-bot"] ?? "missing");
  const run = spawnSync(
    process.execPath,
    ["--import", join(build, "trace-register.mjs"), bin, ...args],
    {
      encoding: "utf8",
      env: { ...process.env, UV_PIN_BOT_MODULE_TRACE: trace },
    },
  );
  const urls = readFileSync(trace, "utf8").split("\n").filter(Boolean);
  return { status: run.status, urls };
}

const HEAVY = [
  /@sigstore\//,
  /\/probot\//,
  /@octokit\//,
  /\/undici\//,
  /\/adapters\/http\.js$/,
  /\/adapters\/upstreams\.js$/,
  /\/zod\//,
];
const heavy = (urls: string[]) => urls.filter((u) => HEAVY.some((re) => re.test(u)));

it("loads only what each command needs", () => {
  writeFileSync(
    join(build, "trace-hooks.mjs"),
    [
      'import { appendFileSync } from "node:fs";',
      "export async function resolve(specifier, context, next) {",
      "  const result = await next(specifier, context);",
      "  appendFileSync(process.env.UV_PIN_BOT_MODULE_TRACE, `${result.url}\\n`);",
      "  return result;",
      "}",
    ].join("\n"),
  );
  writeFileSync(
    join(build, "trace-register.mjs"),
    [
      'import { appendFileSync } from "node:fs";',
      'import { createRequire, register } from "node:module";',
      'import { pathToFileURL } from "node:url";',
      'register("./trace-hooks.mjs", import.meta.url);',
      // Modules loaded by `require` (the resolve hook does not see them): the CommonJS cache.
      'process.on("exit", () => {',
      "  const cache = Object.keys(createRequire(import.meta.url).cache);",
      '  const urls = cache.map((p) => `${pathToFileURL(p).href}\\n`).join("");',
      "  appendFileSync(process.env.UV_PIN_BOT_MODULE_TRACE, urls);",
      "});",
    ].join("\n"),
  );
  // The tracer sees packages: `verify` (usage error) loads Sigstore.
  const verify = moduleTrace("verify");
  expect(verify.status).toBe(2);
  expect(verify.urls.some((u) => u.includes("/@sigstore/verify/"))).toBe(true);

  const version = moduleTrace("--version");
  expect(version.status).toBe(0);
  expect(version.urls.some((u) => u.endsWith("/dist/cli.js"))).toBe(true);
  expect(version.urls.filter((u) => u.includes("/node_modules/"))).toEqual([]);
  expect(version.urls.filter((u) => u.includes("/dist/core/"))).toEqual([]);

  const empty = mkdtempSync(join(tmpdir(), "uv-pin-bot-empty-"));
  try {
    const scanEmpty = moduleTrace("scan", empty);
    expect(scanEmpty.status).toBe(0);
    expect(scanEmpty.urls.filter((u) => u.includes("/node_modules/"))).toEqual([]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }

  const scan = moduleTrace("scan", work, "--json");
  expect(scan.status).toBe(0);
  expect(heavy(scan.urls)).toEqual([]);
  // The scanner is one bundled module (scripts/bundle-scanner.mjs), not the 47 it is built from.
  expect(scan.urls.some((u) => u.endsWith("/dist/pipeline/scanner.js"))).toBe(true);
  const ours = scan.urls.filter((u) => u.includes("/dist/") && !u.includes("/node_modules/"));
  expect(
    ours.filter((u) => /\/dist\/core\/(extract|dockerfile-mask|commands|pins)\.js$/.test(u)),
  ).toEqual([]);
  expect(new Set(ours).size).toBeLessThanOrEqual(15);
  // dockerfile-ast loads only for a Dockerfile the lexer does not read (here-documents, an
  // escape directive, an ONBUILD): plain Dockerfiles with uv pins are lexed.
  expect(scan.urls.filter((u) => u.includes("/dockerfile-ast/"))).toEqual([]);
  const heredoc = mkdtempSync(join(tmpdir(), "uv-pin-bot-heredoc-"));
  try {
    writeFileSync(
      join(heredoc, "Dockerfile"),
      "FROM ghcr.io/astral-sh/uv:0.9.17\nRUN <<EOF\npip install uv==0.9.17\nEOF\n",
    );
    const heredocScan = moduleTrace("scan", heredoc, "--json");
    expect(heredocScan.status).toBe(0);
    expect(heredocScan.urls.some((u) => u.includes("/dockerfile-ast/"))).toBe(true);
  } finally {
    rmSync(heredoc, { recursive: true, force: true });
  }
  // yaml loads only for YAML that may hold a pin (the trace sees it then, loaded by `require`).
  expect(scan.urls.filter((u) => u.includes("/node_modules/yaml/"))).toEqual([]);
  const workflows = mkdtempSync(join(tmpdir(), "uv-pin-bot-yaml-"));
  try {
    writeFileSync(
      join(workflows, "ci.yml"),
      'steps:\n  - uses: astral-sh/setup-uv@v5\n    with:\n      version: "0.9.17"\n',
    );
    const yamlScan = moduleTrace("scan", workflows, "--json");
    expect(yamlScan.status).toBe(0);
    expect(yamlScan.urls.some((u) => u.includes("/node_modules/yaml/"))).toBe(true);
  } finally {
    rmSync(workflows, { recursive: true, force: true });
  }
});

it("stops quietly when the reader closes the pipe early", async () => {
  const many = mkdtempSync(join(tmpdir(), "uv-pin-bot-many-"));
  try {
    // About 2 MB of JSON: far more than a pipe holds.
    writeFileSync(
      join(many, "Dockerfile"),
      "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/\n".repeat(5000),
    );
    const bin = join(build, pkg.bin["uv-pin-bot"] ?? "missing");
    const child = spawn(process.execPath, [bin, "scan", many, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString("utf8");
    });
    // Read one chunk, then close the pipe (as `| head` does).
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  } finally {
    rmSync(many, { recursive: true, force: true });
  }
});

it("exits 2 with one line on a usage error", () => {
  const r = cli("scan", join(work, "missing"));
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
});
