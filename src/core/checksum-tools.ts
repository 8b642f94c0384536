/** The commands and file names the checksum tracer recognises in shell and PowerShell words. */
import { type Word, wordKey } from "./shell-words.js";

/** How many words after a command name are read as its arguments. */
export const MAX_ARGS = 64;

export function toolOf(key: string): string | null {
  const base = baseName(key).toLowerCase();
  if (base === "curl" || base === "curl.exe") return "curl";
  if (base === "wget") return "wget";
  if (["invoke-webrequest", "iwr", "invoke-restmethod", "irm", "start-bitstransfer"].includes(base))
    return "iwr";
  if (base === "sha256sum" || base === "gsha256sum") return "sha256sum";
  if (base === "shasum") return "shasum";
  if (base === "echo" || base === "printf" || base === "tee") return base;
  return null;
}

export function baseName(key: string): string {
  const query = key.indexOf("?");
  const noQuery = query < 0 ? key : key.slice(0, query);
  return noQuery.slice(noQuery.lastIndexOf("/") + 1);
}

/** A file as a key two mentions can be compared by. */
export function fileKey(raw: string): string {
  const key = wordKey(raw);
  return key.startsWith("./") ? key.slice(2) : key;
}

/** The index of the last word `key` among the MAX_ARGS words before `before`, or -1. */
export function lastIndexBefore(words: Word[], before: number, key: string): number {
  for (let k = before - 1; k >= Math.max(0, before - MAX_ARGS); k--)
    if ((words[k] as Word).key === key) return k;
  return -1;
}
