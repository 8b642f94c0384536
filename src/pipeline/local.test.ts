import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { writeChanges } from "./local.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-write-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("writes through a temporary file, keeps the mode, and leaves no temporary file behind", async () => {
  const path = join(dir, "install.sh");
  writeFileSync(path, "uv 0.9.17\n");
  chmodSync(path, 0o755);
  const result = await writeChanges([
    { file: "install.sh", path, before: "uv 0.9.17\n", after: "uv 0.10.1\n", applied: [] },
  ]);
  expect(result).toEqual({ written: ["install.sh"], conflicts: [], skipped: [] });
  expect(readFileSync(path, "utf8")).toBe("uv 0.10.1\n");
  expect(statSync(path).mode & 0o777).toBe(0o755);
  expect(readdirSync(dir)).toEqual(["install.sh"]);
});

it("does not overwrite a file that changed on disk since it was read", async () => {
  const path = join(dir, "Dockerfile");
  writeFileSync(path, "edited by someone else\n");
  const result = await writeChanges([
    { file: "Dockerfile", path, before: "FROM x\n", after: "FROM y\n", applied: [] },
  ]);
  expect(result).toEqual({ written: [], conflicts: ["Dockerfile"], skipped: [] });
  expect(readFileSync(path, "utf8")).toBe("edited by someone else\n");
});

it("never writes through or replaces a symbolic link: skipped with the reason, target untouched", async () => {
  const target = join(dir, "real-Dockerfile");
  writeFileSync(target, "FROM x:0.9.17\n");
  const link = join(dir, "Dockerfile");
  symlinkSync(target, link);
  const result = await writeChanges([
    {
      file: "Dockerfile",
      path: link,
      before: "FROM x:0.9.17\n",
      after: "FROM x:0.9.18\n",
      applied: [],
    },
  ]);
  expect(result).toEqual({
    written: [],
    conflicts: [],
    skipped: [
      {
        file: "Dockerfile",
        reason: "a symbolic link; not written through or replaced (update the file it points to)",
      },
    ],
  });
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readlinkSync(link)).toBe(target);
  expect(readFileSync(target, "utf8")).toBe("FROM x:0.9.17\n");
});

it("creates its temporary file exclusively, with the file's mode even under a strict umask", async () => {
  const path = join(dir, "install.sh");
  writeFileSync(path, "uv 0.9.17\n");
  chmodSync(path, 0o750);
  const old = process.umask(0o077);
  try {
    await writeChanges([
      { file: "install.sh", path, before: "uv 0.9.17\n", after: "uv 0.9.18\n", applied: [] },
    ]);
  } finally {
    process.umask(old);
  }
  expect(statSync(path).mode & 0o777).toBe(0o750);
  expect(readdirSync(dir)).toEqual(["install.sh"]);
});
