/**
 * One repository of a sweep, at the least cost GitHub allows:
 * - the installation's listing already said default branch and archived: no `GET /repos/{o}/{r}`;
 * - the organisation's fallback config (`{owner}/.github`) is read once per sweep, not per
 *   repository (`SweepScratch.once`), a missing one too;
 * - an unchanged repository costs one conditional request: the last sweep kept the ETag of the
 *   default branch's tree listing and what it saw (pins, config, the upstreams' answers). A 304
 *   skips the repository only when a run now would do what that run did: the config is the same
 *   (its own file is in the unchanged tree; the organisation's fallback is compared by hash),
 *   and the upstreams still answer the same for the pins it saw (the targets are resolved again,
 *   through the shared lookup cache: a new uv release changes them, and the repository runs).
 *   Only outcomes that need nothing more are kept (up to date, a PR showing this plan, a declined
 *   plan); a blocked update, a failure or an invalid config never skip the next sweep.
 */
import { createHash } from "node:crypto";
import { type KnownRepository, type Listing, readTopTree } from "../adapters/github-files.js";
import type { GitHub } from "../adapters/github-prs.js";
import type { Upstreams } from "../adapters/upstreams.js";
import { type Config, policyFrom, validateConfig } from "../core/config.js";
import type { Pin } from "../core/types.js";
import { resolveVerified } from "../pipeline/lockstep.js";
import type { RunDeps, RunOutcome, RunSeen } from "../pipeline/run-repository.js";
import { upstreamPrint } from "../pipeline/run-repository.js";
import type { KeyValueStore, SweepRepoTask, SweepScratch } from "./cluster/coordinator.js";
import { repoKey } from "./cluster/coordinator.js";
import { type ConfigSource, readOrgConfig } from "./load-config.js";
import { dueOnSweep } from "./schedule.js";

/** How long a repository's sweep state is kept without a sweep renewing it. */
export const SWEEP_STATE_TTL_MS = 30 * 24 * 3600_000;
/** A state bigger than this (a repository with hundreds of pins) is not kept. */
export const MAX_STATE_BYTES = 256 * 1024;
const KEPT: readonly string[] = [
  "up-to-date",
  "created",
  "updated",
  "unchanged",
  "declined",
  "left-alone",
];

interface SavedState {
  v: 1;
  branch: string;
  etag: string;
  source: Exclude<ConfigSource, "extends">;
  /** sha256 of the organisation's fallback text ("" when there is none), for `org`/`none`. */
  org: string | null;
  config: unknown;
  pins: Pin[];
  upstream: string;
}

/** A loaded configuration, as the caller keeps it (valid: config and where it came from). */
type Loaded = { ok: true; config: Config; source: ConfigSource } | { ok: false };

export type SweepRepoResult<L extends Loaded> =
  | { kind: "not-modified" }
  | { kind: "not-due" }
  | { kind: "ran"; loaded: L; result: RunOutcome | null };

export interface SweepRepoDeps<L extends Loaded> {
  octokit: GitHub;
  state: KeyValueStore;
  scratch: SweepScratch | null;
  sweepPattern: string;
  now: () => Date;
  upstreams: Pick<Upstreams, "registry" | "releases">;
  loadConfig(options: { orgConfig?: () => Promise<string | null> }): Promise<L>;
  /** The shared run with the config loaded here and these extras (null: the config is invalid). */
  run(loaded: L, extra: Partial<RunDeps>): Promise<RunOutcome | null>;
}

export async function sweepRepository<L extends Loaded>(
  task: SweepRepoTask,
  deps: SweepRepoDeps<L>,
): Promise<SweepRepoResult<L>> {
  const repo = { owner: task.owner, repo: task.repo };
  const key = `${task.installationId}:${repoKey(task.owner, task.repo)}`;
  const known: KnownRepository | undefined =
    task.defaultBranch !== undefined
      ? { defaultBranch: task.defaultBranch, archived: false, nodeId: task.nodeId ?? "" }
      : undefined;
  const scratch = deps.scratch;
  const readOrg = () => readOrgConfig(deps.octokit, task.owner);
  const orgConfig = scratch
    ? () => scratch.once(`org:${task.installationId}:${task.owner.toLowerCase()}`, readOrg)
    : undefined;

  let listing: Listing | undefined;
  const saved = parseState(await deps.state.get(key).catch(() => null));
  if (saved && known?.defaultBranch === saved.branch) {
    const probe = await readTopTree(deps.octokit, repo, saved.branch, saved.etag);
    if (probe.status === "ok") listing = probe.listing;
    else if (await unchanged(saved, deps, orgConfig ?? readOrg)) return { kind: "not-modified" };
  }

  const loaded = await deps.loadConfig(orgConfig ? { orgConfig } : {});
  if (loaded.ok && !dueOnSweep(loaded.config.schedule, deps.sweepPattern, deps.now()))
    return { kind: "not-due" };
  let seen: RunSeen | undefined;
  const result = await deps.run(loaded, {
    ...(known ? { repository: known } : {}),
    ...(listing ? { listing } : {}),
    observe: (s) => {
      seen = s;
    },
  });
  if (loaded.ok && seen?.etag && known?.defaultBranch && result && keep(result)) {
    const source = loaded.source;
    if (source !== "extends") {
      const org = source === "own" ? null : hashOf(await (orgConfig ?? readOrg)());
      const state: SavedState = {
        v: 1,
        branch: known.defaultBranch,
        etag: seen.etag,
        source,
        org,
        config: loaded.config,
        pins: seen.pins,
        upstream: seen.upstream,
      };
      const text = JSON.stringify(state);
      if (text.length <= MAX_STATE_BYTES)
        await deps.state.set(key, text, SWEEP_STATE_TTL_MS).catch(() => undefined);
    }
  }
  return { kind: "ran", loaded, result };
}

/** A run's outcome that needs nothing more while nothing changes. */
function keep(result: RunOutcome): boolean {
  if (!KEPT.includes(result.status)) return false;
  return !("plan" in result) || result.plan.updates.every((u) => !u.blocked);
}

/** Whether a run now would plan what the saved one did (the tree answered 304). */
async function unchanged(
  saved: SavedState & { parsed: Config },
  deps: Pick<SweepRepoDeps<Loaded>, "sweepPattern" | "now" | "upstreams">,
  orgConfig: () => Promise<string | null>,
): Promise<boolean> {
  if (saved.source !== "own" && hashOf(await orgConfig()) !== saved.org) return false;
  const config = saved.parsed;
  // Not due this firing: skipped either way.
  if (!dueOnSweep(config.schedule, deps.sweepPattern, deps.now())) return true;
  // As the run resolves (groups held together), without verifying: see `keep`.
  const resolved = await resolveVerified(
    saved.pins,
    deps.upstreams,
    policyFrom(config, deps.now()),
    null,
    { subjects: config.attestations !== "off" },
  );
  return upstreamPrint(resolved) === saved.upstream;
}

function parseState(text: string | null): (SavedState & { parsed: Config }) | null {
  if (!text) return null;
  try {
    const state = JSON.parse(text) as SavedState;
    if (state.v !== 1 || typeof state.etag !== "string" || !Array.isArray(state.pins)) return null;
    const config = validateConfig(state.config);
    return config.ok ? { ...state, parsed: config.config } : null;
  } catch {
    return null;
  }
}

const hashOf = (text: string | null) =>
  text === null ? "" : createHash("sha256").update(text).digest("hex");
