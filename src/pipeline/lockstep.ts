/**
 * The pipeline's lockstep step, shared by the app and the CLI: pins that set the same uv for one
 * build (a Dockerfile ARG and the overrides that set it; see core/lockstep.ts) move together or
 * not at all. Applied at the three moments something can stop a pin: after resolving (so a group
 * that cannot move is not verified), after verifying, and after each rewrite pass (a refused
 * rewrite holds its group, and the files are rewritten without it).
 */
import { type Held, holdTogether } from "../core/lockstep.js";
import type { PolicyOptions } from "../core/policy.js";
import type { Pin } from "../core/types.js";
import {
  type AttestationMode,
  type AttestationSettings,
  type AttestDeps,
  attachAttestations,
} from "./attest.js";
import { type Plan, type ResolveDeps, type ResolveOptions, resolvePlan } from "./resolve.js";

export interface Verification {
  deps: AttestDeps;
  mode: AttestationMode;
  settings: AttestationSettings;
}

/** Resolves targets, then verifies them (unless `verify` is null), holding groups after each. */
export async function resolveVerified(
  pins: readonly Pin[],
  upstreams: ResolveDeps,
  policy: PolicyOptions,
  verify: Verification | null,
  options: ResolveOptions = {},
): Promise<Plan> {
  const plan = await resolvePlan(pins, upstreams, policy, options);
  holdTogether(plan.updates, plan.held ?? []);
  if (verify) {
    await attachAttestations(plan, verify.deps, verify.mode, verify.settings);
    holdTogether(plan.updates, plan.held ?? []);
  }
  return plan;
}

/** Passes before giving up on a group that keeps growing (each pass can only block more). */
const MAX_PASSES = 4;

/**
 * Rewrites until no more updates are held: `rewrite` applies the unblocked updates (marking the
 * ones it refuses as blocked, or returning them as `held`); each refusal holds its group, then
 * the files are rewritten without it.
 */
export async function rewriteInLockstep<T>(
  plan: Pick<Plan, "updates" | "held">,
  rewrite: () => Promise<{ result: T; held: readonly Held[] }>,
): Promise<T> {
  const blocked = () => plan.updates.filter((u) => u.blocked).length;
  for (let pass = 1; ; pass++) {
    const { result, held } = await rewrite();
    const before = blocked();
    holdTogether(plan.updates, [...(plan.held ?? []), ...held]);
    if (blocked() === before || pass >= MAX_PASSES) return result;
  }
}
