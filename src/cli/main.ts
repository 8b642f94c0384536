/** The CLI's commands: parse argv, call the pipeline, print. Returns the exit code. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTwoFilesPatch } from "diff";
import type { TrustMaterial } from "../adapters/sigstore-verify.js";
import { trustRoot } from "../adapters/trust-root.js";
import { createUpstreams, type Upstreams } from "../adapters/upstreams.js";
import { type AttestationPolicy, defaultPolicy } from "../core/attestation-policy.js";
import { planJson, renderPlanTable } from "../core/render-plan.js";
import { renderScanTable, scanJson } from "../core/render-scan.js";
import { UsageError, UvPinBotError } from "../errors.js";
import type { AttestDeps } from "../pipeline/attest.js";
import { planLocal, rewriteLocal, writeChanges } from "../pipeline/local.js";
import { scanPaths } from "../pipeline/scan-paths.js";
import { verifyCommand } from "./verify-command.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The environment (UV_PIN_BOT_ORIGINS, GITHUB_API_URL, GITHUB_TOKEN); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The clock, for release ages; default now. */
  now?: () => Date;
  /** Upstream adapters; default built from `env`. */
  upstreams?: CliUpstreams;
  /** Trust material for attestations; default `UV_PIN_BOT_TRUSTED_ROOT` or the public-good root. */
  trustMaterial?: TrustMaterial;
}

export type CliUpstreams = Pick<
  Upstreams,
  "registry" | "releases" | "attestations" | "cache" | "releaseCommits"
>;

export const HELP = `uv-pin-bot: keeps every uv pin in a repository current, digest-pinned and verified.

Usage:
  uv-pin-bot scan [PATH...] [--json]   list every uv pin under PATH (default: .)
  uv-pin-bot check [PATH...] [--json] [--exit-code] [--config FILE]
                                       what would change: newest allowed uv release,
                                       existing tags, index digests, installer checksums
  uv-pin-bot update [PATH...] [--dry-run] [--config FILE]
                                       apply the plan to the files (--dry-run: print a diff)
  uv-pin-bot verify --bundle FILE (--digest ALG:HEX | --artifact FILE)
                  [--owner O] [--repo O/R] [--predicate-type URI]
                  [--signer-workflow WORKFLOW] [--cert-oidc-issuer URI]
                  [--source-ref REF] [--trusted-root FILE] [--json]
                                       verify a Sigstore attestation bundle offline
  uv-pin-bot verify IMAGE_REF [--owner O] [policy flags] [--json]
                                       the registry's digest for IMAGE_REF, its
                                       attestations from GitHub, verified the same way
  uv-pin-bot --help                    show this help
  uv-pin-bot --version                 print the version

scan reads Dockerfiles and Containerfiles, shell scripts, Makefiles, PowerShell,
YAML (GitHub workflows, GitLab CI, compose, Kubernetes, pre-commit) and
pyproject.toml / uv.toml. It skips .git, node_modules, binary files and files
over 1 MiB. --json prints {"pins": [...], "skipped": [...]}.

check and update read .github/uv-pin-bot.yml under the first directory given
(or --config FILE) and the environment: UV_PIN_BOT_ORIGINS (origin rewrites,
https://origin=http(s)://replacement,...), GITHUB_API_URL, GITHUB_TOKEN.

verify checks the bundle's signature, certificate chain and transparency log
against the public-good Sigstore trusted root embedded in @sigstore/tuf (or
--trusted-root FILE / UV_PIN_BOT_TRUSTED_ROOT), then the policy gh attestation
verify --owner enforces: issuer https://token.actions.githubusercontent.com,
source repository owner https://github.com/<owner> (default astral-sh),
certificate identity ^https://github\\.com/<owner>/ (replaced by
--signer-workflow [host/]owner/repo/path/to/workflow.yml[@ref]), predicate type
https://slsa.dev/provenance/v1, and that a subject digest of the statement is
the --digest given or the --artifact's (hashed with the statement's algorithms).
--json prints {verified, reason, subjectDigest, predicateType,
certificateIssuer, san, sourceRepository, sourceRepositoryOwner, sourceRef,
sourceCommit, signerWorkflow, buildTrigger, runUrl, rekorLogIndex,
integratedTime}.

Exit codes: 0 success (also when nothing is found; verify: verified), 1 updates
exist (check --exit-code), some could not be applied (update) or the attestation
is not verified (verify), 2 usage or configuration error.
`;

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

async function scanCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const result = await scanPaths(positionals.length > 0 ? positionals : ["."]);
  io.out(values.json ? `${JSON.stringify(scanJson(result), null, 2)}\n` : renderScanTable(result));
  return 0;
}

const upstreamsCache = new WeakMap<Io, CliUpstreams>();

export function upstreamsFor(io: Io): CliUpstreams {
  let upstreams = io.upstreams ?? upstreamsCache.get(io);
  if (!upstreams) {
    upstreams = createUpstreams({ env: io.env ?? process.env });
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
  let trustMaterial = io.trustMaterial;
  if (!trustMaterial) {
    const root = await trustRoot({ env: io.env ?? process.env });
    if (root.warning) io.err(`uv-pin-bot: warning: ${root.warning}\n`);
    trustMaterial = root.material;
  }
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

async function checkCommand(args: string[], io: Io): Promise<number> {
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
  io.out(values.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : renderPlanTable(plan));
  return values["exit-code"] && plan.updates.length > 0 ? 1 : 0;
}

async function updateCommand(args: string[], io: Io): Promise<number> {
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
  const { written, conflicts } = await writeChanges(changes);
  for (const f of conflicts)
    io.err(`uv-pin-bot: ${f}: changed on disk while planning; not overwritten\n`);
  const count = changes
    .filter((c) => written.includes(c.file))
    .reduce((n, c) => n + c.applied.length, 0);
  io.out(
    written.length
      ? `Updated ${count} pin${count === 1 ? "" : "s"} in ${written.length} file${written.length === 1 ? "" : "s"}: ${written.join(", ")}\n`
      : "Nothing to change.\n",
  );
  return blocked.length + refused.length + conflicts.length > 0 ? 1 : 0;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.out(HELP);
      return 0;
    }
    if (command === "--version" || command === "-V") {
      io.out(`${version()}\n`);
      return 0;
    }
    if (command === "scan") return await scanCommand(rest, io);
    if (command === "check") return await checkCommand(rest, io);
    if (command === "update") return await updateCommand(rest, io);
    if (command === "verify") return await verifyCommand(rest, io);
    throw new UsageError(`unknown command: ${command} (see uv-pin-bot --help)`);
  } catch (error) {
    if (error instanceof UvPinBotError) {
      io.err(`uv-pin-bot: ${error.message}\n`);
      return error.code === "usage" || error.code === "config-invalid" ? 2 : 1;
    }
    if (
      error instanceof TypeError &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      const option = /option '([^']+)'/.exec(error.message)?.[1];
      const message = option ? `unknown option ${option}` : (error.message.split(/[.\n]/)[0] ?? "");
      io.err(`uv-pin-bot: ${message} (see uv-pin-bot --help)\n`);
      return 2;
    }
    io.err(
      `uv-pin-bot: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
