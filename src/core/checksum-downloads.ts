/**
 * Downloads of a located uv URL and the file each writes: `curl -o F`/`-O`/`> F`/`| tee F`,
 * `wget -O F`, `Invoke-WebRequest -Uri U -OutFile F` (and its aliases), `.DownloadFile(U, F)`.
 * Each download word reads at most MAX_ARGS words after it.
 */
import type { FlowIndex } from "./checksum-index.js";
import { baseName, fileKey, MAX_ARGS, toolOf } from "./checksum-tools.js";
import type { Download } from "./checksum-types.js";
import type { Command } from "./shell-flow.js";
import { type Word, wordKey } from "./shell-words.js";

/** Flags of curl and wget that take a value. */
const ARG_FLAGS = new Set([
  "-H",
  "--header",
  "-A",
  "--user-agent",
  "-u",
  "--user",
  "-d",
  "--data",
  "-w",
  "--write-out",
  "-e",
  "--referer",
  "-x",
  "--proxy",
  "-m",
  "--max-time",
  "--retry",
  "--retry-delay",
  "--retry-max-time",
  "--connect-timeout",
  "--proto",
  "--proto-redir",
  "--tlsv1.2",
  "-P",
  "--directory-prefix",
  "-t",
  "--tries",
  "-T",
  "--timeout",
]);

/** The downloads of uv URLs a command makes, in the order of its words. */
export function downloadsOf(c: Command, index: FlowIndex): Download[] {
  const out: Download[] = [];
  for (let i = 0; i < c.words.length; i++) {
    const tool = toolOf((c.words[i] as Word).key);
    if (tool === "curl" || tool === "wget" || tool === "iwr") {
      const d = readDownload(c, i, tool, index);
      if (d) out.push(d);
    }
  }
  const dl = downloadFile(c.text);
  if (dl) {
    const pin = index.pinAt(c.start + dl.urlAt, wordKey(dl.url));
    if (pin) out.push({ pin, out: fileKey(dl.file), command: c });
  }
  return out;
}

/**
 * `.DownloadFile(URL, FILE)`: the first call with two arguments, read by hand (each call is read
 * up to the next parenthesis, so the cost is linear in the text).
 */
function downloadFile(text: string): { url: string; urlAt: number; file: string } | null {
  const NAME = ".DownloadFile(";
  for (let at = text.indexOf(NAME); at >= 0; at = text.indexOf(NAME, at + 1)) {
    const open = at + NAME.length;
    let close = open;
    while (close < text.length && text[close] !== "(" && text[close] !== ")") close++;
    if (text[close] !== ")") continue;
    const args = text.slice(open, close);
    const comma = args.indexOf(",");
    if (comma < 0) continue;
    const url = args.slice(0, comma).trim();
    const file = args.slice(comma + 1).trim();
    if (!url || !file) continue;
    return { url, urlAt: open + args.indexOf(url), file };
  }
  return null;
}

function readDownload(
  c: Command,
  i: number,
  tool: "curl" | "wget" | "iwr",
  index: FlowIndex,
): Download | null {
  const words = c.words;
  let url: Word | null = null;
  let out: string | null = null;
  let remote = tool === "wget";
  let stdout = false;
  let j = i + 1;
  const stop = Math.min(words.length, i + MAX_ARGS);
  for (; j < stop; j++) {
    const w = words[j] as Word;
    const k = w.key;
    const next = words[j + 1];
    if (k === "|" || k === "&" || k === ";") break;
    if (tool === "iwr") {
      if (/^-outfile$/i.test(k) && next) {
        out = fileKey(next.raw);
        j++;
      } else if (/^-(?:uri|source)$/i.test(k) && next) {
        url = next;
        j++;
      } else if (/^-[A-Za-z]+$/.test(k) && next && !next.key.startsWith("-")) {
        if (!/^-(?:usebasicparsing|passthru)$/i.test(k)) j++;
      } else if (!k.startsWith("-") && !url) url = w;
      continue;
    }
    if (k === ">" && next) {
      out = fileKey(next.raw);
      j++;
    } else if (k.startsWith(">") && k.length > 1) out = fileKey(k.slice(1));
    else if (tool === "curl" && (k === "-o" || k === "--output") && next) {
      out = fileKey(next.raw);
      j++;
    } else if (tool === "curl" && /^--output=/.test(k)) out = fileKey(k.slice(9));
    else if (tool === "curl" && /^-[A-Za-z]*o$/.test(k) && next) {
      out = fileKey(next.raw);
      j++;
    } else if (tool === "curl" && (/^-[A-Za-z]*O[A-Za-z]*$/.test(k) || k === "--remote-name"))
      remote = true;
    else if (tool === "wget" && /^-[A-Za-z]*O$/.test(k) && next) {
      if (next.key === "-") stdout = true;
      else out = fileKey(next.raw);
      j++;
    } else if (tool === "wget" && /^-[A-Za-z]*O-$/.test(k)) stdout = true;
    else if (tool === "wget" && /^--output-document=/.test(k)) {
      const v = k.slice(18);
      if (v === "-") stdout = true;
      else out = fileKey(v);
    } else if (ARG_FLAGS.has(k) && next) j++;
    else if (!k.startsWith("-") && !url) url = w;
  }
  if (!url) return null;
  const pin = index.pinAt(url.start, url.key, url.end);
  if (!pin) return null;
  if (out === null && !stdout && remote) out = baseName(url.key);
  if (out === null && words[j]?.key === "|") {
    // `curl … | tee FILE`
    const tee = words[j + 1];
    const file = words[j + 2];
    if (tee && toolOf(tee.key) === "tee" && file) out = fileKey(file.raw);
  }
  return { pin, out, command: c };
}
