/**
 * The walk and the reads use few system calls: one readdir (with file types) per directory, no
 * stat or lstat per file, and only candidate files are opened, each read once. Counted through
 * the `node:fs` functions the module calls, so the counts are exact.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const calls: string[] = [];
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const counted =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      calls.push(name);
      return fn(...args);
    };
  return {
    ...fs,
    readdirSync: counted("readdir", fs.readdirSync),
    openSync: counted("open", fs.openSync),
    readSync: counted("read", fs.readSync),
    closeSync: counted("close", fs.closeSync),
    statSync: counted("stat", fs.statSync),
    lstatSync: counted("lstat", fs.lstatSync),
    fstatSync: counted("fstat", fs.fstatSync),
  };
});

const { MAX_FILE_BYTES, readText, walk } = await import("./local-files.js");
const { fileKind } = await import("../core/file-kind.js");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "uv-pin-bot-walk-"));
  const put = (rel: string, text: string | Buffer) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put("Dockerfile", "FROM ghcr.io/astral-sh/uv:0.9.17\n");
  put("svc/a/Dockerfile", "FROM python:3.12\n");
  put("svc/a/main.py", "print('uv')\n");
  put("svc/b/README.md", "# b\n");
  put("svc/b/ci.yml", "on: push\n");
  put("node_modules/x/Dockerfile", "FROM x\n");
  put(".git/config", "[core]\n");
  put("big/Dockerfile", Buffer.alloc(MAX_FILE_BYTES + 10, 65));
  put("bin/run.sh", Buffer.from([0x23, 0x21, 0, 1, 2]));
  symlinkSync(join(root, "Dockerfile"), join(root, "svc/Dockerfile"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("walk + readText", () => {
  it("one readdir per directory, no stat per file, opens only candidates, one read each", () => {
    calls.length = 0;
    const files = [...walk(root, (name) => fileKind(name) !== null)];
    expect(files.map((f) => f.name)).toEqual([
      "Dockerfile",
      "big/Dockerfile",
      "bin/run.sh",
      "svc/a/Dockerfile",
      "svc/b/ci.yml",
    ]);
    // root, big, bin, svc, svc/a, svc/b (node_modules and .git are not entered).
    expect(calls).toEqual(Array(6).fill("readdir"));

    calls.length = 0;
    const loaded = files.map((f) => readText(f.path));
    expect(loaded).toEqual([
      { ok: true, text: "FROM ghcr.io/astral-sh/uv:0.9.17\n" },
      { ok: false, reason: "larger than 1 MiB, not read" },
      { ok: false, reason: "binary file, not read" },
      { ok: true, text: "FROM python:3.12\n" },
      { ok: true, text: "on: push\n" },
    ]);
    // open, read, close per file; no stat of any kind.
    expect(calls).toEqual(files.flatMap(() => ["open", "read", "close"]));
  });
});
