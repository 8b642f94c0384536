/**
 * The real-registry harness needs Debian's `docker-registry` (CNCF distribution 2.8) and
 * `openssl` (the token-signing certificate). Missing packages skip (outside CI) or fail (in CI)
 * through the shared helper, test/system-packages.ts.
 *
 * `DOCKER_REGISTRY_BIN` overrides where the binary is looked up (a path or a name on PATH; an
 * empty value counts as missing, which is how to try the skip path on a machine that has it).
 */
import {
  describeWithPackages,
  installHint,
  missingPackages,
  packageBinary,
  type SystemPackage,
} from "../system-packages.js";

export const REGISTRY_PACKAGES: readonly SystemPackage[] = ["docker-registry", "openssl"];

/** The `docker-registry` binary, if installed. */
export function registryBinary(): string | undefined {
  return packageBinary("docker-registry");
}

/** `openssl`, which makes the token-signing certificate. */
export function opensslBinary(): string | undefined {
  return packageBinary("openssl");
}

/** Why the harness cannot run (the missing packages and the install command), or undefined. */
export function unavailableReason(): string | undefined {
  const missing = missingPackages(REGISTRY_PACKAGES);
  return missing.length === 0 ? undefined : installHint(missing);
}

/** `describe` for tests that need a real registry (see test/system-packages.ts). */
export function describeWithRegistry(name: string, body: () => void): void {
  describeWithPackages(REGISTRY_PACKAGES, name, body);
}
