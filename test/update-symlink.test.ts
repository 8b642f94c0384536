/**
 * `uv-pin-bot update PATH` where PATH is a symbolic link: the file it points to is read (its pins
 * are shown) but nothing is written through the link or over it; the reason is said, exit 1.
 * uv's releases under nock; attestations off (a version pin's verification is tested elsewhere).
 */
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { beforeEach, describe, expect, it } from "vitest";
import { offlineCli, releasesResponse } from "./cli-run.js";

const SCRIPT = (v: string) => `#!/bin/sh\npip install uv==${v}\n`;

describe("update given a symbolic link on the command line", () => {
  const offline = offlineCli();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-symlink-"));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("skips it with the reason; the link and the file it points to are untouched", async () => {
    const target = join(dir, "real-install.sh");
    const link = join(dir, "install.sh");
    const config = join(dir, "uv-pin-bot.yml");
    writeFileSync(target, SCRIPT("0.9.17"));
    symlinkSync(target, link);
    writeFileSync(config, "attestations: off\n");
    nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(
        200,
        releasesResponse([
          { v: "0.9.18", age: 10 },
          { v: "0.9.17", age: 30 },
        ]),
      );

    const r = await offline.cli(["update", link, "--config", config]);
    expect(r).toEqual({
      code: 1,
      // There was a change to make: it is the writing that was refused.
      out: "Nothing written.\n",
      err: `uv-pin-bot: ${link}: not updated: a symbolic link; not written through or replaced (update the file it points to)\n`,
    });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toBe(SCRIPT("0.9.17"));
    expect(nock.pendingMocks()).toEqual([]);

    // The file itself, named directly, is updated: the plan was there, only the link was refused.
    nock("https://api.github.com")
      .get("/repos/astral-sh/uv/releases")
      .query(true)
      .reply(
        200,
        releasesResponse([
          { v: "0.9.18", age: 10 },
          { v: "0.9.17", age: 30 },
        ]),
      );
    const direct = await offline.cli(["update", target, "--config", config]);
    expect({ code: direct.code, err: direct.err }).toEqual({ code: 0, err: "" });
    expect(readFileSync(target, "utf8")).toBe(SCRIPT("0.9.18"));
  });
});
