/** `check` and `update`: scan, resolve and verify local paths; print the plan or apply it. */
import { parseArgs } from "node:util";
import { createTwoFilesPatch } from "diff";
import type { TrustMaterial } from "../adapters/sigstore-verify.js";
import { trustRoot } from "../adapters/trust-root.js";
import { createUpstreams } from "../adapters/upstreams.js";
import { type AttestationPolicy, defaultPolicy } from "../core/attestation-policy.js";
import { planJson, renderPlanTable } from "../core/render-plan.js";
import type { AttestDeps } from "../pipeline/attest.js";
import { planLocal, rewriteLocal, writeChanges } from "../pipeline/local.js";
import type { CliUpstreams, Io } from "./io.js";
import { jsonText } from "./terminal-safe.js";

const upstreamsCache = new WeakMap<Io, CliUpstreams>();

export function upstreamsFor(io: Io): CliUpstreams {
  let upstreams = io.upstreams ?? upstreamsCache.get(io);
  if (!upstreams) {
    upstreams = createUpstreams({
      env: io.env ?? process.env,
      // The person running the CLI is the operator: the refused host is theirs to see.
      http: {
        onRefused: (origin) =>
          io.err(`uv-pin-bot: warning: refused to contact ${origin}: not a configured upstream\n`),
      },
    });
    upstreamsCache.set(io, upstreams);
  }
  return upstreams;
}

/** The verification step's dependencies, with `gh attestation verify`'s policy for `owner`. */
export async function attestFor(
  io: Io,
  policy: AttestationPolicy = defaultPolicy("astral-sh"),
): Promise<AttestDeps> {
  const upstreams = upstreamsFor(io);
  let loading: Promise<TrustMaterial> | undefined;
  // Loaded when the first bundle is verified: a plan with nothing to verify never waits for it.
  const trustMaterial =
    io.trustMaterial ??
    (() => {
      loading ??= trustRoot({ env: io.env ?? process.env }).then((root) => {
        if (root.warning) io.err(`uv-pin-bot: warning: ${root.warning}\n`);
        return root.material;
      });
      return loading;
    });
  return {
    attestations: upstreams.attestations,
    cache: upstreams.cache,
    trustMaterial,
    policy,
    releaseCommits: upstreams.releaseCommits,
  };
}

/** Scan, resolve and verify the given paths (default `.`), as `check` and `update` both do. */
async function planFor(positionals: string[], configFile: string | undefined, io: Io) {
  return planLocal(positionals.length > 0 ? positionals : ["."], upstreamsFor(io), {
    configFile,
    now: (io.now ?? (() => new Date()))(),
    attest: await attestFor(io),
  });
}

export async function checkCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: "boolean", default: false },
      "exit-code": { type: "boolean", default: false },
      config: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const plan = await planFor(positionals, values.config, io);
  io.out(values.json ? jsonText(planJson(plan)) : renderPlanTable(plan));
  return values["exit-code"] && plan.updates.length > 0 ? 1 : 0;
}

export async function updateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { "dry-run": { type: "boolean", default: false }, config: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const plan = await planFor(positionals, values.config, io);
  const { changes, refused } = await rewriteLocal(plan);
  const blocked = plan.updates.filter((u) => u.blocked);
  for (const u of blocked)
    io.err(`uv-pin-bot: ${u.pin.file}:${u.pin.line}: not updated: ${u.blocked}\n`);
  for (const r of refused) io.err(`uv-pin-bot: ${r.file}:${r.line}: not updated: ${r.reason}\n`);
  if (values["dry-run"]) {
    for (const c of changes)
      io.out(
        createTwoFilesPatch(`a/${c.file}`, `b/${c.file}`, c.before, c.after, "", "", {
          context: 3,
        }),
      );
    if (changes.length === 0) io.out("Nothing to change.\n");
    return blocked.length + refused.length > 0 ? 1 : 0;
  }
  const { written, conflicts, skipped } = await writeChanges(changes);
  for (const f of conflicts)
    io.err(`uv-pin-bot: ${f}: changed on disk while planning; not overwritten\n`);
  for (const s of skipped) io.err(`uv-pin-bot: ${s.file}: not updated: ${s.reason}\n`);
  const count = changes
    .filter((c) => written.includes(c.file))
    .reduce((n, c) => n + c.applied.length, 0);
  io.out(
    written.length
      ? `Updated ${count} pin${count === 1 ? "" : "s"} in ${written.length} file${written.length === 1 ? "" : "s"}: ${written.join(", ")}\n`
      : changes.length > 0
        ? "Nothing written.\n"
        : "Nothing to change.\n",
  );
  return blocked.length + refused.length + conflicts.length + skipped.length > 0 ? 1 : 0;
}
