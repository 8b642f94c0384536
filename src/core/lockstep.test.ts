import { describe, expect, it } from "vitest";
import { scanText } from "./extract.js";
import { holdTogether, lockstepGroups, type Movable } from "./lockstep.js";
import type { Pin } from "./types.js";

const HEX = "a".repeat(64);
const DOCKERFILE = [
  "ARG UV_VERSION=0.9.17",
  "FROM python:3.12-slim",
  "ARG UV_VERSION",
  `ADD --checksum=sha256:${HEX} https://astral.sh/uv/\${UV_VERSION}/install.sh /i.sh`,
  "COPY --from=ghcr.io/astral-sh/uv:0.9.17 /uv /bin/",
  "",
].join("\n");
const COMPOSE = "services:\n  app:\n    build:\n      args:\n        UV_VERSION: 0.9.17\n";
const MAKEFILE = "img:\n\tdocker build --build-arg OTHER_UV_VERSION=0.9.17 .\n";

function pins(): Pin[] {
  return [
    ...scanText("Dockerfile", DOCKERFILE).pins,
    ...scanText("compose.yaml", COMPOSE).pins,
    ...scanText("Makefile", MAKEFILE).pins,
  ];
}

const where = (p: Pin) => `${p.file}:${p.line}`;

describe("lockstep groups", () => {
  it("an override and the Dockerfile pins that read its ARG; an override with no such ARG has none", () => {
    const groups = lockstepGroups(pins());
    // compose's build uses ./Dockerfile (its default context and file): the group is that one's.
    expect([...groups.keys()]).toEqual(["UV_VERSION in Dockerfile"]);
    expect(groups.get("UV_VERSION in Dockerfile")?.map(where)).toEqual([
      "compose.yaml:5",
      "Dockerfile:4",
    ]);
  });

  it("the Dockerfile ARG cannot move: the override is blocked, with the reason", () => {
    const all = pins();
    const installer = all.find((p) => p.file === "Dockerfile" && p.line === 4) as Pin;
    const updates: Movable[] = all
      .filter((p) => p !== installer)
      .map((pin) => ({ pin, blocked: null }));
    holdTogether(updates, [{ pin: installer, reason: "the checksum cannot be fetched" }]);
    expect(updates.map((u) => [where(u.pin), u.blocked])).toEqual([
      ["Dockerfile:5", null],
      [
        "compose.yaml:5",
        "it moves together with Dockerfile:4 (both set the build's `UV_VERSION`), which cannot move: the checksum cannot be fetched",
      ],
      ["Makefile:2", null],
    ]);
  });

  it("the override's update is blocked: the Dockerfile ARG's update is blocked too", () => {
    const updates: Movable[] = pins().map((pin) => ({
      pin,
      blocked: pin.file === "compose.yaml" ? "refused" : null,
    }));
    holdTogether(updates, []);
    expect(updates.map((u) => [where(u.pin), u.blocked])).toEqual([
      [
        "Dockerfile:4",
        "it moves together with compose.yaml:5 (both set the build's `UV_VERSION`), which cannot move: refused",
      ],
      ["Dockerfile:5", null],
      ["compose.yaml:5", "refused"],
      ["Makefile:2", null],
    ]);
  });

  it("nothing held: nothing is blocked", () => {
    const updates: Movable[] = pins().map((pin) => ({ pin, blocked: null }));
    holdTogether(updates, []);
    expect(updates.every((u) => u.blocked === null)).toBe(true);
  });
});
