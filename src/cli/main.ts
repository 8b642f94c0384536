/** The CLI's commands: parse argv, call the pipeline, print. Returns the exit code. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderScanTable, scanJson } from "../core/render-scan.js";
import { UsageError, UvPinBotError } from "../errors.js";
import { scanPaths } from "../pipeline/scan-paths.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const HELP = `uv-pin-bot: keeps every uv pin in a repository current, digest-pinned and verified.

Usage:
  uv-pin-bot scan [PATH...] [--json]   list every uv pin under PATH (default: .)
  uv-pin-bot --help                    show this help
  uv-pin-bot --version                 print the version

scan reads Dockerfiles and Containerfiles, shell scripts, Makefiles, PowerShell,
YAML (GitHub workflows, GitLab CI, compose, Kubernetes, pre-commit) and
pyproject.toml / uv.toml. It skips .git, node_modules, binary files and files
over 1 MiB. --json prints {"pins": [...], "skipped": [...]}.

Exit codes: 0 success (also when nothing is found), 2 usage error.
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
    throw new UsageError(`unknown command: ${command} (see uv-pin-bot --help)`);
  } catch (error) {
    if (error instanceof UvPinBotError) {
      io.err(`uv-pin-bot: ${error.message}\n`);
      return 2;
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
