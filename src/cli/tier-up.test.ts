import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { INTERRUPT_BUDGET, tierUpFlags } from "./tier-up.js";

describe("tierUpFlags", () => {
  it("raises the interrupt budget on V8 11 (Node 20) only", () => {
    expect(tierUpFlags("11.3.244.8-node.38")).toBe(`--interrupt-budget=${INTERRUPT_BUDGET}`);
    expect(tierUpFlags("12.4.254.21-node.33")).toBeNull();
    expect(tierUpFlags("13.6.233.17-node.63")).toBeNull();
    expect(tierUpFlags("")).toBeNull();
  });

  it("names a flag the running V8 accepts quietly (V8 prints an error for an unknown one)", () => {
    const flags = tierUpFlags(process.versions.v8);
    const script = `require("node:v8").setFlagsFromString(${JSON.stringify(flags ?? "--no-such-flag-here")})`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    const printed = run.stdout + run.stderr;
    if (flags === null) expect(printed).toMatch(/unrecognized flag/);
    else expect(printed).toBe("");
  });
});
