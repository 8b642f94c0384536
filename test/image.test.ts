/**
 * The project's own image (Dockerfile), read with dockerfile-ast: what `docker run` relies on and
 * no Docker engine here can show (tests/start.test.ts runs the same command outside a container).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DockerfileParser, type From } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { PROJECT } from "./built-project.js";

const text = readFileSync(join(PROJECT, "Dockerfile"), "utf8");
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const production = (() => {
  const froms = dockerfile.getFROMs();
  const last = froms.at(-1);
  if (!last) throw new Error("no FROM");
  const start = last.getRange().start.line;
  return instructions.filter((i) => i.getRange().start.line >= start);
})();
const of = (keyword: string) => production.filter((i) => i.getKeyword() === keyword);

describe("Dockerfile", () => {
  it("pins every base as node:24-slim@sha256:<index digest>, the same in every stage", () => {
    const froms: From[] = dockerfile.getFROMs();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const refs = new Set(
      froms.map((f) => `${f.getImageName()}:${f.getImageTag()}@${f.getImageDigest()}`),
    );
    expect(refs.size).toBe(1);
    expect([...refs][0]).toMatch(/^node:24-slim@sha256:[0-9a-f]{64}$/);
  });

  it("copies into the build stage every file `npm run build` names", () => {
    const scripts = JSON.parse(readFileSync(join(PROJECT, "package.json"), "utf8")).scripts;
    const named: string[] = scripts.build.match(/[\w./-]+\.(?:json|mjs|js)\b/g) ?? [];
    expect(named).toContain("scripts/bundle-scanner.mjs");
    const last = dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0;
    const sources = instructions
      .filter((i) => i.getKeyword() === "COPY" && i.getRange().start.line < last)
      .flatMap((i) =>
        i
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      )
      .filter((v) => !v.startsWith("--"));
    for (const file of named) {
      expect(
        sources.some((s) => s === file || file.startsWith(`${s.replace(/^\.\/|\/$/g, "")}/`)),
        file,
      ).toBe(true);
    }
  });

  it("listens on every interface (HOST=0.0.0.0) in production", () => {
    const env = of("ENV").flatMap((i) => i.getArguments().map((a) => a.getValue()));
    expect(env).toContain("HOST=0.0.0.0");
    expect(env).toContain("NODE_ENV=production");
  });

  it("runs node dist/start.js as PID 1 (exec form), stops with SIGTERM, checks /ping", () => {
    expect(of("CMD").map((i) => i.getTextContent())).toEqual([
      'CMD ["node", "--optimize-for-size", "dist/start.js"]',
    ]);
    // `npm start` runs the app with the same V8 flag as the image (peak RSS, README).
    const scripts = JSON.parse(readFileSync(join(PROJECT, "package.json"), "utf8")).scripts;
    expect(scripts.start).toBe("npm run build && node --optimize-for-size dist/start.js");
    expect(of("STOPSIGNAL").map((i) => i.getArgumentsContent())).toEqual(["SIGTERM"]);
    const [health] = of("HEALTHCHECK");
    expect(health?.getTextContent()).toMatch(/CMD \["node", "dist\/healthcheck\.js"\]$/);
    // both scripts are built from src/
    expect(existsSync(join(PROJECT, "src/start.ts"))).toBe(true);
    expect(existsSync(join(PROJECT, "src/healthcheck.ts"))).toBe(true);
  });
});
