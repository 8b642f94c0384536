/**
 * Tests that need a Debian package (a real `docker-registry`, `redis-server`, `openssl`) declare it
 * here, and this one helper decides what happens when it is missing:
 *
 * - on a developer machine the tests are skipped; the closing summary (test/reporter/closing-line.ts)
 *   counts them as skipped and prints ONE line per run naming the missing packages and the
 *   `apt-get install` command;
 * - in CI (any non-empty `CI` other than `false`/`0`) each gated `describe` becomes one failing test
 *   that names the package, so CI can never pass by skipping.
 *
 * ```ts
 * import { describeWithPackages, packageBinary } from "../system-packages.js";
 * describeWithPackages(["redis-server"], "queue against a real Redis", () => { … });
 * const redis = packageBinary("redis-server"); // absolute path, or undefined
 * ```
 *
 * `<NAME>_BIN` (`DOCKER_REGISTRY_BIN`, `REDIS_SERVER_BIN`, `OPENSSL_BIN`) overrides where a binary is
 * looked up (a path, or a name on PATH); an empty value counts as missing, which is how to try the
 * skip path on a machine that has the package.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { describe, it } from "vitest";

/** The Debian packages tests may need: the binary each provides, and its override variable. */
export const SYSTEM_PACKAGES = {
  "docker-registry": { binary: "docker-registry", override: "DOCKER_REGISTRY_BIN" },
  "redis-server": { binary: "redis-server", override: "REDIS_SERVER_BIN" },
  openssl: { binary: "openssl", override: "OPENSSL_BIN" },
} as const;

export type SystemPackage = keyof typeof SYSTEM_PACKAGES;

/** Where Debian installs them, for a PATH without /usr/bin or /usr/sbin. */
const SYSTEM_DIRS = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"];

declare module "@vitest/runner" {
  interface TaskMeta {
    /** Set on a suite skipped because these packages are missing (read by the closing line). */
    missingSystemPackages?: SystemPackage[];
  }
}

type Env = Record<string, string | undefined>;

/** CI is any non-empty `CI` other than `false` or `0` (`true`, `1`, `yes`, a provider's name …). */
export function isCI(env: Env = process.env): boolean {
  const value = (env.CI ?? "").trim().toLowerCase();
  return value !== "" && value !== "false" && value !== "0";
}

/** Absolute path of an executable file (a path, or a name looked up on PATH), or undefined. */
export function findExecutable(name: string, env: Env = process.env): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there, or not executable: try the next one
    }
  }
  return undefined;
}

/** The package's binary (honouring `<NAME>_BIN`), or undefined when it is not installed. */
export function packageBinary(pkg: SystemPackage, env: Env = process.env): string | undefined {
  const { binary, override } = SYSTEM_PACKAGES[pkg];
  const overridden = env[override];
  if (overridden !== undefined)
    return overridden === "" ? undefined : findExecutable(overridden, env);
  return (
    findExecutable(binary, env) ??
    SYSTEM_DIRS.map((dir) => findExecutable(join(dir, binary), env)).find((p) => p !== undefined)
  );
}

/** The packages of `pkgs` that are not installed, in the given order. */
export function missingPackages(
  pkgs: readonly SystemPackage[],
  env: Env = process.env,
): SystemPackage[] {
  return pkgs.filter((pkg) => packageBinary(pkg, env) === undefined);
}

/** `docker-registry and openssl are not installed (apt-get install docker-registry openssl)`. */
export function installHint(missing: readonly string[]): string {
  const verb = missing.length === 1 ? "is" : "are";
  return `${missing.join(" and ")} ${verb} not installed (apt-get install ${missing.join(" ")})`;
}

/**
 * `describe(name, body)` when every package is installed. Otherwise, outside CI: the suite is
 * skipped and marked with the missing packages (the closing line counts its tests and prints the
 * install command once per run); in CI: the body is not run and the suite is one failing test
 * naming them.
 */
export function describeWithPackages(
  pkgs: readonly SystemPackage[],
  name: string,
  body: () => void,
  env: Env = process.env,
): void {
  const missing = missingPackages(pkgs, env);
  if (missing.length === 0) {
    describe(name, body);
  } else if (isCI(env)) {
    describe(name, { meta: { missingSystemPackages: [...missing] } }, () => {
      it(`needs ${missing.join(", ")}`, () => {
        throw new Error(
          `${installHint(missing)}. CI=${env.CI}: tests that need a system package fail instead of skipping (see .ci/run).`,
        );
      });
    });
  } else {
    describe(name, { skip: true, meta: { missingSystemPackages: [...missing] } }, body);
  }
}
