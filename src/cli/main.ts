/**
 * The CLI's commands: parse argv, call the pipeline, print. Returns the exit code. Each command's
 * module is imported when that command runs, so `--version` and `scan` load neither Sigstore nor
 * the HTTP layer nor Probot.
 */
import { readFileSync } from "node:fs";
import { UsageError, UvPinBotError } from "../errors.js";
import type { Io } from "./io.js";
import { terminalSafe } from "./terminal-safe.js";

export type { CliUpstreams, Io } from "./io.js";

export const HELP = `uv-pin-bot: keeps every uv pin in a repository current, digest-pinned and verified.

Usage:
  uv-pin-bot scan [PATH...] [--json] [--config FILE]
                                       list every uv pin under PATH (default: .)
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
                                       attestations from GitHub, verified like
                                       updates: built from astral-sh/uv (or --repo),
                                       at the release commit a version tag names
                                       (--owner alone: owner-level only)
  uv-pin-bot --help                    show this help
  uv-pin-bot --version                 print the version

scan reads Dockerfiles and Containerfiles, shell scripts, Makefiles, PowerShell,
YAML (GitHub workflows, GitLab CI, compose, Kubernetes, pre-commit) and
pyproject.toml / uv.toml. It skips .git, node_modules, binary files and files
over 1 MiB. --json prints {"pins": [...], "skipped": [...]}.

check and update read .github/uv-pin-bot.yml under the first directory given
(or --config FILE; scan reads its images: registry mirrors) and the environment: UV_PIN_BOT_ORIGINS (origin rewrites,
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

export async function main(argv: string[], raw: Io): Promise<number> {
  // Everything printed goes through `terminalSafe`: scanned files and upstreams are hostile.
  const io: Io = {
    ...raw,
    out: (text) => raw.out(terminalSafe(text)),
    err: (text) => raw.err(terminalSafe(text)),
  };
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
    if (command === "scan") return await (await import("./scan-command.js")).scanCommand(rest, io);
    if (command === "check")
      return await (await import("./plan-commands.js")).checkCommand(rest, io);
    if (command === "update")
      return await (await import("./plan-commands.js")).updateCommand(rest, io);
    if (command === "verify")
      return await (await import("./verify-command.js")).verifyCommand(rest, io);
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
