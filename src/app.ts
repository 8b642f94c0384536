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
import { networkCode } from "./adapters/http.js";
import { MemoryOwnCommits, type OwnCommits } from "./adapters/own-commits.js";
import type { TrustMaterial } from "./adapters/sigstore-verify.js";
import { type TrustRoot, trustRoot } from "./adapters/trust-root.js";
import { TrustRootKeeper } from "./adapters/trust-root-keeper.js";
import { createUpstreams, type Upstreams } from "./adapters/upstreams.js";
import {
  accountLogin,
  type CommentCreated,
  type InstallationCreated,
  type PullRequestClosed,
  type RepositoriesAdded,
} from "./app/events.js";
import { DeliveryLog, KeyedQueue } from "./app/keyed-queue.js";
import { CONFIG_PATH, loadRepositoryConfig } from "./app/load-config.js";
import { replyFor } from "./app/replies.js";
import { DEFAULT_SCHEDULE, dueOnSweep } from "./app/schedule.js";
import type { ShutdownRegistry } from "./app/shutdown.js";
import { defaultPolicy } from "./core/attestation-policy.js";
import { parseCommand } from "./core/comment-command.js";
import { type ConfigProblem, describeProblems } from "./core/config.js";
import { helpComment, parseMetadata } from "./core/render-pr.js";
import { httpStatusOf, UvPinBotError } from "./errors.js";
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
  /**
   * How to load the trusted root (default: `UV_PIN_BOT_TRUSTED_ROOT`, else a TUF refresh with
   * the embedded root as fallback). Unless `trustMaterial` is given, it is loaded when the app
   * starts and refreshed on a timer (`trustRootRefreshMs`), never inside a run.
   */
  loadTrustRoot?: (fresh: boolean) => Promise<TrustRoot>;
  trustRootRefreshMs?: number;
  /** Cron for sweeps (UTC); false: no in-process scheduler. Default UV_PIN_BOT_SCHEDULE or weekly. */
  schedule?: string | false;
  /** The commits the app pushed (default: in memory). */
  ownCommits?: OwnCommits;
  /** Repositories run at once during a sweep. */
  concurrency?: number;
  /** Where the app registers its shutdown steps (stop the cron; finish deliveries, sweeps, runs). */
  shutdown?: ShutdownRegistry;
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
  /** Upstream requests (registry, uv releases, attestations). */
  requests: number;
  /** GitHub API requests (installations, repositories, config, files, pull requests). */
  githubRequests: number;
}

export function createApp(
  options: AppOptions = {},
): ApplicationFunction & { sweep?: () => Promise<SweepSummary> } {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const upstreams = options.upstreams ?? createUpstreams({ env });
  const queue = new KeyedQueue();
  const deliveries = new DeliveryLog();
  const ownCommits = options.ownCommits ?? new MemoryOwnCommits();
  // The sweep cron decides which repositories are due (schedule.ts) also when the in-process
  // scheduler is off and sweeps come through `POST /uv-pin-bot/sweep`.
  const sweepPattern =
    (typeof options.schedule === "string" ? options.schedule : undefined) ??
    (env.UV_PIN_BOT_SCHEDULE?.trim() || DEFAULT_SCHEDULE);
  const pattern = options.schedule === false ? null : sweepPattern;
  let keeper: TrustRootKeeper | undefined;

  const appFn: ApplicationFunction & { sweep?: () => Promise<SweepSummary> } = async (
    app: Probot,
    { addHandler },
  ) => {
    // The trusted root loads now, in the background; a run waits for it only if it verifies
    // before the first load has ended.
    const load = options.loadTrustRoot ?? ((fresh: boolean) => trustRoot({ env, fresh }));
    if (!options.trustMaterial) {
      let first = true;
      keeper ??= new TrustRootKeeper({
        load: () => {
          const fresh = !first;
          first = false;
          return load(fresh);
        },
        refreshMs: options.trustRootRefreshMs,
        onWarning: (warning) => app.log.warn(warning),
      });
    }
    const material: TrustMaterial | (() => Promise<TrustMaterial>) =
      options.trustMaterial ?? (keeper as TrustRootKeeper).material.bind(keeper);
    /** One repository, serialised: config, then the shared run. */
    const runFor = (
      octokit: GitHub,
      owner: string,
      repo: string,
      mode: RunMode,
      /** The configuration when the caller has just loaded it (a sweep, for `schedule`). */
      preloaded?: LoadedConfig,
    ): Promise<RepositoryResult> =>
      queue.run(`${owner}/${repo}`.toLowerCase(), async () => {
        const loaded = preloaded ?? (await loadConfig(octokit, owner, repo));
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
              trustMaterial: material,
              policy: defaultPolicy("astral-sh"),
              releaseCommits: upstreams.releaseCommits,
            },
            now,
            ownCommits,
          },
          mode,
        );
      });

    app.on("issue_comment.created", (context) =>
      deliveries.handle(context.id, async () => {
        const { comment, issue, sender }: CommentCreated = context.payload;
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
          await reply(
            octokit,
            repo,
            issue.number,
            `uv-pin-bot could not finish: ${oneLine(error)}`,
          );
          await react(octokit, repo, comment.id, "confused");
        }
      }),
    );

    /**
     * Runs each repository; when one failed, throws after all ran, so that the delivery counts as
     * failed (GitHub records it; a redelivery runs again, and finished repositories are no-ops).
     */
    const runRepositories = async (octokit: GitHub, owner: string, names: readonly string[]) => {
      const failed: string[] = [];
      await mapBounded(names, options.concurrency ?? 4, async (name) => {
        try {
          await runFor(octokit, owner, name, "run");
        } catch (error) {
          failed.push(`${owner}/${name}`);
          app.log.error({ err: error, repository: `${owner}/${name}` }, "uv-pin-bot run failed");
        }
      });
      if (failed.length > 0) throw new Error(`uv-pin-bot: ${failed.join(", ")} failed`);
    };

    app.on("installation.created", (context) =>
      deliveries.handle(context.id, async () => {
        const payload: InstallationCreated = context.payload;
        const owner = accountLogin(payload.installation.account);
        const names = (payload.repositories ?? []).map((r) => r.name);
        await runRepositories(context.octokit as unknown as GitHub, owner, names);
      }),
    );

    app.on("installation_repositories.added", (context) =>
      deliveries.handle(context.id, async () => {
        const payload: RepositoriesAdded = context.payload;
        const owner = accountLogin(payload.installation.account);
        const names = payload.repositories_added.map((r) => r.name);
        await runRepositories(context.octokit as unknown as GitHub, owner, names);
      }),
    );

    app.on("pull_request.closed", (context) =>
      deliveries.handle(context.id, async () => {
        const payload: PullRequestClosed = context.payload;
        const pr = payload.pull_request;
        if (pr.head.ref !== BRANCH || pr.head.repo?.full_name !== payload.repository.full_name)
          return;
        const metadata = parseMetadata(pr.body ?? "");
        if (!metadata) return;
        const repo = context.repo();
        const octokit = context.octokit as unknown as GitHub;
        // In the repository's queue: a run in progress finishes before the branch goes, and a run
        // queued after this sees the pull request closed.
        await queue.run(`${repo.owner}/${repo.repo}`.toLowerCase(), async () => {
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
          // Only while the branch is still this pull request's head (see deleteBranch).
          await deleteBranch(octokit, repo, pr.head.sha);
        });
      }),
    );

    let sweeping: Promise<SweepSummary> | null = null;
    /** One sweep at a time: a sweep asked for while one runs (cron and route) joins it. */
    const sweep = (): Promise<SweepSummary> => {
      sweeping ??= sweepOnce().finally(() => {
        sweeping = null;
      });
      return sweeping;
    };
    const sweepOnce = async (): Promise<SweepSummary> => {
      const started = upstreams.http.stats.requests;
      const summary: SweepSummary = {
        repositories: 0,
        opened: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        requests: 0,
        githubRequests: 0,
      };
      const appOctokit = await app.auth();
      const installations = await appOctokit.paginate(
        appOctokit.rest.apps.listInstallations,
        { per_page: 100 },
        (response) => {
          summary.githubRequests++;
          return response.data;
        },
      );
      for (const installation of installations) {
        if (installation.suspended_at) continue;
        try {
          const octokit = (await app.auth(installation.id)) as unknown as GitHub;
          octokit.hook.before("request", () => {
            summary.githubRequests++;
          });
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
              if (loaded.ok && !dueOnSweep(loaded.config.schedule, sweepPattern, now())) {
                summary.skipped++;
                return;
              }
              const result = await runFor(octokit, r.owner.login, r.name, "run", loaded);
              if (result.status === "invalid-config")
                app.log.warn({ repository: r.full_name }, `uv-pin-bot sweep: ${result.message}`);
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
        `uv-pin-bot sweep: ${summary.repositories} repositories, ${summary.opened} opened, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.failed} failed, ${summary.requests} upstream requests, ${summary.githubRequests} GitHub requests`,
      );
      return summary;
    };
    appFn.sweep = sweep;

    // On SIGTERM (src/start.ts): no new sweeps, then every delivery, sweep and run finishes.
    options.shutdown?.register("app work", async () => {
      while (sweeping || deliveries.size > 0 || queue.size > 0)
        await Promise.all([sweeping?.catch(() => undefined), deliveries.idle(), queue.idle()]);
    });

    if (pattern) {
      const cron = new Cron(pattern, { timezone: "UTC", protect: true }, () => {
        sweep().catch((error: unknown) => app.log.error({ err: error }, "uv-pin-bot sweep failed"));
      });
      options.shutdown?.register("sweep cron", () => cron.stop(), "stop");
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

type LoadedConfig =
  | { ok: true; config: import("./core/config.js").Config }
  | { ok: false; invalid: InvalidConfig };

/**
 * `.github/uv-pin-bot.yml` (with org defaults and `_extends`, bounded: see app/load-config.ts),
 * validated. GitHub failing to answer (a status code) is thrown, not a problem in the config.
 */
async function loadConfig(octokit: GitHub, owner: string, repo: string): Promise<LoadedConfig> {
  const loaded = await loadRepositoryConfig(octokit, owner, repo);
  if (loaded.ok) return loaded;
  return {
    ok: false,
    invalid: {
      status: "invalid-config",
      message: describeProblems(CONFIG_PATH, loaded.problems),
      problems: loaded.problems,
    },
  };
}

/**
 * An error as a user may see it (a reply): coded errors and GitHub's answers by their message;
 * anything else (a network error whose text can carry an internal address, a bug) in words only.
 */
function oneLine(error: unknown): string {
  if (error instanceof UvPinBotError) return userLine(error);
  const network = networkCode(error);
  if (network !== null) return `GitHub could not be reached: ${network}`;
  if (httpStatusOf(error) === null) return "an unexpected error (the app's log has the details)";
  return userLine(error);
}

function userLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
