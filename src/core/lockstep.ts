/**
 * Pins that set the same uv for one build move together or not at all. A build-time override
 * (`--build-arg UV_VERSION=…`, compose `args:`, build-push-action `build-args:`) and the
 * Dockerfile pins that read the ARG it sets form a group: when one of them cannot move (skipped by
 * the policy, or its update blocked), the others' updates are blocked too, with the reason. An
 * override that moved alone would change the version the build runs without the Dockerfile's
 * checksums; a Dockerfile that moved alone would change nothing that runs. Pure.
 */
import { fileKind } from "./file-kind.js";
import type { Pin } from "./types.js";

/** A pin that will not move, and why. */
export interface Held {
  pin: Pin;
  reason: string;
}

/** An update that may be blocked (the pipeline's planned updates). */
export interface Movable {
  pin: Pin;
  blocked: string | null;
}

/** The groups of pins that move together, by the ARG name they set. */
export function lockstepGroups(pins: readonly Pin[]): Map<string, Pin[]> {
  const groups = new Map<string, Pin[]>();
  const names = new Set(pins.map((p) => p.overrides).filter((n) => n !== undefined));
  for (const name of names) {
    const overrides = pins.filter((p) => p.overrides === name);
    const checks = overrides.flatMap((p) => p.overridesChecksums ?? []);
    const dockerfile = pins.filter(
      (p) =>
        p.overrides === undefined &&
        fileKind(p.file) === "dockerfile" &&
        (p.variable === name ||
          (p.kind === "installer" &&
            checks.some((c) => c.file === p.file && c.pinLine === p.line))),
    );
    if (dockerfile.length > 0) groups.set(name, [...overrides, ...dockerfile]);
  }
  return groups;
}

/** Blocks every update of a group in which some pin is held or blocked. */
export function holdTogether(updates: readonly Movable[], held: readonly Held[]): void {
  const pins = [...updates.map((u) => u.pin), ...held.map((h) => h.pin)];
  const groups = lockstepGroups(pins);
  // A pin can be in several groups (an installer whose version ARG and checksum ARGs are each
  // overridden): repeat until no group blocks more (each pass only blocks, so this ends).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, members] of groups)
      if (holdGroup(updates, held, name, members)) changed = true;
  }
}

/** Blocks a group's updates when one of its pins cannot move; whether it blocked any. */
function holdGroup(
  updates: readonly Movable[],
  held: readonly Held[],
  name: string,
  members: readonly Pin[],
): boolean {
  let blocked = false;
  const inGroup = new Set(members);
  const stuck =
    held.find((h) => inGroup.has(h.pin)) ??
    updates
      .filter((u) => inGroup.has(u.pin) && u.blocked !== null)
      .map((u) => ({ pin: u.pin, reason: u.blocked as string }))[0];
  if (!stuck) return false;
  for (const u of updates) {
    if (!inGroup.has(u.pin) || u.blocked !== null) continue;
    u.blocked = `it moves together with ${stuck.pin.file}:${stuck.pin.line} (both set the build's \`${name}\`), which cannot move: ${stuck.reason}`;
    blocked = true;
  }
  return blocked;
}
