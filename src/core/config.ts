/**
 * The repository configuration (`.github/uv-pin-bot.yml`, or `--config FILE`): one schema for the
 * app and the CLI. An unknown key or a wrong type is an error that names its path; nothing falls
 * back silently.
 */
import semver from "semver";
import { parseDocument } from "yaml";
import { z } from "zod";
import { compileGlobs, globProblem } from "./glob.js";
import { DEFAULT_IMAGES, sameImage } from "./matchers.js";
import { isImageName, MAX_IMAGE_NAME, MIRROR_UPSTREAMS, upstreamOf } from "./mirrors.js";
import type { PolicyOptions } from "./policy.js";
import { TOO_DEEP, tooDeepAt } from "./yaml-depth.js";

const UPDATE_TYPES = ["major", "minor", "patch", "digest"] as const;

/**
 * Bounds on what a repository may ask for, so that a hostile file cannot make matching slow or
 * the app's work large: list lengths, text lengths, and the wildcards and brace groups in a glob.
 * Globs are matched in linear time (core/glob.ts), so these bounds keep the work small, not finite.
 */
export const LIMITS = {
  listItems: 50,
  textLength: 200,
  globWildcards: 16,
  globBraces: 4,
} as const;

const text = () => z.string().min(1).max(LIMITS.textLength);
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).max(LIMITS.listItems);

/** A `paths` glob: bounded length, wildcards and brace groups, no NUL or line breaks. */
const glob = () =>
  text()
    .refine((g) => !/[\0\r\n]/.test(g), { message: "a glob may not contain control characters" })
    .refine((g) => (g.match(/[*?[]/g) ?? []).length <= LIMITS.globWildcards, {
      message: `at most ${LIMITS.globWildcards} wildcards (*, ?, [) per glob`,
    })
    .refine((g) => (g.match(/[{(]/g) ?? []).length <= LIMITS.globBraces, {
      message: `at most ${LIMITS.globBraces} brace or extglob groups per glob`,
    })
    .superRefine((g, ctx) => {
      const problem = globProblem(g);
      if (problem) ctx.addIssue({ code: "custom", message: `not a usable glob: ${problem}` });
    });

/** An `ignoreVersions` entry: a semver range (`>=0.10.0`, `0.9.x`, `^0.8`), checked here. */
const range = () =>
  text().refine((r) => semver.validRange(r) !== null, {
    message: "not a valid semver range (e.g. `>=0.10.0`, `0.9.x`, `<0.9.5 || >=0.9.7`)",
  });

/** An image repository name (no tag or digest), checked with Docker's grammar. */
const imageName = () =>
  z.string().refine(isImageName, {
    message: `not an image name (REGISTRY/PATH with lower-case path parts, at most ${MAX_IMAGE_NAME} characters, no tag or digest), e.g. registry.corp.example/ghcr/astral-sh/uv`,
  });

/**
 * `images:` entries: `{name, mirrorOf}` (a registry mirror of a uv upstream), or a bare name / a
 * `{name}` alone (read as before: its pins are reported, never moved, since only the upstream is
 * ever asked and none is named). A bare name is read as `{name, mirrorOf: null}`.
 */
const imageEntry = () =>
  z.preprocess(
    (v) => (typeof v === "string" ? { name: v } : v),
    z
      .object(
        {
          name: imageName(),
          mirrorOf: z
            .string()
            .refine((m) => upstreamOf(m) !== null, {
              message: `a mirror can only mirror a uv image: ${MIRROR_UPSTREAMS.join(" or ")}`,
            })
            .nullable()
            .default(null),
        },
        { error: "expected an image name or {name: IMAGE, mirrorOf: UPSTREAM}" },
      )
      .strict(),
  );

const images = () =>
  list(imageEntry()).superRefine((entries, ctx) => {
    const seen: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const name = entry.name;
      const path = [i, "name"];
      if (DEFAULT_IMAGES.some((d) => sameImage(d, name)))
        ctx.addIssue({ code: "custom", path, message: `\`${name}\` is a uv image already` });
      else if (seen.some((s) => sameImage(s, name)))
        ctx.addIssue({ code: "custom", path, message: `\`${name}\` is listed twice` });
      seen.push(name);
    }
  });

export const configSchema = z
  .object({
    schedule: z.enum(["weekly", "daily", "off"]).default("weekly"),
    updateTypes: z
      .array(z.enum(UPDATE_TYPES))
      .max(UPDATE_TYPES.length)
      .default([...UPDATE_TYPES]),
    ignoreVersions: list(range()).default([]),
    minimumReleaseAge: z.number().int().min(0).default(0),
    pinDigests: z.boolean().default(false),
    attestations: z.enum(["required", "warn", "off"]).default("required"),
    /**
     * Whose builds count (a mirror or fork names its own repository), and whether the attested
     * commit must be the one the release tag points to. Strict by default.
     */
    attestationPolicy: z
      .object({
        repository: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
            message: "expected OWNER/REPO, e.g. astral-sh/uv",
          })
          .default("astral-sh/uv"),
        requireReleaseCommit: z.boolean().default(true),
      })
      .strict()
      .default({ repository: "astral-sh/uv", requireReleaseCommit: true }),
    allowPrereleases: z.boolean().default(false),
    paths: z
      .object({
        include: list(glob()).default([]),
        exclude: list(glob()).default([]),
      })
      .strict()
      .default({ include: [], exclude: [] }),
    labels: list(text()).default(["dependencies", "uv"]),
    reviewers: list(text()).default([]),
    assignees: list(text()).default([]),
    draft: z.boolean().default(false),
    commitMessagePrefix: z.string().max(LIMITS.textLength).default("chore(deps):"),
    /** Registry mirrors of the uv images: found, looked up on the upstream, rewritten as written. */
    images: images().default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export const DEFAULT_CONFIG: Config = configSchema.parse({});

export interface ConfigProblem {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** Validates an already-parsed configuration object (Probot's `context.config` gives one). */
export function validateConfig(value: unknown): ConfigResult {
  const parsed = configSchema.safeParse(value ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: issue.path.length ? issue.path.join(".") : "(top level)",
      message:
        issue.code === "unrecognized_keys"
          ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`
          : issue.message,
    })),
  };
}

/** Bytes of configuration text read; more is a problem (a configuration is a few lines). */
export const MAX_CONFIG_TEXT = 64 * 1024;

/**
 * Configuration YAML text → the mapping it holds (not yet validated), with the limits hostile
 * text calls for: size, nesting depth, unique keys. An empty file is an empty mapping.
 */
export function parseConfigObject(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; problems: ConfigProblem[] } {
  if (text.length > MAX_CONFIG_TEXT)
    return {
      ok: false,
      problems: [{ path: "(file)", message: `larger than ${MAX_CONFIG_TEXT / 1024} KiB` }],
    };
  const deep = tooDeepAt(text);
  if (deep !== null) {
    const line = text.slice(0, deep).split(/\r\n|\r|\n/).length;
    return { ok: false, problems: [{ path: `line ${line}`, message: TOO_DEEP }] };
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    const line = error.linePos?.[0]?.line;
    return {
      ok: false,
      problems: [
        {
          path: line ? `line ${line}` : "(file)",
          message: `not valid YAML: ${(error.message.split("\n")[0] ?? "").replace(/:$/, "")}`,
        },
      ],
    };
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value))
    return { ok: false, problems: [{ path: "(top level)", message: "not a YAML mapping" }] };
  return { ok: true, value: value as Record<string, unknown> };
}

/** Parses and validates configuration YAML text. */
export function parseConfig(text: string): ConfigResult {
  const parsed = parseConfigObject(text);
  return parsed.ok ? validateConfig(parsed.value) : parsed;
}

/** One line per problem, for a reply, a check run or the CLI. */
export function describeProblems(source: string, problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${source}: ${p.path}: ${p.message}`).join("\n");
}

/** The update policy a configuration asks for, at `now`. */
export function policyFrom(config: Config, now: Date): PolicyOptions {
  return {
    updateTypes: [...config.updateTypes],
    ignoreVersions: [...config.ignoreVersions],
    minimumReleaseAge: config.minimumReleaseAge,
    allowPrereleases: config.allowPrereleases,
    pinDigests: config.pinDigests,
    now,
  };
}

/** Whether a repository path is scanned: it matches `paths.include` (if any) and not `paths.exclude`. */
export function pathFilter(config: Pick<Config, "paths">): (path: string) => boolean {
  const include = config.paths.include.length ? compileGlobs(config.paths.include) : null;
  const exclude = config.paths.exclude.length ? compileGlobs(config.paths.exclude) : null;
  return (path) => (include?.match(path) ?? true) && !(exclude?.match(path) ?? false);
}
