/**
 * The repository configuration (`.github/uv-pin-bot.yml`, or `--config FILE`): one schema for the
 * app and the CLI. An unknown key or a wrong type is an error that names its path; nothing falls
 * back silently.
 */
import picomatch from "picomatch";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { PolicyOptions } from "./policy.js";
import { TOO_DEEP, tooDeepAt } from "./yaml-depth.js";

const UPDATE_TYPES = ["major", "minor", "patch", "digest"] as const;

export const configSchema = z
  .object({
    schedule: z.enum(["weekly", "daily", "off"]).default("weekly"),
    updateTypes: z.array(z.enum(UPDATE_TYPES)).default([...UPDATE_TYPES]),
    ignoreVersions: z.array(z.string().min(1)).default([]),
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
        include: z.array(z.string().min(1)).default([]),
        exclude: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ include: [], exclude: [] }),
    labels: z.array(z.string().min(1)).default(["dependencies", "uv"]),
    reviewers: z.array(z.string().min(1)).default([]),
    assignees: z.array(z.string().min(1)).default([]),
    draft: z.boolean().default(false),
    commitMessagePrefix: z.string().default("chore(deps):"),
    /** Extra image repositories that count as uv (registry mirrors). */
    images: z.array(z.string().min(1)).default([]),
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

/** Parses and validates configuration YAML text. */
export function parseConfig(text: string): ConfigResult {
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
  return validateConfig(doc.toJS());
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
  const include = config.paths.include.length
    ? picomatch(config.paths.include, { dot: true })
    : () => true;
  const exclude = config.paths.exclude.length
    ? picomatch(config.paths.exclude, { dot: true })
    : () => false;
  return (path) => include(path) && !exclude(path);
}
