/**
 * `required-version` in `pyproject.toml` (under `[tool.uv]`) and `uv.toml` (top level), read line
 * by line so that the span of the string value is exact.
 */
import { expand } from "./expand.js";
import { type FileContext, versionPin } from "./pins.js";
import type { Pin } from "./types.js";

const HEADER = /^[ \t]*\[\s*([^\]\s]+)\s*\][ \t]*(?:#.*)?$/;
const REQUIRED = /^[ \t]*(?:"required-version"|required-version)[ \t]*=[ \t]*(["'])([^"'\r\n]*)\1/;

export function extractToml(ctx: FileContext, table: "tool.uv" | ""): Pin[] {
  const pins: Pin[] = [];
  let current = "";
  let offset = 0;
  for (const raw of ctx.text.split(/(?<=\n)/)) {
    const line = raw.replace(/\r?\n$/, "");
    const header = HEADER.exec(line);
    if (header) current = (header[1] ?? "").replace(/["']/g, "");
    else if (current === table) {
      const m = REQUIRED.exec(line);
      if (m) {
        const start = offset + m[0].length - 1 - (m[2] ?? "").length;
        const exp = expand(ctx.text, start, start + (m[2] ?? "").length, {
          lookup: () => undefined,
        });
        pins.push(versionPin(ctx, exp, ctx.lines.lineOf(start)));
      }
    }
    offset += raw.length;
  }
  return pins;
}
