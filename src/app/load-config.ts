/**
 * `.github/uv-pin-bot.yml` for a repository, as Probot's config plugin finds it (the repository's
 * file, else the organisation's `{owner}/.github` repository's, then `_extends` chains, the nearer
 * file's keys winning) but with the limits a hostile file calls for:
 *
 * - `_extends` may only name a uv-pin-bot configuration (`[owner/]repo[:path/uv-pin-bot.yml]`),
 *   never any other file the installation can read; at most `MAX_EXTENDS` links, no cycles.
 * - A problem in a file of ANOTHER repository (the org defaults, an extended file) is reported
 *   with that file's name only: never its contents, its key names or the parser's message (which
 *   can quote the text), so a public repository cannot read a private one through the replies.
 *   A file that cannot be read (missing, or not visible to this installation) reads the same.
 * - YAML is parsed with the depth limit and unique keys the CLI uses (`parseConfig`).
 *
 * GitHub failing to answer (a status other than 404) is thrown, not turned into a config problem.
 */
import type { ProbotOctokit } from "probot";
import {
  type Config,
  type ConfigProblem,
  parseConfigObject,
  validateConfig,
} from "../core/config.js";
import { httpStatusOf } from "../errors.js";

export const CONFIG_PATH = ".github/uv-pin-bot.yml";
export const MAX_EXTENDS = 5;
/** Bytes of configuration read per file; a bigger file is a problem, not read further. */
export const MAX_CONFIG_BYTES = 64 * 1024;

const EXTENDS =
  /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w]{1,100})(?::((?:[-_.\w]+\/){0,8}uv-pin-bot\.ya?ml))?$/i;

/**
 * Where a configuration came from: the repository's own file (`own`), the organisation's
 * `{owner}/.github` file (`org`), neither (`none`: the defaults), or a chain with `_extends`.
 */
export type ConfigSource = "own" | "org" | "none" | "extends";

export type LoadedConfig =
  | { ok: true; config: Config; source: ConfigSource }
  | { ok: false; problems: ConfigProblem[] };

export interface LoadOptions {
  /**
   * Reads the organisation's fallback (`{owner}/.github:.github/uv-pin-bot.yml`, null when there
   * is none): a sweep passes one that asks GitHub once per organisation for the whole sweep.
   */
  orgConfig?: () => Promise<string | null>;
}

type GitHub = Pick<ProbotOctokit, "request">;
interface Where {
  owner: string;
  repo: string;
  path: string;
}

export async function loadRepositoryConfig(
  octokit: GitHub,
  owner: string,
  repo: string,
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const self = `${owner}/${repo}`.toLowerCase();
  const isOther = (w: Where) => `${w.owner}/${w.repo}`.toLowerCase() !== self;
  const label = (w: Where) => `${w.owner}/${w.repo}:${w.path}`;
  const objects: Record<string, unknown>[] = [];
  const seen = new Set<string>();

  let where: Where = { owner, repo, path: CONFIG_PATH };
  let file = await readFile(octokit, where);
  let source: ConfigSource = file === null ? "none" : "own";
  if (file === null && repo.toLowerCase() !== ".github") {
    where = { owner, repo: ".github", path: CONFIG_PATH };
    file = options.orgConfig ? await options.orgConfig() : await readFile(octokit, where);
    if (file !== null) source = "org";
  }
  for (let links = 0; file !== null; links++) {
    seen.add(label(where).toLowerCase());
    const other = isOther(where);
    const parsed = parseConfigObject(file);
    if (!parsed.ok)
      return { ok: false, problems: other ? hide(where, parsed.problems) : parsed.problems };
    const { _extends: extend, ...rest } = parsed.value;
    const checked = validateConfig(rest);
    if (!checked.ok)
      return { ok: false, problems: other ? hide(where, checked.problems) : checked.problems };
    objects.push(rest);
    if (extend === undefined) break;
    source = "extends";
    const next = extendsTarget(extend, where.owner);
    const from = other ? ` (in ${label(where)})` : "";
    if (!next)
      return {
        ok: false,
        problems: [
          {
            path: "_extends",
            message: `may only name a uv-pin-bot configuration: \`[owner/]repo\` or \`[owner/]repo:path/uv-pin-bot.yml\`${from}`,
          },
        ],
      };
    if (seen.has(label(next).toLowerCase()) || links + 1 > MAX_EXTENDS)
      return {
        ok: false,
        problems: [
          {
            path: "_extends",
            message: `${seen.has(label(next).toLowerCase()) ? "a cycle" : `more than ${MAX_EXTENDS} links`} at ${label(next)}${from}`,
          },
        ],
      };
    const text = await readFile(octokit, next);
    if (text === null)
      return {
        ok: false,
        problems: [
          {
            path: "_extends",
            message: `${label(next)} could not be read (it does not exist, or this installation cannot see it)${from}`,
          },
        ],
      };
    where = next;
    file = text;
  }
  // The nearest file wins, key by key (as Probot's plugin merges).
  const merged = Object.assign({}, ...objects.reverse());
  const result = validateConfig(merged);
  return result.ok ? { ...result, source } : { ok: false, problems: result.problems };
}

/** The organisation's fallback configuration's text (null: none, or not visible): one request. */
export function readOrgConfig(octokit: GitHub, owner: string): Promise<string | null> {
  return readFile(octokit, { owner, repo: ".github", path: CONFIG_PATH });
}

/** `[owner/]repo[:path]` → where, when it names a uv-pin-bot configuration; else null. */
export function extendsTarget(value: unknown, owner: string): Where | null {
  if (typeof value !== "string") return null;
  const m = EXTENDS.exec(value.trim());
  if (!m) return null;
  return { owner: m[1] ?? owner, repo: m[2] as string, path: m[3] ?? CONFIG_PATH };
}

/** Another repository's problems, without its contents, key names or parser messages. */
function hide(where: Where, problems: readonly ConfigProblem[]): ConfigProblem[] {
  const lines = problems
    .map((p) => /^line \d+$/.exec(p.path)?.[0])
    .filter((l): l is string => l !== undefined);
  const yaml = problems.some((p) => /^not valid YAML|YAML mapping|too deep/i.test(p.message));
  return [
    {
      path: lines[0] ?? "(file)",
      message: `${yaml ? "not valid YAML" : "not a valid uv-pin-bot configuration"} (in ${where.owner}/${where.repo}:${where.path}; its contents are not shown here)`,
    },
  ];
}

/** The file's text, or null when it does not exist or cannot be seen (404). */
async function readFile(octokit: GitHub, where: Where): Promise<string | null> {
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...where,
      mediaType: { format: "raw" },
    });
    const data: unknown = response.data;
    const headers = response.headers;
    if (typeof data !== "string" || /^application\/json/.test(String(headers["content-type"])))
      return null;
    return data.length > MAX_CONFIG_BYTES ? data.slice(0, MAX_CONFIG_BYTES + 1) : data;
  } catch (error) {
    if (httpStatusOf(error) === 404) return null;
    throw error;
  }
}
