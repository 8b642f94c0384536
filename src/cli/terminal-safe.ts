/**
 * What the CLI prints reaches a terminal, and much of it comes from scanned files (pin text, file
 * names, reasons quoting a line) or from upstreams (release notes, error texts). Control
 * characters there could move the cursor, rewrite earlier lines, retitle the window or hide text
 * (ESC sequences, CSI, backspace, a lone carriage return, Unicode bidi overrides), so every one is
 * shown as an escape instead: `\x1b`, `\u009b`, `\u202e`. Line breaks, tabs and CRLF line ends
 * stay as they are. One pass, linear time.
 */

// C0 controls except \t and \n, DEL, C1 controls, bidi embeddings/overrides/isolates, and a \r
// that does not end a CRLF line.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * `value` as JSON (two-space indent) for `--json`: valid JSON that carries no raw control
 * character either. JSON.stringify leaves DEL, C1 controls and bidi overrides raw in strings, and
 * `terminalSafe`'s `\x7f` is no JSON escape, so they are written as `\u007f`, `\u009b`, `\u202e`
 * (which `JSON.parse` reads back as the same characters; `terminalSafe` leaves them alone).
 */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`.replace(
    UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
