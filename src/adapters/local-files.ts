/** Reading a local checkout: walking directories and loading the files that can hold uv pins. */
import { lstat, open, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

export const MAX_FILE_BYTES = 1024 * 1024;
const SKIP_DIRS = new Set([".git", "node_modules"]);

export interface LocalFile {
  /** Absolute or as-given path used to read the file. */
  path: string;
  /** The path reported to users: relative to the directory argument, `/`-separated. */
  name: string;
}

/** Every regular file under `root`, sorted, skipping `.git`, `node_modules` and symbolic links. */
export async function* walk(
  root: string,
  accept: (name: string) => boolean,
  dir: string = root,
): AsyncGenerator<LocalFile> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(root, accept, path);
    } else if (entry.isFile()) {
      const name = toName(relative(root, path));
      if (accept(name)) yield { path, name };
    }
  }
}

function toName(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

export type Loaded = { ok: true; text: string } | { ok: false; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads a file as UTF-8 text; refuses files over 1 MiB and binary files. */
export async function readText(path: string): Promise<Loaded> {
  const info = await lstat(path);
  if (info.size > MAX_FILE_BYTES) return { ok: false, reason: "larger than 1 MiB, not read" };
  const handle = await open(path, "r");
  try {
    const bytes = await handle.readFile();
    if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: "binary file, not read" };
    try {
      return { ok: true, text: decoder.decode(bytes) };
    } catch {
      return { ok: false, reason: "not UTF-8 text, not read" };
    }
  } finally {
    await handle.close();
  }
}
