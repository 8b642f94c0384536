import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installHint, isCI, missingPackages, packageBinary } from "./system-packages.js";

describe("isCI", () => {
  it("is any non-empty CI other than false or 0", () => {
    for (const value of ["true", "1", "yes", "TRUE", "github-actions"])
      expect(isCI({ CI: value }), value).toBe(true);
    for (const value of [undefined, "", " ", "false", "0", "FALSE", " false "])
      expect(isCI({ CI: value }), String(value)).toBe(false);
  });
});

describe("packageBinary / missingPackages", () => {
  const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-syspkg-"));
  const fake = join(dir, "redis-server");
  writeFileSync(fake, "#!/bin/sh\n");
  chmodSync(fake, 0o755);
  writeFileSync(join(dir, "openssl"), "not executable");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds an executable on PATH, honours <NAME>_BIN, and an empty override counts as missing", () => {
    expect(packageBinary("redis-server", { PATH: dir })).toBe(fake);
    expect(packageBinary("redis-server", { PATH: "", REDIS_SERVER_BIN: fake })).toBe(fake);
    expect(packageBinary("redis-server", { PATH: dir, REDIS_SERVER_BIN: "" })).toBeUndefined();
    expect(packageBinary("openssl", { PATH: dir, OPENSSL_BIN: join(dir, "openssl") })).toBe(
      undefined,
    );
    expect(
      missingPackages(["docker-registry", "redis-server"], {
        PATH: dir,
        DOCKER_REGISTRY_BIN: "",
      }),
    ).toEqual(["docker-registry"]);
  });

  it("names the packages and the apt-get command", () => {
    expect(installHint(["docker-registry"])).toBe(
      "docker-registry is not installed (apt-get install docker-registry)",
    );
    expect(installHint(["docker-registry", "openssl"])).toBe(
      "docker-registry and openssl are not installed (apt-get install docker-registry openssl)",
    );
  });
});

/**
 * The child run's environment: this one's, without vitest's own variables and CI, and with
 * docker-registry made missing (`DOCKER_REGISTRY_BIN=`). Whatever else this machine lacks (openssl,
 * or an override already empty) stays missing, and the expectations below follow it.
 */
function gatedEnv(ci: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith("VITEST") && key !== "CI" && key !== "NODE_OPTIONS")
      env[key] = value;
  env.DOCKER_REGISTRY_BIN = "";
  env.NO_COLOR = "1";
  if (ci !== undefined) env.CI = ci;
  return env;
}

/** A whole vitest run of two registry-gated files, as a newcomer without docker-registry has it. */
function runGated(ci: string | undefined) {
  const env = gatedEnv(ci);
  const result = spawnSync(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "test/registry/harness.test.ts",
      "src/pipeline/resolve.test.ts",
    ],
    { env, encoding: "utf8", timeout: 60_000 },
  );
  const out = `${result.stdout}${result.stderr}`;
  return { status: result.status, out, lines: out.split("\n").map((l) => l.trim()) };
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** What the child run lacks: docker-registry always, openssl when this machine lacks it too. */
const missing = missingPackages(["docker-registry", "openssl"], gatedEnv(undefined));
const opensslMissing = missing.includes("openssl");

describe("a run with a system package missing (child vitest)", () => {
  it("outside CI: skips, prints the packages and the apt-get command once, counts them as skipped", () => {
    const { status, out, lines } = runGated(undefined);
    expect(status, out).toBe(0);
    const hints = lines.filter((l) => l.includes("apt-get install"));
    expect(hints, out).toHaveLength(1);
    const [, hinted] =
      new RegExp(`^System packages: (\\d+) tests skipped: ${literal(installHint(missing))}$`).exec(
        hints[0] ?? "",
      ) ?? [];
    expect(Number(hinted), out).toBeGreaterThan(0);
    // (the harness's start-up failure tests need only openssl, and run when it is there)
    expect(
      lines.some((l) =>
        new RegExp(
          `^Tests: \\d+ passed, 0 failed, ${hinted} skipped \\(${hinted} need a system package\\)$`,
        ).test(l),
      ),
      out,
    ).toBe(true);
  });

  it("with CI=1 (any CI but false/0): every gated suite fails, naming the packages", () => {
    const { status, out, lines } = runGated("1");
    expect(status, out).toBe(1);
    // One failing test per gated describe: 2 registry suites in the harness's file (plus its
    // openssl-only suite when openssl is missing too), 1 in resolve's.
    const failing = 3 + (opensslMissing ? 1 : 0);
    expect(
      lines.some((l) => new RegExp(`^Tests: \\d+ passed, ${failing} failed, 0 skipped$`).test(l)),
      out,
    ).toBe(true);
    expect(lines.filter((l) => l.startsWith("System packages:"))).toEqual([
      `System packages: ${failing} tests failed (CI): ${installHint(missing)}`,
    ]);
    expect(out).toContain("tests that need a system package fail instead of skipping");
  });
});
