/**
 * The GitHub App: thin Probot handlers around the shared repository run. `/uv-update` comments,
 * installation events, closed PRs, weekly sweeps (in-process cron and `POST /uv-pin-bot/sweep`).
 * Work on one repository is serialised; a redelivered webhook is handled once.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Cron } from "croner";
import type { ApplicationFunction, Probot } from "probot";
import {
  BRANCH,
  commentOnce,
  deleteBranch,
  type GitHub,
  permissionOf,
  react,
  reply,
} from "./adapters/github-prs.js";
import type { TrustMaterial } from "./adapters/sigstore-verify.js";
import { trustRoot } from "./adapters/trust-root.js";
import { createUpstreams, type Upstreams } from "./adapters/upstreams.js";
import { DeliveryLog, KeyedQueue } from "./app/keyed-queue.js";
import { replyFor } from "./app/replies.js";
import { DEFAULT_SCHEDULE, dueOnSweep } from "./app/schedule.js";
import { defaultPolicy } from "./core/attestation-policy.js";
import { parseCommand } from "./core/comment-command.js";
import { type ConfigProblem, describeProblems, validateConfig } from "./core/config.js";
import { helpComment, parseMetadata } from "./core/render-pr.js";
import { type RunMode, type RunOutcome, runRepository } from "./pipeline/run-repository.js";
import { mapBounded } from "./util/concurrency.js";

export const CONFIG_FILE = "uv-pin-bot.yml";
const WRITERS = new Set(["admin", "maintain", "write"]);

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Upstream adapters shared by every run (so a sweep asks about each tag once). */
  upstreams?: Upstreams;
  trustMaterial?: TrustMaterial;
  /** Cron for sweeps (UTC); false: no in-process scheduler. Default UV_PIN_BOT_SCHEDULE or weekly. */
  schedule?: string | false;
  /** Repositories run at once during a sweep. */
  concurrency?: number;
}

export type InvalidConfig = {
  status: "invalid-config";
  message: string;
  problems: ConfigProblem[];
};
export type RepositoryResult = RunOutcome | InvalidConfig;

export interface SweepSummary {
  repositories: number;
  opened: number;
  updated: number;
  skipped: number;
  failed: number;
  requests: number;
}

export function createApp(
  options: AppOptions = {},
): ApplicationFunction & { sweep?: () => Promise<SweepSummary> } {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const upstreams = options.upstreams ?? createUpstreams({ env });
  const queue = new KeyedQueue();
  const deliveries = new DeliveryLog();
  const pattern =
    options.schedule === false
      ? null
      : (options.schedule ?? env.UV_PIN_BOT_SCHEDULE ?? DEFAULT_SCHEDULE);
  let trust: Promise<TrustMaterial> | undefined;
  let botLogin: Promise<string> | undefined;

  const appFn: ApplicationFunction & { sweep?: () => Promise<SweepSummary> } = async (
    app: Probot,
    { addHandler },
  ) => {
    const material = () => {
      trust ??= options.trustMaterial
        ? Promise.resolve(options.trustMaterial)
        : trustRoot({ env }).then((r) => {
            if (r.warning) app.log.warn(r.warning);
            return r.material;
          });
      return trust;
    };
    const appBotLogin = () => {
      botLogin ??= app
        .auth()
        .then(async (octokit) => `${(await octokit.rest.apps.getAuthenticated()).data?.slug}[bot]`);
      return botLogin;
    };

    /** One repository, serialised: config, then the shared run. */
    const runFor = (
      octokit: GitHub,
      owner: string,
      repo: string,
      mode: RunMode,
    ): Promise<RepositoryResult> =>
      queue.run(`${owner}/${repo}`.toLowerCase(), async () => {
        const loaded = await loadConfig(octokit, owner, repo);
        if (!loaded.ok) return loaded.invalid;
        return runRepository(
          { owner, repo },
          loaded.config,
          {
            octokit,
            upstreams,
            attest: {
              attestations: upstreams.attestations,
              cache: upstreams.cache,
              trustMaterial: await material(),
              policy: defaultPolicy("astral-sh"),
            },
            now,
            appBotLogin: await appBotLogin(),
          },
          mode,
        );
      });

    app.on("issue_comment.created", async (context) => {
      if (!deliveries.first(context.id)) return;
      const { comment, issue, sender } = context.payload;
      if (sender.type === "Bot" || comment.user?.type === "Bot") return;
      const command = parseCommand(comment.body ?? "");
      if (!command) return;
      const repo = context.repo();
      const octokit = context.octokit as unknown as GitHub;
      await react(octokit, repo, comment.id, "eyes");
      const permission = await permissionOf(octokit, repo, sender.login);
      if (!WRITERS.has(permission)) {
        await reply(
          octokit,
          repo,
          issue.number,
          `Sorry @${sender.login}, \`/uv-update\` commands are for people with write access to this repository.`,
        );
        await react(octokit, repo, comment.id, "confused");
        return;
      }
      if (command.command === "help") {
        await reply(octokit, repo, issue.number, helpComment());
        await react(octokit, repo, comment.id, command.unknown ? "confused" : "rocket");
        return;
      }
      if (
        command.command === "rebase" &&
        !(issue.pull_request && parseMetadata(issue.body ?? ""))
      ) {
        await reply(
          octokit,
          repo,
          issue.number,
          "`/uv-update rebase` works on uv-pin-bot's own pull request.",
        );
        await react(octokit, repo, comment.id, "confused");
        return;
      }
      try {
        const result = await runFor(octokit, repo.owner, repo.repo, command.command);
        const { body, ok } = replyFor(result);
        await reply(octokit, repo, issue.number, body);
        await react(octokit, repo, comment.id, ok ? "rocket" : "confused");
      } catch (error) {
        context.log.error({ err: error }, "uv-pin-bot run failed");
        await reply(octokit, repo, issue.number, `uv-pin-bot could not finish: ${oneLine(error)}`);
        await react(octokit, repo, comment.id, "confused");
      }
    });

    const runRepositories = async (octokit: GitHub, owner: string, names: readonly string[]) => {
      await mapBounded(names, options.concurrency ?? 4, async (name) => {
        try {
          await runFor(octokit, owner, name, "run");
        } catch (error) {
          app.log.error({ err: error, repository: `${owner}/${name}` }, "uv-pin-bot run failed");
        }
      });
    };

    app.on("installation.created", async (context) => {
      if (!deliveries.first(context.id)) return;
      const owner = accountLogin(context.payload.installation.account);
      const names = (context.payload.repositories ?? []).map((r) => r.name);
      await runRepositories(context.octokit as unknown as GitHub, owner, names);
    });

    app.on("installation_repositories.added", async (context) => {
      if (!deliveries.first(context.id)) return;
      const owner = accountLogin(context.payload.installation.account);
      const names = context.payload.repositories_added.map((r) => r.name);
      await runRepositories(context.octokit as unknown as GitHub, owner, names);
    });

    app.on("pull_request.closed", async (context) => {
      if (!deliveries.first(context.id)) return;
      const pr = context.payload.pull_request;
      if (
        pr.head.ref !== BRANCH ||
        pr.head.repo?.full_name !== context.payload.repository.full_name
      )
        return;
      const metadata = parseMetadata(pr.body ?? "");
      if (!metadata) return;
      const repo = context.repo();
      const octokit = context.octokit as unknown as GitHub;
      if (!pr.merged) {
        const what = metadata.target ? `uv ${metadata.target}` : "these digests";
        await commentOnce(
          octokit,
          repo,
          pr.number,
          "declined",
          `Closed without merging: uv-pin-bot will not propose ${what} again. A newer release gets a new pull request.`,
        );
      }
      await deleteBranch(octokit, repo);
    });

    const sweep = async (): Promise<SweepSummary> => {
      const started = upstreams.http.stats.requests;
      const summary: SweepSummary = {
        repositories: 0,
        opened: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        requests: 0,
      };
      const appOctokit = await app.auth();
      const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, {
        per_page: 100,
      });
      for (const installation of installations) {
        try {
          const octokit = (await app.auth(installation.id)) as unknown as GitHub;
          const repos = await octokit.paginate(
            octokit.rest.apps.listReposAccessibleToInstallation,
            { per_page: 100 },
          );
          await mapBounded(repos, options.concurrency ?? 4, async (r) => {
            summary.repositories++;
            if (r.archived) {
              summary.skipped++;
              return;
            }
            try {
              const loaded = await loadConfig(octokit, r.owner.login, r.name);
              if (
                loaded.ok &&
                !dueOnSweep(loaded.config.schedule, pattern ?? DEFAULT_SCHEDULE, now())
              ) {
                summary.skipped++;
                return;
              }
              const result = await runFor(octokit, r.owner.login, r.name, "run");
              if (result.status === "created") summary.opened++;
              else if (result.status === "updated") summary.updated++;
              else summary.skipped++;
            } catch (error) {
              summary.failed++;
              app.log.error(
                { err: error, repository: r.full_name },
                "uv-pin-bot sweep: repository failed",
              );
            }
          });
        } catch (error) {
          summary.failed++;
          app.log.error(
            { err: error, installation: installation.id },
            "uv-pin-bot sweep: installation failed",
          );
        }
      }
      summary.requests = upstreams.http.stats.requests - started;
      app.log.info(
        summary,
        `uv-pin-bot sweep: ${summary.repositories} repositories, ${summary.opened} opened, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.failed} failed, ${summary.requests} upstream requests`,
      );
      return summary;
    };
    appFn.sweep = sweep;

    if (pattern) {
      const cron = new Cron(pattern, { timezone: "UTC", protect: true }, () => {
        sweep().catch((error: unknown) => app.log.error({ err: error }, "uv-pin-bot sweep failed"));
      });
      app.log.info(
        `uv-pin-bot: sweeps on "${pattern}" (UTC), next ${cron.nextRun()?.toISOString()}`,
      );
    }

    const secret = env.UV_PIN_BOT_SWEEP_SECRET;
    addHandler((req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== "POST" || req.url?.split("?")[0] !== "/uv-pin-bot/sweep" || !secret)
        return false;
      const given = Buffer.from(req.headers.authorization ?? "");
      const expected = Buffer.from(`Bearer ${secret}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
        return true;
      }
      sweep().catch((error: unknown) => app.log.error({ err: error }, "uv-pin-bot sweep failed"));
      res.writeHead(202, { "content-type": "application/json" }).end('{"sweep":"started"}');
      return true;
    });
  };
  return appFn;
}

/** `.github/uv-pin-bot.yml` through Probot's config plugin (so `_extends` works), validated. */
async function loadConfig(
  octokit: GitHub,
  owner: string,
  repo: string,
): Promise<
  { ok: true; config: import("./core/config.js").Config } | { ok: false; invalid: InvalidConfig }
> {
  const path = `.github/${CONFIG_FILE}`;
  let raw: unknown;
  try {
    raw = (await octokit.config.get({ owner, repo, path })).config;
  } catch (error) {
    const problems = [{ path: "(file)", message: oneLine(error) }];
    return {
      ok: false,
      invalid: { status: "invalid-config", message: describeProblems(path, problems), problems },
    };
  }
  const result = validateConfig(raw);
  if (result.ok) return result;
  return {
    ok: false,
    invalid: {
      status: "invalid-config",
      message: describeProblems(path, result.problems),
      problems: result.problems,
    },
  };
}

/** An installation's account: a user or organisation (login), or an enterprise (slug). */
function accountLogin(account: unknown): string {
  const a = account as { login?: unknown; slug?: unknown } | null | undefined;
  return typeof a?.login === "string" ? a.login : typeof a?.slug === "string" ? a.slug : "";
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
