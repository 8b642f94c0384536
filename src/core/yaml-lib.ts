/**
 * The yaml library, loaded on first use: a scan whose files hold no YAML to parse (most Dockerfile
 * scans) never loads it. Synchronous (`require`), because the scanner is; the same module instance
 * an `import` of "yaml" gets. Types come from `import type` where they are used.
 */
import { createRequire } from "node:module";

type Yaml = typeof import("yaml");

let lib: Yaml | undefined;

export function yaml(): Yaml {
  lib ??= createRequire(import.meta.url)("yaml") as Yaml;
  return lib;
}

export const isMap: Yaml["isMap"] = ((node: unknown) => yaml().isMap(node)) as Yaml["isMap"];
export const isScalar: Yaml["isScalar"] = ((node: unknown) =>
  yaml().isScalar(node)) as Yaml["isScalar"];
export const isSeq: Yaml["isSeq"] = ((node: unknown) => yaml().isSeq(node)) as Yaml["isSeq"];
