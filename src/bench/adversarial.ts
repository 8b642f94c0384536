/**
 * Adversarial inputs for the scanner: long lines, long runs of every keyword that the matchers
 * look for, deep nesting, for every kind of file. Used by the adversarial tests (each file must
 * scan within a budget in a child process, and scale linearly) and by `npm run bench` (the worst
 * file's scan time). Deterministic: the same size gives the same files.
 */

import { checksumShapes } from "./adversarial-checksums.js";

/** A path per kind of file that the scanner reads. */
export const KIND_PATHS = {
  dockerfile: "Dockerfile",
  shell: "install.sh",
  make: "Makefile",
  powershell: "install.ps1",
  yaml: ".github/workflows/ci.yml",
  toml: "pyproject.toml",
} as const;

export type AdversarialKind = keyof typeof KIND_PATHS;

/** Text that each matcher, variable reader, comment reader or parser reacts to. */
export const KEYWORDS: readonly string[] = [
  // pip / uv commands
  "pip install ",
  "pip ",
  "install ",
  "uv==",
  "pip install uv",
  "uv pip install ",
  "uv tool install ",
  "uv ",
  "pipx install 'uv==",
  // images
  "astral",
  "ghcr.io/astral-sh/uv",
  "ghcr.io/astral-sh/uv:",
  "ghcr.io/astral-sh/uv:0.",
  "ghcr.io/astral-sh/uv:${",
  "ghcr.io/astral-sh/uv:$(",
  "ghcr.io/astral-sh/uv:${{",
  "ghcr.io/astral-sh/uv:$A",
  "ghcr.io/astral-sh/uv@sha256:",
  "docker://ghcr.io/astral-sh/uv:",
  "astral/uv:",
  // installer URLs
  "https://astral.sh/uv/",
  "https://astral.sh/uv/${V}/install.sh ",
  "https://github.com/astral-sh/uv/releases/download/",
  "https://github.com/astral-sh/uv/releases/download/0.9.1/uv-",
  "https://github.com/astral-sh/uv/releases/download/0.9.1/uv-x86_64-unknown-linux-gnu.tar.gz ",
  "curl -LsSf https://astral.sh/uv/install.sh | sh ",
  "curl ",
  // checksums
  "sha256sum ",
  "sha256sum -c ",
  "shasum -a 256 ",
  "0123456789abcdef",
  // Dockerfile flags and instructions
  "--mount=from=",
  "--mount=type=bind,from=ghcr.io/astral-sh/uv:0.9.1,",
  "--from=",
  "--checksum=sha256:",
  "ARG A=",
  "ENV A=",
  "ARG A=$A ",
  "<<EOF ",
  // variables
  "A=",
  "A=$A ",
  "A=${A:-",
  "export A=",
  "declare -a ",
  "$A",
  "${A}",
  "${A:-",
  "${",
  "$(",
  "$((",
  "${{ ",
  "${{ env.A }}",
  "$$",
  "$(A)",
  "$env:A=",
  "$env:",
  // comments, quotes, escapes
  "#",
  "# ",
  "<#",
  "#>",
  "'",
  '"',
  "`",
  "``",
  "\\",
  // blanks and breaks
  " ",
  "\t",
  "\r",
  "\\\n",
  "`\n",
  // YAML and TOML structure
  "[",
  "{",
  "- ",
  "? ",
  ": ",
  "A: ",
  "env: ",
  "uses: astral-sh/setup-uv@v5 ",
  "required-version",
  "[tool.uv]",
  'required-version = "',
  '"""',
  "'''",
  "a.",
];

export interface AdversarialFile {
  /** What the file is made of, for messages. */
  name: string;
  kind: AdversarialKind;
  path: string;
  text: string;
}

/** `unit` repeated to `size` characters (cut at a character boundary), after a marker line. */
function fill(unit: string, size: number): string {
  const head = "# astral uv\n";
  const n = Math.max(1, Math.floor((size - head.length) / unit.length));
  return head + unit.repeat(n);
}

/**
 * Every keyword as one long line and as many short lines, for every kind of file; the structures
 * that nest (YAML flow and block, Dockerfile continuations); the checksum tracer's shapes; about
 * `size` characters each.
 */
export function adversarialFiles(
  size: number,
  kinds: readonly AdversarialKind[] = Object.keys(KIND_PATHS) as AdversarialKind[],
): AdversarialFile[] {
  const out: AdversarialFile[] = [];
  for (const kind of kinds) {
    const path = KIND_PATHS[kind];
    const add = (name: string, text: string) => out.push({ name, kind, path, text });
    for (const k of KEYWORDS) {
      add(`${JSON.stringify(k)} on one line`, fill(k, size));
      add(`${JSON.stringify(k)} on every line`, fill(`${k}\n`, size));
    }
    for (const [name, text] of nesting(size)) add(name, text);
    for (const [name, text] of checksumShapes(kind, size)) add(name, text);
  }
  return out;
}

/** Deep structures, each about `size` characters. */
function nesting(size: number): [string, string][] {
  const half = Math.floor(size / 2);
  let block = "";
  for (let i = 0; block.length + i + 4 < size; i++) block += `${" ".repeat(i)}k:\n`;
  return [
    ["flow sequences nested deep", `# astral\nx: ${"[".repeat(half - 8)}${"]".repeat(half - 8)}\n`],
    ["flow maps nested deep", `# astral\nx: ${"{a: ".repeat(half / 4)}${"}".repeat(half / 4)}\n`],
    ["unclosed flow", `# astral\nx: ${"[{".repeat(half)}\n`],
    ["compact sequences nested deep", `# astral\n${"- ".repeat(half - 8)}x\n`],
    ["block maps nested deep", `# astral\n${block}`],
    [
      "Dockerfile continuations",
      `FROM x\n${"RUN echo ghcr.io/astral-sh/uv:0.0.0.0.0.0.0.0.0 \\\n".repeat(size / 52)}\n`,
    ],
    ["continuation after continuation", `FROM x\nRUN a${" \\\n".repeat(size / 3)}\n`],
    ["comment lines inside an instruction", `FROM x\nRUN a \\\n${"# c \\\n".repeat(size / 6)}b\n`],
  ];
}
