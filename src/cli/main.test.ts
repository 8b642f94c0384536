import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../test/cli-run.js";

const D1 = `sha256:${"1".repeat(64)}`;

const run = (argv: string[]) => runCli(argv);

let root: string;
const write = (rel: string, content: string | Buffer) => {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "uv-pin-bot-cli-"));
  write(
    "Dockerfile",
    `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.17@${D1} /uv /uvx /bin/\n`,
  );
  write(
    "services/api/.github/workflows/ci.yml",
    "jobs:\n  t:\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: 0.10\n",
  );
  write("docker/Dockerfile.dev", "ARG UV\nFROM ghcr.io/astral-sh/uv:${UV}\n");
  write("docs/guide.md", "COPY --from=ghcr.io/astral-sh/uv:0.1.0 /uv /bin/\n");
  write("README.md", "COPY --from=ghcr.io/astral-sh/uv:0.1.0 /uv /bin/\n");
  write("node_modules/pkg/Dockerfile", "FROM ghcr.io/astral-sh/uv:0.1.0\n");
  write(".git/Dockerfile", "FROM ghcr.io/astral-sh/uv:0.1.0\n");
  write("big/Dockerfile", `FROM ghcr.io/astral-sh/uv:0.1.0\n${"#".repeat(1024 * 1024)}\n`);
  write("bin/Dockerfile", Buffer.from([0x46, 0x52, 0x00, 0x01, 0xff]));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("uv-pin-bot scan --json", () => {
  it("walks a directory and prints exactly the pins and skips, paths relative with /", async () => {
    const r = await run(["scan", root, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      pins: [
        {
          file: "Dockerfile",
          line: 2,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "0.9.17",
          version: "0.9.17",
          digest: D1,
          form: "tag+digest",
          variable: null,
          versionLine: 2,
          suffix: null,
          unpinned: null,
          overrides: null,
          mirrorOf: null,
          checksums: null,
        },
        {
          file: "docker/Dockerfile.dev",
          line: 2,
          kind: "image",
          image: "ghcr.io/astral-sh/uv",
          url: null,
          tag: "${UV}",
          version: null,
          digest: null,
          form: "tag",
          variable: "UV",
          versionLine: null,
          suffix: null,
          unpinned: null,
          overrides: null,
          mirrorOf: null,
          checksums: null,
        },
        {
          file: "services/api/.github/workflows/ci.yml",
          line: 6,
          kind: "version",
          image: null,
          url: null,
          tag: null,
          version: "0.10",
          digest: null,
          form: null,
          variable: null,
          versionLine: 6,
          suffix: null,
          unpinned: null,
          overrides: null,
          mirrorOf: null,
          checksums: null,
        },
      ],
      skipped: [
        { file: "big/Dockerfile", line: null, reason: "larger than 1 MiB, not read" },
        { file: "bin/Dockerfile", line: null, reason: "binary file, not read" },
        { file: "docker/Dockerfile.dev", line: 2, reason: "tag: `UV` has no default value" },
      ],
    });
  });

  it("reports a file argument by the path as given", async () => {
    const file = join(root, "Dockerfile");
    const r = await run(["scan", "--json", file]);
    const json = JSON.parse(r.out) as { pins: { file: string }[] };
    expect(json.pins.map((p) => p.file)).toEqual([file]);
  });

  it("exits 0 with empty lists when nothing is found", async () => {
    const r = await run(["scan", join(root, "docs"), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ pins: [], skipped: [] });
  });
});

describe("uv-pin-bot scan (table)", () => {
  it("prints a readable table with a summary", async () => {
    const r = await run(["scan", root]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^LOCATION\s+KIND\s+VERSION\s+FORM\s+VARIABLE\s+PIN$/);
    expect(lines[1]).toMatch(
      /^Dockerfile:2\s+image\s+0\.9\.17\s+tag\+digest\s+-\s+ghcr\.io\/astral-sh\/uv:0\.9\.17@sha256:1111/,
    );
    expect(r.out).toContain("UV (no default)");
    expect(r.out).toContain("3 pins in 3 files; 3 skipped.");
  });
});

describe("usage errors: one line on stderr, exit 2, nothing on stdout", () => {
  it.each([
    [
      ["scan", "/definitely/missing"],
      "uv-pin-bot: no such file or directory: /definitely/missing\n",
    ],
    [["scan", "--bogus"], "uv-pin-bot: unknown option --bogus (see uv-pin-bot --help)\n"],
    [["frobnicate"], "uv-pin-bot: unknown command: frobnicate (see uv-pin-bot --help)\n"],
  ])("%j", async (argv, message) => {
    const r = await run(argv);
    expect(r).toEqual({ code: 2, out: "", err: message });
  });

  it("--help and --version", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("uv-pin-bot scan [PATH...] [--json]");
    const version = await run(["--version"]);
    expect(version).toEqual({ code: 0, out: "0.1.0\n", err: "" });
  });
});

describe("printing what hostile files contain", () => {
  it("scan shows terminal control sequences from a scanned file as escapes, never raw", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-esc-"));
    try {
      const name = "Dockerfile.\u001b]0;owned\u0007\u001b[2J";
      writeFileSync(join(dir, name), "FROM ghcr.io/astral-sh/uv:0.9.17\n");
      const { code, out, err } = await run(["scan", dir]);
      expect(code).toBe(0);
      expect(out + err).not.toContain("\u001b");
      expect(out + err).not.toContain("\u0007");
      expect(out).toContain("Dockerfile.\\x1b]0;owned\\x07\\x1b[2J");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  // Every control character a terminal acts on: DEL, C1 (CSI), ESC, BEL, a bidi override.
  const HOSTILE_NAMES = [
    "Dockerfile.x\u007fy",
    "Dockerfile.b\u009bc",
    "Dockerfile.\u001b]0;owned\u0007",
    "Dockerfile.\u202eevil",
  ];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it.each([
    ["scan", "FROM ghcr.io/astral-sh/uv:0.9.17\n", "pins"],
    // A pin that is seen but cannot be changed: check reports it without asking any upstream.
    ["check", "ARG UV\nFROM ghcr.io/astral-sh/uv:${UV}\n", "skipped"],
  ])(
    "%s --json: valid JSON carrying the names exactly, with no raw control bytes",
    async (command, text, key) => {
      const dir = mkdtempSync(join(tmpdir(), "uv-pin-bot-esc-"));
      try {
        for (const name of HOSTILE_NAMES) writeFileSync(join(dir, name), text);
        const { code, out, err } = await run([command, dir, "--json"]);
        expect({ code, err }).toEqual({ code: 0, err: "" });
        expect(out).not.toMatch(RAW);
        expect(out).toContain("Dockerfile.x\\u007fy");
        const json = JSON.parse(out) as Record<string, { file: string }[]>;
        expect(new Set((json[key] ?? []).map((e) => e.file))).toEqual(new Set(HOSTILE_NAMES));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
