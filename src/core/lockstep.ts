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

/**
 * The groups of pins that move together, by the ARG name they set (`NAME in path/Dockerfile` for
 * overrides whose build names its Dockerfile, when that Dockerfile reads the ARG).
 */
export function lockstepGroups(pins: readonly Pin[]): Map<string, Pin[]> {
  const byKey = new Map<string, { name: string; scope: string | null; overrides: Pin[] }>();
  for (const o of pins) {
    if (o.overrides === undefined) continue;
    const readers = readersOf(pins, o);
    const scope =
      o.overridesIn !== undefined && readers.some((p) => p.file === o.overridesIn)
        ? o.overridesIn
        : null;
    const key = scope === null ? o.overrides : `${o.overrides} in ${scope}`;
    const entry = byKey.get(key) ?? { name: o.overrides, scope, overrides: [] };
    entry.overrides.push(o);
    byKey.set(key, entry);
  }
  const groups = new Map<string, Pin[]>();
  for (const [key, { scope, overrides }] of byKey) {
    const dockerfile: Pin[] = [];
    for (const o of overrides)
      for (const p of readersOf(pins, o))
        if ((scope === null || p.file === scope) && !dockerfile.includes(p)) dockerfile.push(p);
    dockerfile.sort((a, b) => pins.indexOf(a) - pins.indexOf(b));
    if (dockerfile.length > 0) groups.set(key, [...overrides, ...dockerfile]);
  }
  return groups;
}

/** The Dockerfile pins that read the ARG an override sets (its version, or a checksum it guards). */
function readersOf(pins: readonly Pin[], o: Pin): Pin[] {
  const checks = o.overridesChecksums ?? [];
  return pins.filter(
    (p) =>
      p.overrides === undefined &&
      fileKind(p.file) === "dockerfile" &&
      (checks.length > 0
        ? p.kind === "installer" && checks.some((c) => c.file === p.file && c.pinLine === p.line)
        : p.variable === o.overrides),
  );
}

/** Blocks every update of a group in which some pin is held or blocked. */
export function holdTogether(updates: readonly Movable[], held: readonly Held[]): void {
  const pins = [...updates.map((u) => u.pin), ...held.map((h) => h.pin)];
  const groups = lockstepGroups(pins);
  // A pin can be in several groups (an installer whose version ARG and checksum ARGs are each
  // overridden): repeat until no group blocks more (each pass only blocks, so this ends).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, members] of groups)
      if (holdGroup(updates, held, key.split(" in ")[0] as string, members)) changed = true;
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
