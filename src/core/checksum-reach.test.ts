/**
 * Which writes of a file a read sees (`checksum-reach.ts`), and what the tracer does where the
 * answer is too large to follow or the branches nest too deep: the pins are held, never tied by a
 * guess.
 */
import { describe, expect, it } from "vitest";
import { MAX_REACH, reaching, type Write } from "./checksum-reach.js";
import { scanText } from "./extract.js";
import type { Branch } from "./shell-flow.js";

const branch = (key: string, parent: Branch | null = null): Branch => ({
  key,
  subject: null,
  pattern: null,
  parent,
});
const w = (at: number, b: Branch | null = null, appends = false): Write => ({
  at,
  branch: b,
  appends,
});

describe("reaching", () => {
  it("a write that surely ran hides the writes before it", () => {
    const writes = [w(1), w(5), w(9)];
    expect(reaching(writes, 7, null, true)).toEqual({ seen: [writes[1]], overflow: false });
    expect(reaching(writes, 5, null, true)).toEqual({ seen: [writes[1]], overflow: false });
  });

  it("a write in a branch the read is not inside of may not have run: the walk goes on", () => {
    const a = branch("arch=x86_64");
    const b = branch("arch=aarch64");
    const writes = [w(1), w(3, a), w(5, b)];
    expect(reaching(writes, 9, null, true).seen).toEqual(writes);
    // Inside the same branch, the branch's own write surely ran.
    expect(reaching(writes, 9, b, true).seen).toEqual([writes[2]]);
    // A read nested inside the branch sees it as surely run too.
    expect(reaching(writes, 9, branch("x=1", b), true).seen).toEqual([writes[2]]);
  });

  it("an appending write keeps the writes before it", () => {
    const writes = [w(1), w(3, null, true), w(5, null, true)];
    expect(reaching(writes, 9, null, false).seen).toEqual(writes);
  });

  it("a read before every write sees the first writes after it, only when asked", () => {
    const a = branch("a");
    const writes = [w(5, a), w(7), w(9)];
    expect(reaching(writes, 2, null, true).seen).toEqual([writes[0], writes[1]]);
    expect(reaching(writes, 2, null, false).seen).toEqual([]);
  });

  it(`stops past ${MAX_REACH} writes and says so`, () => {
    const writes = Array.from({ length: MAX_REACH + 1 }, (_, i) => w(i, branch(`a=${i}`)));
    const got = reaching(writes, 100, null, true);
    expect(got.overflow).toBe(true);
    expect(got.seen).toEqual(writes.slice(1));
  });
});

const H = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
const URL =
  "https://github.com/astral-sh/uv/releases/download/0.9.17/uv-x86_64-unknown-linux-gnu.tar.gz";

describe("too much to follow holds the pins", () => {
  it(`more than ${MAX_REACH} downloads that may be what a check reads`, () => {
    const arms = Array.from(
      { length: MAX_REACH + 1 },
      (_, i) => `  a${i}) curl -o uv.tgz ${URL} ;;`,
    );
    const text = `#!/bin/sh\ncase "$arch" in\n${arms.join("\n")}\nesac\necho "${H}  uv.tgz" | sha256sum -c -\n`;
    const { pins } = scanText("install.sh", text);
    expect(pins).toHaveLength(MAX_REACH + 1);
    expect(new Set(pins.map((p) => [p.form, p.hold].join(" ")))).toEqual(
      new Set([
        `url more than ${MAX_REACH} downloads of uv.tgz may be what the check at install.sh:${MAX_REACH + 5} reads`,
      ]),
    );
  });

  it(`${MAX_REACH} such downloads are all tied`, () => {
    const arms = Array.from({ length: MAX_REACH }, (_, i) => `  a${i}) curl -o uv.tgz ${URL} ;;`);
    const text = `#!/bin/sh\ncase "$arch" in\n${arms.join("\n")}\nesac\necho "${H}  uv.tgz" | sha256sum -c -\n`;
    const { pins } = scanText("install.sh", text);
    expect(pins.map((p) => [p.form, p.hold ?? null, p.checksums?.length])).toEqual(
      pins.map(() => ["url+checksum", null, 1]),
    );
  });

  it("a checksum chosen among more than 64 branches is not read", () => {
    const arms = Array.from({ length: 65 }, (_, i) => `  a${i}) S=${H} ;;`);
    const text = `#!/bin/sh\ncase "$arch" in\n${arms.join("\n")}\nesac\ncurl -o uv.tgz ${URL}\necho "$S  uv.tgz" | sha256sum -c -\n`;
    const { pins } = scanText("install.sh", text);
    expect(pins.map((p) => [p.form, p.hold])).toEqual([
      ["url", "its checksum cannot be read: install.sh:70"],
    ]);
  });

  it("case/if nested deeper than 64 levels", () => {
    const open = Array.from({ length: 65 }, (_, i) => `if [ "$a" = ${i} ]; then`).join("\n");
    const close = Array.from({ length: 65 }, () => "fi").join("\n");
    const text = `#!/bin/sh\n${open}\ncurl -o uv.tgz ${URL}\necho "${H}  uv.tgz" | sha256sum -c -\n${close}\n`;
    const { pins } = scanText("install.sh", text);
    expect(pins.map((p) => [p.form, p.hold])).toEqual([
      [
        "url",
        "its checksums cannot be traced: `case`/`if` nest deeper than 64 levels in this file",
      ],
    ]);
  });
});
