/**
 * `required-version` in `pyproject.toml` (under `[tool.uv]`) and `uv.toml` (top level), read line
 * by line so that the span of the string value is exact. Understands `[table]` and `[[array]]`
 * headers, quoted and dotted keys (`uv.required-version` under `[tool]`), comments, and skips
 * the inside of multi-line strings. The value is reported as written (`>=0.5` stays `>=0.5`).
 */
import { expand } from "./expand.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin } from "./types.js";

const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"[^"\r\n]*"|'[^'\r\n]*')`;
const KEY = String.raw`${KEY_PART}(?:[ \t]*\.[ \t]*${KEY_PART})*`;
const HEADER = new RegExp(String.raw`^[ \t]*(\[\[?)[ \t]*(${KEY})[ \t]*(\]\]?)[ \t]*(?:#.*)?$`);
const ASSIGN = new RegExp(
  String.raw`^[ \t]*(${KEY})[ \t]*=[ \t]*(?:"([^"\\\r\n]*)"|'([^'\r\n]*)')[ \t]*(?:#.*)?$`,
  "d",
);

export function extractToml(ctx: FileContext, table: "tool.uv" | ""): Pin[] {
  const pins: Pin[] = [];
  const wanted = [...(table ? table.split(".") : []), "required-version"].join("\u0000");
  let current: string[] = [];
  let multiline: string | null = null;
  let offset = 0;
  for (const raw of ctx.text.split(/(?<=\n)/)) {
    const line = raw.replace(/\r?\n$/, "");
    const lineStart = offset;
    offset += raw.length;
    if (multiline) {
      if (count(line, multiline) % 2 === 1) multiline = null;
      continue;
    }
    const header = HEADER.exec(line);
    if (header) {
      if ((header[1] ?? "").length === (header[3] ?? "").length) current = keyParts(header[2]);
      continue;
    }
    const m = ASSIGN.exec(line);
    if (m?.indices) {
      const path = [...current, ...keyParts(m[1])].join("\u0000");
      const value = m.indices[2] ?? m.indices[3];
      if (path === wanted && value) {
        const [s, e] = value;
        const exp = expand(ctx.text, lineStart + s, lineStart + e, { lookup: () => undefined });
        pins.push(versionPin(ctx, exp, ctx.lines.lineOf(lineStart + s)));
      }
      continue;
    }
    for (const quote of ['"""', "'''"]) if (count(line, quote) % 2 === 1) multiline = quote;
  }
  return pins;
}

/** The parts of a dotted key, unquoted: `tool . "uv"` is `["tool", "uv"]`. */
function keyParts(key: string | undefined): string[] {
  const parts: string[] = [];
  for (const m of (key ?? "").matchAll(new RegExp(KEY_PART, "g"))) {
    parts.push(m[0].replace(/^(["'])(.*)\1$/, "$2"));
  }
  return parts;
}

function count(line: string, needle: string): number {
  return line.split(needle).length - 1;
}
