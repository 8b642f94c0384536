import { describe, expect, it } from "vitest";
import { terminalSafe } from "./terminal-safe.js";

describe("terminalSafe", () => {
  it("shows control characters as escapes; keeps line breaks, tabs and CRLF", () => {
    expect(terminalSafe("a\tb\nc\r\nd")).toBe("a\tb\nc\r\nd");
    expect(terminalSafe("\u001b]0;pwned\u0007title")).toBe("\\x1b]0;pwned\\x07title");
    expect(terminalSafe("ok\rFAKE")).toBe("ok\\x0dFAKE");
    expect(terminalSafe("\u009b31m red \u001b[2J")).toBe("\\x9b31m red \\x1b[2J");
    expect(terminalSafe("abc\u202eevil\u2066")).toBe("abc\\u202eevil\\u2066");
    expect(terminalSafe("back\bspace\u007f")).toBe("back\\x08space\\x7f");
    expect(terminalSafe("uv 0.9.17 – é ✓")).toBe("uv 0.9.17 – é ✓");
  });
});
