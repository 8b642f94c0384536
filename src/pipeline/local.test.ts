import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
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
  expect(result).toEqual({ written: ["install.sh"], conflicts: [] });
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
  expect(result).toEqual({ written: [], conflicts: ["Dockerfile"] });
  expect(readFileSync(path, "utf8")).toBe("edited by someone else\n");
});
