/**
 * Reading a local checkout: walking directories and loading the files that can hold uv pins, with
 * few system calls: one `readdir` with file types per directory (no `lstat` per entry), and per
 * candidate file an `open`, one `read` into a reused buffer (a short read is the end of a regular
 * file) and a `close`. Synchronous on purpose: for many small files in the page cache this is far
 * cheaper than the thread-pool round trips of the asynchronous calls, and the CLI has nothing
 * else to do meanwhile.
 */
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";

export const MAX_FILE_BYTES = 1024 * 1024;
const SKIP_DIRS = new Set([".git", "node_modules"]);

export interface LocalFile {
  /** Absolute or as-given path used to read the file. */
  path: string;
  /** The path reported to users: relative to the directory argument, `/`-separated. */
  name: string;
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Every regular file under `root`, sorted, skipping `.git`, `node_modules` and symbolic links. */
export function walk(root: string, accept: (name: string) => boolean): LocalFile[] {
  const out: LocalFile[] = [];
  walkInto(out, accept, root, "");
  return out;
}

/** Appends to `out` (a generator's `yield*` costs a step per level for every file). */
function walkInto(
  out: LocalFile[],
  accept: (name: string) => boolean,
  dir: string,
  prefix: string,
): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort(byName);
  for (const entry of entries) {
    // The reported name is built as the walk goes down (no `relative` per file); the path only
    // for what is kept.
    const name = prefix + entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walkInto(out, accept, join(dir, entry.name), `${name}/`);
    } else if (entry.isFile()) {
      if (accept(name)) out.push({ path: join(dir, entry.name), name });
    }
  }
}

export type Loaded = { ok: true; text: string } | { ok: false; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** One byte more than the limit, so that a larger file shows itself without a `stat`. */
let buffer: Buffer | undefined;

/** Reads a file as UTF-8 text; refuses files over 1 MiB and binary files. */
export function readText(path: string): Loaded {
  buffer ??= Buffer.allocUnsafe(MAX_FILE_BYTES + 1);
  const fd = openSync(path, "r");
  let size = 0;
  try {
    while (size < buffer.length) {
      const want = buffer.length - size;
      const n = readSync(fd, buffer, size, want, null);
      size += n;
      if (n < want) break;
    }
  } finally {
    closeSync(fd);
  }
  if (size > MAX_FILE_BYTES) return { ok: false, reason: "larger than 1 MiB, not read" };
  const bytes = buffer.subarray(0, size);
  if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: "binary file, not read" };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: "not UTF-8 text, not read" };
  }
}
