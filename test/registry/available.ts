/**
 * Whether the tools the real-registry harness needs are installed, and a `describe` that skips
 * loudly when they are not. Outside CI a missing tool skips the registry tests with one line on
 * stderr; with `CI=true` it fails the test file instead, so CI can never pass by skipping them.
 *
 * `DOCKER_REGISTRY_BIN` overrides where the binary is looked up (a path or a name on PATH; an
 * empty value counts as missing, which is how to try the skip path on a machine that has it).
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { describe } from "vitest";

/** Absolute path of an executable file (a path, or a name looked up on PATH), or undefined. */
export function findExecutable(name: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? "")
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

/** The `docker-registry` binary (CNCF distribution 2.8, Debian's package), if installed. */
export function registryBinary(): string | undefined {
  const override = process.env.DOCKER_REGISTRY_BIN;
  if (override !== undefined) return override === "" ? undefined : findExecutable(override);
  return findExecutable("docker-registry") ?? findExecutable("/usr/bin/docker-registry");
}

/** `openssl`, which makes the token-signing certificate. */
export function opensslBinary(): string | undefined {
  return findExecutable("openssl") ?? findExecutable("/usr/bin/openssl");
}

/** Debian package names of the tools that are missing (empty when the harness can run). */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (registryBinary() === undefined) missing.push("docker-registry");
  if (opensslBinary() === undefined) missing.push("openssl");
  return missing;
}

/** True when `docker-registry` (and openssl) are installed. */
export function registryAvailable(): boolean {
  return missingTools().length === 0;
}

/** Why the harness cannot run, e.g. `docker-registry is not installed; install it (…) — CI installs it`. */
export function unavailableReason(): string | undefined {
  const missing = missingTools();
  if (missing.length === 0) return undefined;
  const [verb, pronoun] = missing.length === 1 ? ["is", "it"] : ["are", "them"];
  return `${missing.join(" and ")} ${verb} not installed; install ${pronoun} (apt-get install ${missing.join(" ")}) — CI installs it`;
}

/** `describe` or `describe.skip` (the narrower type of the two). */
export type RegistryDescribe = typeof describe.skip;

function chooseDescribe(): RegistryDescribe {
  const reason = unavailableReason();
  if (reason === undefined) return describe;
  if (process.env.CI === "true") {
    throw new Error(
      `${reason}. CI=true: tests that need a real registry fail instead of skipping (see .ci/run).`,
    );
  }
  process.stderr.write(`SKIPPED: ${reason}\n`);
  return describe.skip;
}

/**
 * `describe` when a real registry can run, `describe.skip` (plus one loud stderr line) when it
 * cannot; importing this with `CI=true` and the tools missing throws, failing the test file.
 */
export const describeWithRegistry: RegistryDescribe = chooseDescribe();
