/** The update policy, rule by rule, on pins read by the real scanner from tiny files. */
import { describe, expect, it } from "vitest";
import { scanText } from "./extract.js";
import { UNPINNED_LATEST } from "./latest-urls.js";
import {
  closestTag,
  DEFAULT_POLICY,
  type Decision,
  decide,
  type PolicyOptions,
  type Release,
  type UpdateType,
} from "./policy.js";
import type { Pin } from "./types.js";

const NOW = new Date("2026-03-01T00:00:00.000Z");
const DAY = 86_400_000;
const UV = "ghcr.io/astral-sh/uv";
const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;

function rel(version: string, daysAgo: number, extra: Partial<Release> = {}): Release {
  return {
    version,
    publishedAt: new Date(NOW.getTime() - daysAgo * DAY).toISOString(),
    prerelease: false,
    url: `https://github.com/astral-sh/uv/releases/tag/${version}`,
    notes: `uv ${version}`,
    assets: [],
    ...extra,
  };
}

const R = {
  "0.9.16": rel("0.9.16", 100),
  "0.9.17": rel("0.9.17", 90),
  "0.9.18": rel("0.9.18", 60),
  "0.10.0": rel("0.10.0", 40),
  "0.10.1": rel("0.10.1", 20),
  "1.0.0": rel("1.0.0", 10),
};
/** Unordered on purpose: the policy sorts. */
const RELEASES = [R["0.10.0"], R["0.9.16"], R["0.10.1"], R["0.9.18"], R["0.9.17"]];

/** The tags of the uv image: every release has `X.Y.Z`, `-alpine` and trixie; 0.9 also bookworm. */
function uvTags(versions: readonly string[], extra: readonly string[] = []): string[] {
  const out = ["latest", "alpine", "python3.12-bookworm-slim", "python3.12-trixie-slim", ...extra];
  for (const v of versions) {
    const minor = v.split(".").slice(0, 2).join(".");
    for (const t of [v, minor]) {
      out.push(t, `${t}-alpine`, `${t}-python3.12-trixie-slim`, `${t}-python3.13-trixie-slim`);
      if (minor === "0.9") out.push(`${t}-python3.12-bookworm-slim`);
    }
  }
  return [...new Set(out)].reverse();
}
const TAGS = new Map([[UV, uvTags(RELEASES.map((r) => r.version))]]);

const options = (o: Partial<PolicyOptions> = {}): PolicyOptions => ({
  ...DEFAULT_POLICY,
  now: NOW,
  ...o,
});

/** The pins the scanner reads from a file. */
function scan(path: string, text: string): Pin[] {
  return scanText(path, text).pins;
}
/** The one pin of a one-line Dockerfile. */
function pin(line: string): Pin {
  const pins = scan("Dockerfile", `${line}\n`);
  expect(pins).toHaveLength(1);
  return pins[0] as Pin;
}
const image = (ref: string) => pin(`FROM ${ref}`);

type U = Partial<Extract<Decision, { action: "update" }>> & {
  type: UpdateType;
  release: Release | null;
};
const update = (p: Pin, u: U): Decision => ({
  pin: p,
  action: "update",
  version: null,
  tag: null,
  needDigest: false,
  needChecksum: false,
  note: null,
  ...u,
});
const current = (p: Pin, note: string | null = null): Decision => ({
  pin: p,
  action: "current",
  note,
});
const skip = (p: Pin, reason: string): Decision => ({ pin: p, action: "skip", reason });

/** Decides one pin. */
function one(p: Pin, o: Partial<PolicyOptions> = {}, releases = RELEASES, tags = TAGS): Decision {
  return decide([p], releases, tags, options(o)).decisions[0] as Decision;
}

describe("lockstep", () => {
  it("an image, an installer and version pins in two files all move to the one newest release", () => {
    const dockerfile = scan(
      "Dockerfile",
      [
        `FROM ${UV}:0.9.17@${D1} AS uv`,
        "RUN curl -LsSf https://astral.sh/uv/0.9.16/install.sh | sh",
        "RUN pip install uv==0.9.15",
      ].join("\n"),
    );
    const workflow = scan(
      ".github/workflows/ci.yml",
      "jobs:\n  a:\n    steps:\n      - uses: astral-sh/setup-uv@v7\n        with:\n          version: 0.10.0\n",
    );
    const pins = [...dockerfile, ...workflow];
    expect(pins.map((p) => p.kind)).toEqual(["image", "installer", "version", "version"]);
    const [img, installer, pip, setup] = pins as [Pin, Pin, Pin, Pin];
    const release = R["0.10.1"];
    expect(decide(pins, RELEASES, TAGS, options())).toEqual({
      release,
      decisions: [
        update(img, { type: "minor", version: "0.10.1", tag: "0.10.1", needDigest: true, release }),
        update(installer, { type: "minor", version: "0.10.1", release }),
        update(pip, { type: "minor", version: "0.10.1", release }),
        update(setup, { type: "patch", version: "0.10.1", release }),
      ],
    });
  });

  it("the target is allowed from the highest pin; a lagging pin whose own bump is not allowed is skipped", () => {
    const ahead = image(`${UV}:0.10.0`);
    const behind = pin("RUN pip install uv==0.9.17");
    const release = R["0.10.1"];
    expect(
      decide([ahead, behind], RELEASES, TAGS, options({ updateTypes: ["patch", "digest"] })),
    ).toEqual({
      release,
      decisions: [
        update(ahead, { type: "patch", version: "0.10.1", tag: "0.10.1", release }),
        skip(behind, '0.9.17 → 0.10.1 is a minor update, and updateTypes does not include "minor"'),
      ],
    });
  });

  it("with no versioned pin the newest candidate is the target, whatever its bump", () => {
    const latest = image(`${UV}:latest@${D1}`);
    const bare = image(`${UV}@${D2}`);
    const releases = [...RELEASES, R["1.0.0"]];
    const tags = new Map([[UV, uvTags(["1.0.0"])]]);
    const o = { updateTypes: ["patch", "digest"] as UpdateType[] };
    expect(decide([latest, bare], releases, tags, options(o))).toEqual({
      release: R["1.0.0"],
      decisions: [
        update(latest, { type: "digest", tag: "latest", needDigest: true, release: null }),
        update(bare, { type: "digest", tag: "1.0.0", needDigest: true, release: R["1.0.0"] }),
      ],
    });
  });

  it("nothing newer: pins at the newest release are current and the release is still reported", () => {
    const p = pin("RUN pip install uv==0.10.1");
    expect(decide([p], RELEASES, TAGS, options())).toEqual({
      release: R["0.10.1"],
      decisions: [current(p)],
    });
  });

  it("an image pinned by digest at the newest release: only its digest is re-checked", () => {
    const p = image(`${UV}:0.10.1@${D1}`);
    expect(decide([p], RELEASES, TAGS, options())).toEqual({
      release: R["0.10.1"],
      decisions: [
        update(p, {
          type: "digest",
          version: "0.10.1",
          tag: "0.10.1",
          needDigest: true,
          release: null,
          recheck: true,
        }),
      ],
    });
  });

  it("never a downgrade: a pin newer than every release leaves no target", () => {
    const p = pin("RUN pip install uv==0.11.0");
    expect(decide([p], RELEASES, TAGS, options())).toEqual({
      release: null,
      decisions: [current(p)],
    });
  });

  it("no release at or above the highest pin: the lagging pins are skipped, not left silently behind", () => {
    const pins = scan(
      "Dockerfile",
      `FROM ${UV}:0.10.0\nFROM ${UV}:0.10\nRUN pip install uv==0.9.15\nFROM ${UV}:0.9\n`,
    );
    const [high, rolling, low, oldRolling] = pins as [Pin, Pin, Pin, Pin];
    const o = options({ ignoreVersions: [">=0.10.0"] });
    expect(decide(pins, RELEASES, TAGS, o)).toEqual({
      release: null,
      decisions: [
        current(high),
        current(rolling),
        skip(
          low,
          "the repository also pins 0.10.0, and no release from 0.10.0 on can be proposed, so 0.9.15 stays",
        ),
        skip(
          oldRolling,
          "the repository also pins 0.10.0, and no release from 0.10.0 on can be proposed, so 0.9 stays",
        ),
      ],
    });
  });

  it("ranges, `latest`, skipped pins and unversioned URLs do not set the baseline", () => {
    const pins = [
      ...scan("pyproject.toml", '[tool.uv]\nrequired-version = ">=0.11"\n'),
      { ...image(`${UV}:0.11.0`), skipReason: "the file is not valid YAML" },
      image(`${UV}:0.9.17`),
      ...scan("Dockerfile", `ARG W\nFROM ${UV}:$W\nFROM ${UV}:latest\n`),
      pin("RUN curl -LsSf https://astral.sh/uv/install.sh | sh"),
      ...scan("ci.yml", "steps:\n  - uses: astral-sh/setup-uv@v7\n    with: {version: latest}\n"),
    ];
    expect(pins.map((p) => [p.version, p.skipReason !== null])).toEqual([
      [">=0.11", false],
      ["0.11.0", true],
      ["0.9.17", false],
      [null, true],
      [null, false],
      [null, false],
      ["latest", false],
    ]);
    const o = options({ updateTypes: ["patch"] });
    const { release } = decide(pins, RELEASES, TAGS, o);
    expect(release).toEqual(R["0.9.18"]);
  });
});

describe("precision", () => {
  const release = R["0.10.1"];
  it.each([
    [`${UV}:0.9.17`, { type: "minor", version: "0.10.1", tag: "0.10.1" }],
    [`${UV}:0.9`, { type: "minor", version: "0.10", tag: "0.10" }],
    [`${UV}:0.9@${D1}`, { type: "minor", version: "0.10", tag: "0.10", needDigest: true }],
    [`${UV}:0.9-alpine`, { type: "minor", version: "0.10", tag: "0.10-alpine" }],
  ] as const)("%s", (ref, u) => {
    const p = image(ref);
    expect(one(p)).toEqual(update(p, { ...u, release }));
  });

  it("a rolling minor already at the target's: a digest update of the same tag, or current", () => {
    const withDigest = image(`${UV}:0.10-alpine@${D1}`);
    expect(one(withDigest)).toEqual(
      update(withDigest, {
        type: "digest",
        version: "0.10",
        tag: "0.10-alpine",
        needDigest: true,
        release: null,
      }),
    );
    const tagOnly = image(`${UV}:0.10`);
    expect(one(tagOnly)).toEqual(current(tagOnly));
  });

  it("a two-part version setting and an installer URL keep their precision", () => {
    const [twoPart] = scan("uv.toml", 'required-version = "0.9"\n');
    expect(one(twoPart as Pin)).toEqual(
      update(twoPart as Pin, { type: "minor", version: "0.10", release }),
    );
    const [sameMinor] = scan("uv.toml", 'required-version = "0.10"\n');
    expect(one(sameMinor as Pin)).toEqual(current(sameMinor as Pin));
  });

  it("an exact tag with a digest at the target: its digest is re-checked against the tag's", () => {
    const p = image(`${UV}:0.10.1-alpine@${D1}`);
    expect(one(p)).toEqual(
      update(p, {
        type: "digest",
        version: "0.10.1",
        tag: "0.10.1-alpine",
        needDigest: true,
        release: null,
        recheck: true,
      }),
    );
  });

  it("the re-check needs digest updates and the tag in the registry; otherwise the pin is current", () => {
    const p = image(`${UV}:0.10.1-alpine@${D1}`);
    expect(one(p, { updateTypes: ["major", "minor", "patch"] })).toEqual(current(p));
    const gone = image(`${UV}:0.10.1-python3.99@${D1}`);
    expect(one(gone)).toEqual(current(gone));
  });
});

describe("variants", () => {
  it("the suffix is kept", () => {
    const p = image(`${UV}:0.9.17-python3.12-trixie-slim@${D1}`);
    expect(one(p)).toEqual(
      update(p, {
        type: "minor",
        version: "0.10.1",
        tag: "0.10.1-python3.12-trixie-slim",
        needDigest: true,
        release: R["0.10.1"],
      }),
    );
  });

  const hint =
    "(there is no `0.10.1-python3.12-bookworm-slim`); the closest current variant is `0.10.1-python3.12-trixie-slim`";

  it("discontinued: the newest allowed version that still has it, with the closest current variant", () => {
    const p = image(`${UV}:0.9.16-python3.12-bookworm-slim@${D1}`);
    expect(decide([p], RELEASES, TAGS, options())).toEqual({
      release: R["0.10.1"],
      decisions: [
        update(p, {
          type: "patch",
          version: "0.9.18",
          tag: "0.9.18-python3.12-bookworm-slim",
          needDigest: true,
          release: R["0.9.18"],
          note: `the \`python3.12-bookworm-slim\` variant is discontinued after 0.9.18 ${hint}`,
        }),
      ],
    });
  });

  it("discontinued, and no newer allowed version has it: skipped with the suggestion", () => {
    const p = image(`${UV}:0.9.18-python3.12-bookworm-slim`);
    expect(one(p)).toEqual(
      skip(
        p,
        `the \`python3.12-bookworm-slim\` variant is not published for any allowed release newer than 0.9.18: it stopped at uv 0.9.18 ${hint}`,
      ),
    );
  });

  it("discontinued: the older version must be an allowed bump for the pin too", () => {
    const p = image(`${UV}:0.9.16-python3.12-bookworm-slim`);
    expect(one(p, { updateTypes: ["minor"] })).toEqual(
      skip(
        p,
        `the \`python3.12-bookworm-slim\` variant is not published for any allowed release newer than 0.9.16: it stopped at uv 0.9.18 ${hint}`,
      ),
    );
  });

  it("a rolling variant whose minor has none: skipped, the suggestion at the pin's precision", () => {
    const p = image(`${UV}:0.9-python3.12-bookworm-slim`);
    expect(one(p)).toEqual(
      skip(
        p,
        "the `python3.12-bookworm-slim` variant is not published for any allowed release newer than 0.9: it stopped at uv 0.9 (there is no `0.10-python3.12-bookworm-slim`); the closest current variant is `0.10-python3.12-trixie-slim`",
      ),
    );
  });

  it("no similar variant: the reason goes without a suggestion", () => {
    const p = image(`${UV}:0.10.0-windowsservercore`);
    const tags = new Map([[UV, [...uvTags(["0.10.0", "0.10.1"]), "0.10.0-windowsservercore"]]]);
    expect(one(p, {}, RELEASES, tags)).toEqual(
      skip(
        p,
        "the `windowsservercore` variant is not published for any allowed release newer than 0.10.0: it stopped at uv 0.10.0 (there is no `0.10.1-windowsservercore`)",
      ),
    );
  });

  it.each([
    ["-python3.12-bookworm-slim", "0.10.1-python3.12-trixie-slim"],
    ["-python3.8-bookworm-slim", "0.10.1-python3.9-trixie-slim"],
    ["-alpine3.21", "0.10.1-alpine"],
    ["-bookworm-slim", "0.10.1-trixie-slim"],
    ["-windowsservercore", null],
  ])("closestTag(%s) = %s", (suffix, expected) => {
    const tags = [
      "0.10.1",
      "0.10.1-alpine",
      "0.10.1-trixie-slim",
      "0.10.1-python3.13-trixie-slim",
      "0.10.1-python3.12-trixie-slim",
      "0.10.1-python3.10-trixie-slim",
      "0.10.1-python3.9-trixie-slim",
      "0.10-python3.12-bookworm-slim",
      "0.10.10-python3.12-bookworm-slim",
    ];
    expect(closestTag(tags, "0.10.1", suffix)).toBe(expected);
    expect(closestTag([...tags].reverse(), "0.10.1", suffix)).toBe(expected);
  });
});

describe("floating tags: latest, variant-only, digest-only", () => {
  it.each([`${UV}:latest@${D1}`, `${UV}:python3.12-trixie-slim@${D1}`])(
    "%s: a digest update of the tag as it is",
    (ref) => {
      const p = image(ref);
      expect(one(p)).toEqual(
        update(p, {
          type: "digest",
          tag: p.resolvedTag,
          needDigest: true,
          release: null,
        }),
      );
    },
  );

  it.each([`${UV}:latest`, `${UV}:python3.12-trixie-slim`])(
    "%s without a digest: current, or a pin with pinDigests",
    (ref) => {
      const p = image(ref);
      expect(one(p)).toEqual(current(p));
      expect(one(p, { pinDigests: true })).toEqual(
        update(p, { type: "pin", tag: p.resolvedTag, needDigest: true, release: null }),
      );
    },
  );

  it.each([`${UV}:python3.12-bookworm-slim`, `${UV}:python3.12-bookworm-slim@${D1}`])(
    "%s: a variant no longer published is not current: where it stopped, the closest current variant",
    (ref) => {
      const p = image(ref);
      expect(one(p)).toEqual(
        skip(
          p,
          "the `python3.12-bookworm-slim` tag is no longer published: it stopped at uv 0.9.18 (there is no `0.10.1-python3.12-bookworm-slim`); the closest current variant is `python3.12-trixie-slim`",
        ),
      );
    },
  );

  it("a variant-only tag the registry no longer has is skipped", () => {
    const p = image(`${UV}:python3.8-bookworm-slim@${D1}`);
    expect(one(p)).toEqual(skip(p, `${UV} has no tag \`python3.8-bookworm-slim\``));
  });

  it("digest-only: keeps its form and follows the release's plain tag", () => {
    const p = image(`${UV}@${D1}`);
    expect(one(p)).toEqual(
      update(p, { type: "digest", tag: "0.10.1", needDigest: true, release: R["0.10.1"] }),
    );
  });

  it("digest-only: the release's plain tag must exist; no release leaves it current", () => {
    const p = image(`${UV}@${D1}`);
    const tags = new Map([[UV, uvTags(["0.10.0"])]]);
    expect(one(p, {}, RELEASES, tags)).toEqual(skip(p, `${UV} has no tag \`0.10.1\``));
    expect(one(p, {}, [])).toEqual(current(p));
  });
});

describe("pinDigests", () => {
  it("on: a tag-only pin at the target gains a digest (type pin)", () => {
    const p = image(`${UV}:0.10.1-alpine`);
    expect(one(p, { pinDigests: true })).toEqual(
      update(p, {
        type: "pin",
        version: "0.10.1",
        tag: "0.10.1-alpine",
        needDigest: true,
        release: R["0.10.1"],
      }),
    );
  });

  it("on: a tag-only pin that moves gets the usual type and a digest", () => {
    const p = image(`${UV}:0.10.0`);
    expect(one(p, { pinDigests: true })).toEqual(
      update(p, {
        type: "patch",
        version: "0.10.1",
        tag: "0.10.1",
        needDigest: true,
        release: R["0.10.1"],
      }),
    );
  });

  it("on: a rolling tag-only pin that stays is pinned at its own tag", () => {
    const p = image(`${UV}:0.10`);
    expect(one(p, { pinDigests: true })).toEqual(
      update(p, { type: "pin", version: "0.10", tag: "0.10", needDigest: true, release: null }),
    );
  });

  it("off: tag-only pins never need a digest; tag+digest pins always do", () => {
    const tagOnly = image(`${UV}:0.10.0`);
    const withDigest = image(`${UV}:0.10.0@${D1}`);
    const release = R["0.10.1"];
    expect(decide([tagOnly, withDigest], RELEASES, TAGS, options()).decisions).toEqual([
      update(tagOnly, { type: "patch", version: "0.10.1", tag: "0.10.1", release }),
      update(withDigest, {
        type: "patch",
        version: "0.10.1",
        tag: "0.10.1",
        needDigest: true,
        release,
      }),
    ]);
    expect(one(image(`${UV}:0.10.1`))).toEqual(current(image(`${UV}:0.10.1`)));
  });
});

describe("updateTypes", () => {
  const releases = [...RELEASES, R["1.0.0"]];
  const tags = new Map([[UV, uvTags([...RELEASES.map((r) => r.version), "1.0.0"])]]);
  it.each([
    [["major", "minor", "patch", "digest"], "major", "1.0.0"],
    [["minor", "patch"], "minor", "0.10.1"],
    [["patch"], "patch", "0.9.18"],
    [["major"], "major", "1.0.0"],
    [["minor"], "minor", "0.10.1"],
  ] as [UpdateType[], UpdateType, keyof typeof R][])(
    "%j from 0.9.17: a %s update to %s",
    (updateTypes, type, version) => {
      const p = pin("RUN pip install uv==0.9.17");
      expect(decide([p], releases, tags, options({ updateTypes }))).toEqual({
        release: R[version],
        decisions: [update(p, { type, version, release: R[version] })],
      });
    },
  );

  it("none of the bumps allowed: current, at its own release", () => {
    const p = pin("RUN pip install uv==0.9.17");
    expect(decide([p], releases, tags, options({ updateTypes: ["digest"] }))).toEqual({
      release: R["0.9.17"],
      decisions: [current(p)],
    });
  });

  it('"digest" alone: digest updates happen, version moves do not', () => {
    const rolling = image(`${UV}:0.9@${D1}`);
    expect(one(rolling, { updateTypes: ["digest"] }, releases, tags)).toEqual(
      update(rolling, {
        type: "digest",
        version: "0.9",
        tag: "0.9",
        needDigest: true,
        release: null,
      }),
    );
  });

  it('without "digest": digest-only, latest and rolling digest pins are skipped with a reason', () => {
    const reason = 'digest updates are off (updateTypes does not include "digest")';
    const pins = [image(`${UV}@${D1}`), image(`${UV}:latest@${D1}`), image(`${UV}:0.10@${D1}`)];
    const o = options({ updateTypes: ["major", "minor", "patch"] });
    expect(decide(pins, RELEASES, TAGS, o).decisions).toEqual(pins.map((p) => skip(p, reason)));
  });

  it('"pin" needs no listing: pinDigests alone decides', () => {
    const p = image(`${UV}:0.10.1`);
    expect(one(p, { updateTypes: ["pin"] })).toEqual(current(p));
    expect(one(p, { updateTypes: [], pinDigests: true })).toEqual(
      update(p, {
        type: "pin",
        version: "0.10.1",
        tag: "0.10.1",
        needDigest: true,
        release: R["0.10.1"],
      }),
    );
  });
});

describe("0.x bumps", () => {
  it.each([
    ["0.9.17", "0.9.18", "patch", "0.9.18"],
    ["0.9.17", "0.10.0", "minor", "0.10.0"],
    ["0.10.1", "1.0.0", "major", "1.0.0"],
    ["0.9", "1.0.0", "major", "1.0"],
  ] as const)("%s → release %s is %s (text %s)", (from, to, type, version) => {
    const p = pin(`RUN pip install uv==${from}`);
    expect(one(p, {}, [R[to]])).toEqual(update(p, { type, version, release: R[to] }));
  });
});

describe("ignoreVersions", () => {
  const p = pin("RUN pip install uv==0.9.17");
  it.each([
    [[">=0.10.0"], "0.9.18"],
    [["0.10.1"], "0.10.0"],
    [["0.10.x", "0.9.18"], "0.9.17"],
    [["not a range"], "0.10.1"],
  ] as [string[], keyof typeof R][])("%j → %s", (ignoreVersions, version) => {
    const { release, decisions } = decide([p], RELEASES, TAGS, options({ ignoreVersions }));
    expect(release).toEqual(R[version]);
    expect(decisions).toEqual([
      version === "0.9.17"
        ? current(p)
        : update(p, {
            type: version === "0.9.18" ? "patch" : "minor",
            version,
            release: R[version],
          }),
    ]);
  });
});

describe("minimumReleaseAge", () => {
  const p = pin("RUN pip install uv==0.9.17");
  const at = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
  const young = rel("0.10.2", 0, { publishedAt: at(3 * DAY - 1) });
  const exact = rel("0.10.2", 0, { publishedAt: at(3 * DAY) });
  const waiting = `0.10.2 is not proposed yet (published ${at(3 * DAY - 1)}; minimumReleaseAge is 3 days)`;

  it("published exactly N days before now: proposed", () => {
    expect(one(p, { minimumReleaseAge: 3 }, [...RELEASES, exact])).toEqual(
      update(p, { type: "minor", version: "0.10.2", release: exact }),
    );
  });

  it("N days minus 1 ms: not proposed yet; the next older release is, with a note", () => {
    expect(one(p, { minimumReleaseAge: 3 }, [...RELEASES, young])).toEqual(
      update(p, { type: "minor", version: "0.10.1", release: R["0.10.1"], note: waiting }),
    );
  });

  it("at the newest old-enough release: current, with the note", () => {
    const at101 = pin("RUN pip install uv==0.10.1");
    expect(one(at101, { minimumReleaseAge: 3 }, [...RELEASES, young])).toEqual(
      current(at101, waiting),
    );
  });

  it("a young release that the update types would not allow anyway is not mentioned", () => {
    const major = rel("1.0.0", 0, { publishedAt: at(DAY) });
    expect(one(p, { minimumReleaseAge: 1, updateTypes: ["minor"] }, [...RELEASES, major])).toEqual(
      update(p, { type: "minor", version: "0.10.1", release: R["0.10.1"] }),
    );
  });

  it("0 days: any date is fine, even one after now", () => {
    const future = rel("0.10.2", -1);
    expect(one(p, {}, [...RELEASES, future])).toEqual(
      update(p, { type: "minor", version: "0.10.2", release: future }),
    );
  });

  it("1 day: the note says day", () => {
    const fresh = rel("0.10.2", 0);
    expect(one(p, { minimumReleaseAge: 1 }, [...RELEASES, fresh])).toEqual(
      update(p, {
        type: "minor",
        version: "0.10.1",
        release: R["0.10.1"],
        note: `0.10.2 is not proposed yet (published ${NOW.toISOString()}; minimumReleaseAge is 1 day)`,
      }),
    );
  });
});

describe("pre-releases", () => {
  const p = pin("RUN pip install uv==0.10.1");
  const rc = rel("0.11.0rc1", 5);
  const flagged = rel("0.10.2", 5, { prerelease: true });
  const releases = [...RELEASES, rc, flagged];

  it("off: neither a non-plain version nor a release flagged as a pre-release is proposed", () => {
    expect(decide([p], releases, TAGS, options())).toEqual({
      release: R["0.10.1"],
      decisions: [current(p)],
    });
  });

  it("on: the newest, pre-release or not", () => {
    expect(one(p, { allowPrereleases: true }, releases)).toEqual(
      update(p, { type: "minor", version: "0.11.0rc1", release: rc }),
    );
    expect(one(p, { allowPrereleases: true }, [...RELEASES, flagged])).toEqual(
      update(p, { type: "patch", version: "0.10.2", release: flagged }),
    );
  });

  it("a pin on a pre-release moves to its final release, as a patch", () => {
    const onRc = pin("RUN curl -LsSf https://astral.sh/uv/0.11.0rc1/install.sh | sh");
    const final = rel("0.11.0", 1);
    expect(one(onRc, {}, [...releases, final])).toEqual(
      update(onRc, { type: "patch", version: "0.11.0", release: final }),
    );
  });
});

describe("version settings: ranges and latest", () => {
  const release = R["0.10.1"];
  it.each([
    ["pyproject.toml", '[tool.uv]\nrequired-version = ">=0.5"\n'],
    ["pyproject.toml", '[tool.uv]\nrequired-version = "~=0.9"\n'],
    ["uv.toml", 'required-version = "==0.10.*"\n'],
    ["uv.toml", 'required-version = ">=0.9.0,<0.11"\n'],
    ["uv.toml", 'required-version = "0.10.x"\n'],
  ])("%s %j: inside, current", (file, text) => {
    const [p] = scan(file, text) as [Pin];
    expect(one(p)).toEqual(current(p));
  });

  it.each([
    ["<0.10", '[tool.uv]\nrequired-version = "<0.10"\n'],
    ["~=0.9.1", '[tool.uv]\nrequired-version = "~=0.9.1"\n'],
    ["==0.9.*", '[tool.uv]\nrequired-version = "==0.9.*"\n'],
    ["==0.9.17", '[tool.uv]\nrequired-version = "==0.9.17"\n'],
  ])("%s: outside, reported and not rewritten", (range, text) => {
    const [p] = scan("pyproject.toml", text) as [Pin];
    expect(one(p)).toEqual(
      skip(p, `the range \`${range}\` excludes 0.10.1, the release chosen for this repository`),
    );
  });

  it("a setup-uv range outside, next to a plain pin that moves", () => {
    const pins = scan(
      "ci.yml",
      "steps:\n  - uses: astral-sh/setup-uv@v7\n    with: {version: '>=0.9.0,<0.10'}\n  - uses: astral-sh/setup-uv@v7\n    with: {version: '0.9.17'}\n",
    );
    const [range, plain] = pins as [Pin, Pin];
    expect(decide(pins, RELEASES, TAGS, options()).decisions).toEqual([
      skip(
        range,
        "the range `>=0.9.0,<0.10` excludes 0.10.1, the release chosen for this repository",
      ),
      update(plain, { type: "minor", version: "0.10.1", release }),
    ]);
  });

  it("a range that cannot be read: current, with a note", () => {
    const [p] = scan("uv.toml", 'required-version = "newest please"\n') as [Pin];
    expect(one(p)).toEqual(
      current(p, "`newest please` is not a range this policy can read, so it is left as it is"),
    );
  });

  it("latest: current, with a note; a range with no target: current", () => {
    const [latest] = scan(
      "ci.yml",
      "steps:\n  - uses: astral-sh/setup-uv@v7\n    with: {version: latest}\n",
    ) as [Pin];
    expect(one(latest)).toEqual(current(latest, "`latest` always installs the newest release"));
    const [range] = scan("uv.toml", 'required-version = "<0.1"\n') as [Pin];
    expect(one(range, {}, [])).toEqual(current(range));
  });
});

describe("installers", () => {
  const release = R["0.10.1"];
  it("a URL moves; with a checksum it needs one", () => {
    const url = pin("RUN curl -LsSf https://astral.sh/uv/0.9.17/install.sh | sh");
    const checked = pin(
      `ADD --checksum=${D1} https://github.com/astral-sh/uv/releases/download/0.9.17/uv-x86_64-unknown-linux-gnu.tar.gz /uv.tgz`,
    );
    expect(decide([url, checked], RELEASES, TAGS, options()).decisions).toEqual([
      update(url, { type: "minor", version: "0.10.1", release }),
      update(checked, { type: "minor", version: "0.10.1", needChecksum: true, release }),
    ]);
  });

  it("unversioned URLs always install the newest release; a latest URL is unpinned; a checksum for one cannot be kept", () => {
    const floating = pin("RUN curl -LsSf https://astral.sh/uv/install.sh | sh");
    const latest = pin(
      "ADD https://github.com/astral-sh/uv/releases/latest/download/uv-installer.sh /i.sh",
    );
    const checked = pin(`ADD --checksum=${D1} https://astral.sh/uv/install.sh /i.sh`);
    expect(decide([floating, latest, checked], RELEASES, TAGS, options()).decisions).toEqual([
      current(floating, "this URL always installs the newest release"),
      current(latest, UNPINNED_LATEST),
      skip(checked, "a checksum cannot be kept for a URL that always serves the newest release"),
    ]);
  });

  it("at the target: current", () => {
    const p = pin(`ADD --checksum=${D1} https://astral.sh/uv/0.10.1/install.sh /i.sh`);
    expect(one(p)).toEqual(current(p));
  });
});

describe("v-prefixed tags", () => {
  it("the tag as written (`v` + version + suffix) must exist", () => {
    const p = image(`${UV}:v0.9.17-alpine@${D1}`);
    const tags = new Map([[UV, [...uvTags(["0.10.1"]), "v0.10.1-alpine"]]]);
    expect(one(p, {}, RELEASES, tags)).toEqual(
      update(p, {
        type: "minor",
        version: "0.10.1",
        tag: "v0.10.1-alpine",
        needDigest: true,
        release: R["0.10.1"],
      }),
    );
    expect(one(p)).toEqual(skip(p, `${UV} has no tag \`v0.10.1-alpine\``));
  });
});

describe("what the policy cannot see", () => {
  it("the registry's tags for an image are not known: its pins are skipped, the rest go on", () => {
    const hub = image("docker.io/astral/uv:0.9.17");
    const ghcr = image(`${UV}:0.9.17`);
    expect(decide([hub, ghcr], RELEASES, TAGS, options()).decisions).toEqual([
      skip(hub, "the registry's tags for docker.io/astral/uv are not known"),
      update(ghcr, { type: "minor", version: "0.10.1", tag: "0.10.1", release: R["0.10.1"] }),
    ]);
  });

  it("a distroless tag that does not exist (yet) is skipped, not invented", () => {
    const p = image(`${UV}:0.9.17`);
    const tags = new Map([[UV, uvTags(["0.9.17", "0.10.0"])]]);
    expect(one(p, {}, RELEASES, tags)).toEqual(skip(p, `${UV} has no tag \`0.10.1\``));
  });

  it("a pin with a skipReason is skipped with that reason, whatever else it is", () => {
    const pins = scan(
      "Dockerfile",
      `ARG V\nFROM ${UV}:$V\nRUN curl https://astral.sh/uv/$V/install.sh | sh\n`,
    );
    expect(decide(pins, RELEASES, TAGS, options()).decisions).toEqual([
      skip(pins[0] as Pin, "tag: `V` has no default value"),
      skip(pins[1] as Pin, "version: `V` has no default value"),
    ]);
  });

  it("no releases at all: versioned pins keep their version, digests are still re-checked", () => {
    const pins = [image(`${UV}:0.9.17@${D1}`), image(`${UV}:latest@${D1}`)];
    expect(decide(pins, [], TAGS, options())).toEqual({
      release: null,
      decisions: [
        update(pins[0] as Pin, {
          type: "digest",
          version: "0.9.17",
          tag: "0.9.17",
          needDigest: true,
          release: null,
          recheck: true,
        }),
        update(pins[1] as Pin, { type: "digest", tag: "latest", needDigest: true, release: null }),
      ],
    });
  });

  it("DEFAULT_POLICY", () => {
    expect(DEFAULT_POLICY).toEqual({
      updateTypes: ["major", "minor", "patch", "digest"],
      ignoreVersions: [],
      minimumReleaseAge: 0,
      allowPrereleases: false,
      pinDigests: false,
    });
  });
});
