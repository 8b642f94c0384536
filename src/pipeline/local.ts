/**
 * The CLI's pipeline over a local checkout: config → scan → resolve → (rewrite → write). The same
 * core and adapters as the app; "ensure PR" is replaced by writing files or printing the plan.
 */
import { randomBytes } from "node:crypto";
import { lstat, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Upstreams } from "../adapters/upstreams.js";
import { type Config, pathFilter, policyFrom } from "../core/config.js";
import type { Held } from "../core/lockstep.js";
import { scanOptionsFor } from "../core/mirrors.js";
import { rewriteFile } from "../core/rewrite.js";
import type { ScanOptions, Skipped, Update } from "../core/types.js";
import type { AttestDeps } from "./attest.js";
import { loadConfig } from "./load-config.js";
import { resolveVerified, rewriteInLockstep } from "./lockstep.js";
import type { Plan, PlannedUpdate } from "./resolve.js";
import { firstDirectory, scanPaths } from "./scan-paths.js";

export { CONFIG_PATH, loadConfig } from "./load-config.js";

export interface LocalPlan extends Plan {
  locations: Map<string, string>;
  config: Config;
  /** What the files were scanned with; the rewriter reads them with the same. */
  scanOptions?: ScanOptions;
}

/** Scans and resolves one repository (a directory, or files) with its configuration. */
export async function planLocal(
  paths: readonly string[],
  upstreams: Pick<Upstreams, "registry" | "releases">,
  options: { configFile?: string; now: Date; attest?: AttestDeps | null },
): Promise<LocalPlan> {
  const dir = await firstDirectory(paths);
  const config = await loadConfig(dir, options.configFile);
  const accept = pathFilter(config);
  const scan = await scanPaths(paths, { ...scanOptionsFor(config.images), accept });
  const verify = options.attest
    ? { deps: options.attest, mode: config.attestations, settings: config.attestationPolicy }
    : null;
  const plan = await resolveVerified(
    scan.pins,
    upstreams,
    policyFrom(config, options.now),
    verify,
    {
      subjects: Boolean(options.attest) && config.attestations !== "off",
    },
  );
  // A pin the scanner could not read is reported once, by the scanner.
  const seen = new Set(scan.skipped.map((s) => `${s.file}:${s.line}`));
  const skipped: Skipped[] = [
    ...scan.skipped,
    ...plan.skipped.filter((s) => !seen.has(`${s.file}:${s.line}`)),
  ];
  return {
    ...plan,
    skipped,
    locations: scan.locations,
    config,
    ...(scan.options ? { scanOptions: scan.options } : {}),
  };
}

export interface FileChange {
  file: string;
  path: string;
  before: string;
  after: string;
  applied: PlannedUpdate[];
}

export interface ApplyResult {
  changes: FileChange[];
  /** Updates that could not be written, with the reason. */
  refused: Skipped[];
}

/**
 * Rewrites each file with its unblocked updates (in memory); nothing is written here. An update
 * the rewriter refuses holds back the pins that must move with it (see `holdTogether`), and the
 * files are rewritten again without them.
 */
export async function rewriteLocal(plan: LocalPlan): Promise<ApplyResult> {
  return rewriteInLockstep(plan, () => rewriteOnce(plan));
}

async function rewriteOnce(plan: LocalPlan): Promise<{ result: ApplyResult; held: Held[] }> {
  const held: Held[] = [];
  const byFile = new Map<string, PlannedUpdate[]>();
  for (const u of plan.updates) {
    if (u.blocked) continue;
    const list = byFile.get(u.pin.file) ?? [];
    list.push(u);
    byFile.set(u.pin.file, list);
  }
  const result: ApplyResult = { changes: [], refused: [] };
  for (const [file, updates] of byFile) {
    const path = plan.locations.get(file) ?? file;
    const before = await readFile(path, "utf8");
    const rewrite = rewriteFile(
      file,
      before,
      updates.map((u): Update => ({ pin: u.pin, target: u.target })),
      plan.scanOptions ?? scanOptionsFor(plan.config.images),
    );
    for (const r of rewrite.refused) {
      result.refused.push({ file, line: r.update.pin.line, reason: r.reason });
      held.push({ pin: r.update.pin, reason: r.reason });
    }
    if (rewrite.error) {
      for (const u of updates) {
        result.refused.push({ file, line: u.pin.line, reason: rewrite.error });
        held.push({ pin: u.pin, reason: rewrite.error });
      }
      continue;
    }
    if (rewrite.changed) {
      const applied = updates.filter((u) => rewrite.applied.some((a) => a.pin === u.pin));
      result.changes.push({ file, path, before, after: rewrite.text, applied });
    }
  }
  return { result, held };
}

/**
 * Writes changed files, each through a temporary file and a rename. A file that changed on disk
 * since it was read is not overwritten (reported instead). A symbolic link is neither written
 * through nor replaced (skipped, with the reason): where it points is not this checkout's to
 * change. The temporary file is created exclusively (`wx`: an existing file or link of that name
 * is never followed or reused) with a random name, and gets the original file's mode.
 */
export async function writeChanges(changes: readonly FileChange[]): Promise<{
  written: string[];
  conflicts: string[];
  skipped: { file: string; reason: string }[];
}> {
  const written: string[] = [];
  const conflicts: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const change of changes) {
    const info = await lstat(change.path);
    if (info.isSymbolicLink() || !info.isFile()) {
      skipped.push({
        file: change.file,
        reason: info.isSymbolicLink()
          ? "a symbolic link; not written through or replaced (update the file it points to)"
          : "not a regular file; not written",
      });
      continue;
    }
    const now = await readFile(change.path, "utf8");
    if (now !== change.before) {
      conflicts.push(change.file);
      continue;
    }
    const mode = info.mode & 0o7777;
    const temp = join(
      dirname(change.path),
      `.uv-pin-bot-${process.pid}-${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(change.after, "utf8");
        await handle.chmod(mode);
      } finally {
        await handle.close();
      }
      await rename(temp, change.path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    written.push(change.file);
  }
  return { written, conflicts, skipped };
}
