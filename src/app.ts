/**
 * The GitHub App: thin Probot handlers around the shared repository run. `/uv-update` comments,
 * installation events, closed PRs, sweeps (on `UV_PIN_BOT_SCHEDULE` and `POST /uv-pin-bot/sweep`).
 * Where the work runs is the coordinator's business (src/app/cluster/): in this process
 * (embedded, the default) or as jobs in Redis shared by every replica (`REDIS_URL`). Either way
 * work on one repository is serialised and a redelivered webhook is handled once.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction, Probot } from "probot";
import { MemoryCache, negativeScope, SweepPinnedCache, sweepLookups } from "./adapters/cache.js";
import {
  BRANCH,
  commentOnce,
  deleteBranch,
  type GitHub,
  permissionOf,
  type RepoRef,
  react,
  reply,
} from "./adapters/github-prs.js";
import type { OwnCommits } from "./adapters/own-commits.js";
import type { TrustMaterial } from "./adapters/sigstore-verify.js";
import { type TrustRoot, trustRoot } from "./adapters/trust-root.js";
import { TrustRootKeeper } from "./adapters/trust-root-keeper.js";
import { createUpstreams, type Upstreams } from "./adapters/upstreams.js";
import { chooseCoordinator } from "./app/cluster/choose.js";
import {
  type AnswerWrite,
  type Coordinator,
  DeferredTask,
  type Executor,
  type RepoTask,
  type SweepOutcome,
  type SweepSummary,
} from "./app/cluster/coordinator.js";
import { budgetFrom } from "./app/cluster/rate-budget.js";
import { budgetWrites, deferral, reserveWrites } from "./app/cluster/write-budget.js";
import {
  accountLogin,
  type CommentCreated,
  type InstallationCreated,
  type PullRequestClosed,
  type RepositoriesAdded,
} from "./app/events.js";
import { CONFIG_PATH, type LoadOptions, loadRepositoryConfig } from "./app/load-config.js";
import { oneLine, replyFor } from "./app/replies.js";
import { DEFAULT_SCHEDULE } from "./app/schedule.js";
import { gateWrites } from "./app/serial-writes.js";
import type { ShutdownRegistry } from "./app/shutdown.js";
import { sweepRepository } from "./app/sweep-repo.js";
import { defaultPolicy } from "./core/attestation-policy.js";
import { parseCommand } from "./core/comment-command.js";
import { type ConfigProblem, describeProblems } from "./core/config.js";
import { helpComment, parseMetadata } from "./core/render-pr.js";
import { httpStatusOf } from "./errors.js";
import {
  type RunDeps,
  type RunMode,
  type RunOutcome,
  runRepository,
} from "./pipeline/run-repository.js";
import { mapBounded } from "./util/concurrency.js";

export type { SweepSummary } from "./app/cluster/coordinator.js";

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
  /** Cron for sweeps (UTC); false: no scheduler. Default UV_PIN_BOT_SCHEDULE or weekly. */
  schedule?: string | false;
  /** Repositories run at once during an embedded sweep (per installation). */
  concurrency?: number;
  /** Installations swept at once (embedded; default 4). */
  installationConcurrency?: number;
  /** The commits the app pushed (default: the coordinator's: in memory, or in Redis). */
  ownCommits?: OwnCommits;
  /** Where work runs; default from the environment (REDIS_URL: Redis, else embedded). */
  coordinator?: Coordinator;
  /**
   * Where the app registers its shutdown steps: stop the scheduler and the intake of jobs; finish
   * deliveries, sweeps and runs (or hand jobs back); close Redis.
   */
  shutdown?: ShutdownRegistry;
}

export type InvalidConfig = {
  status: "invalid-config";
  message: string;
  problems: ConfigProblem[];
};
export type RepositoryResult = RunOutcome | InvalidConfig;

export type UvPinBotApp = ApplicationFunction & {
  sweep?: () => Promise<SweepSummary>;
  coordinator: Coordinator;
};

export function createApp(options: AppOptions = {}): UvPinBotApp {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  // The sweep cron decides which repositories are due (schedule.ts) also when the scheduler is
  // off and sweeps come through `POST /uv-pin-bot/sweep`.
  const sweepPattern =
    (typeof options.schedule === "string" ? options.schedule : undefined) ??
    (env.UV_PIN_BOT_SCHEDULE?.trim() || DEFAULT_SCHEDULE);
  const concurrency = options.concurrency ?? 4;
  const installationConcurrency = options.installationConcurrency ?? 4;
  const coordinator =
    options.coordinator ??
    chooseCoordinator(env, {
      schedule: options.schedule === false ? null : sweepPattern,
      concurrency,
    });
  const metrics = coordinator.metricsRegistry;
  const ownCommits = options.ownCommits ?? coordinator.ownCommits;
  // On SIGTERM (src/start.ts): no new sweeps or jobs, then running work finishes, then Redis.
  options.shutdown?.register("scheduler and job intake", () => coordinator.stop(), "stop");
  options.shutdown?.register("app work", () => coordinator.drain(), "drain");
  if (coordinator.mode === "redis")
    options.shutdown?.register("redis connections", () => coordinator.close(), "close");
  // The host a request was refused for goes to the log only: it may be internal (see http.ts).
  let logRefused = (_origin: string): void => undefined;
  const upstreams =
    options.upstreams ??
    createUpstreams({
      env,
      // A sweep sees one answer per lookup however long it takes (cache.ts sweepLookups).
      cache: new SweepPinnedCache(coordinator.cache ?? new MemoryCache()),
      http: {
        fetch: metrics.countingFetch(globalThis.fetch),
        onRefused: (origin) => logRefused(origin),
      },
    });
  let keeper: TrustRootKeeper | undefined;
  /** GitHub requests sent by this process's installation clients (the sweep summary's count). */
  let githubRequests = 0;

  const appFn: UvPinBotApp = async (app: Probot, { addHandler }) => {
    logRefused = (origin) =>
      app.log.warn(
        { origin },
        "uv-pin-bot refused to contact a host outside the configured upstreams",
      );
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
    /** An installation client whose requests are counted (summary, metrics). */
    const installationOctokit = async (installationId: number): Promise<GitHub> => {
      // Every write counted against GitHub's secondary limits, inside the installation's lock.
      const octokit = gateWrites(
        budgetWrites(
          (await app.auth(installationId)) as unknown as GitHub,
          coordinator.writeBudget,
          installationId,
        ),
        coordinator.writeGate,
        installationId,
      );
      octokit.hook.before("request", () => {
        githubRequests++;
      });
      const observe = (status: number, headers: Record<string, string | undefined> = {}) => {
        const remaining = headers["x-ratelimit-remaining"] ?? null;
        metrics.githubResponse(status, installationId, remaining);
        const budget = budgetFrom(remaining, headers["x-ratelimit-reset"]);
        if (budget) coordinator.observeRateLimit(installationId, budget);
      };
      octokit.hook.after("request", (response) => {
        observe(response.status, response.headers as Record<string, string | undefined>);
      });
      octokit.hook.error("request", (error) => {
        const response = (error as { response?: { headers?: Record<string, string> } }).response;
        observe(httpStatusOf(error) ?? 0, response?.headers);
        throw error;
      });
      return octokit;
    };

    /** One repository: config (unless the caller has just loaded it), then the shared run. */
    const runWithConfig = async (
      octokit: GitHub,
      owner: string,
      repo: string,
      mode: RunMode,
      preloaded?: LoadedConfig,
      extra: Partial<RunDeps> = {},
    ): Promise<RepositoryResult> => {
      const loaded = preloaded ?? (await loadConfig(octokit, owner, repo));
      if (!loaded.ok) return loaded.invalid;
      const result = await runRepository(
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
          // The proof on the app's commits is keyed with its webhook secret (commit-proof.ts).
          sign: (text) => app.webhooks.sign(text),
          canWriteWorkflows: () => workflowsGranted(octokit),
          reserveWrites: reserveWrites(octokit),
          blobs: coordinator.blobs,
          ...extra,
        },
        mode,
      );
      if (result.status === "created" || result.status === "updated")
        metrics.pullRequest(result.status);
      if (result.status === "blocked" && result.refusedBy === "rule")
        app.log.warn({ repository: `${owner}/${repo}` }, `uv-pin-bot: ${result.message}`);
      return result;
    };

    const execute: Executor["execute"] = async (task, replies, final) => {
      const repo = { owner: task.owner, repo: task.repo };
      const octokit = await installationOctokit(task.installationId);
      switch (task.kind) {
        case "run":
          try {
            // A run whose answer was stopped by GitHub's budget only sends the rest of it.
            const result = task.answer
              ? null
              : await runWithConfig(
                  octokit,
                  task.owner,
                  task.repo,
                  task.mode,
                  undefined,
                  task.repository ? { repository: task.repository } : {},
                );
            const answer = task.answer ?? { ...replyFor(result as RepositoryResult), sent: 0 };
            await sendAnswer(octokit, repo, answerWrites(replies, answer), answer.sent, (sent) => ({
              ...task,
              answer: { ...answer, sent },
            }));
          } catch (error) {
            // Out of GitHub's budget: the coordinator runs it again later (not a failure).
            if (!final || deferral(error) !== null) throw error;
            app.log.error(
              { err: error, repository: `${task.owner}/${task.repo}` },
              "uv-pin-bot run failed",
            );
            // Nobody to answer (an installation's run): the failure is the caller's (the delivery
            // fails, or the job lands in the failed set).
            if (replies.length === 0) throw error;
            const answer = {
              body: `uv-pin-bot could not finish: ${oneLine(error)}`,
              ok: false,
              sent: 0,
            };
            await sendAnswer(octokit, repo, answerWrites(replies, answer), 0, (sent) => ({
              ...task,
              answer: { ...answer, sent },
            }));
          }
          return undefined;
        case "answer":
          await sendAnswer(octokit, repo, task.writes, 0, (sent) => ({
            ...task,
            writes: task.writes.slice(sent),
          }));
          return undefined;
        case "closed": {
          if (!task.pr.merged) {
            const what = task.pr.target ? `uv ${task.pr.target}` : "these digests";
            await commentOnce(
              octokit,
              repo,
              task.pr.number,
              "declined",
              `Closed without merging: uv-pin-bot will not propose ${what} again. A newer release gets a new pull request.`,
            );
          }
          // Only while the branch is still this pull request's head (see deleteBranch).
          await deleteBranch(octokit, repo, task.pr.headSha);
          return undefined;
        }
        case "sweep-repo":
          try {
            const scratch = task.sweepId ? coordinator.scratch(task.sweepId) : null;
            const sweep = () =>
              sweepRepository(task, {
                octokit,
                state: coordinator.sweepState,
                scratch,
                sweepPattern,
                now,
                upstreams,
                loadConfig: (o) => loadConfig(octokit, task.owner, task.repo, o),
                run: async (loaded, extra) => {
                  const result = await runWithConfig(
                    octokit,
                    task.owner,
                    task.repo,
                    "run",
                    loaded,
                    extra,
                  );
                  return result.status === "invalid-config" ? null : result;
                },
              });
            // Upstream 404s are remembered for the rest of this sweep (never transient errors).
            const done = scratch
              ? await negativeScope.run(scratch.negatives, () =>
                  sweepLookups.run(scratch.once, sweep),
                )
              : await sweep();
            if (done.kind !== "ran") return "skipped";
            if (!done.loaded.ok)
              app.log.warn(
                { repository: task.fullName },
                `uv-pin-bot sweep: ${done.loaded.invalid.message}`,
              );
            const status = done.result?.status;
            return status === "created" ? "opened" : status === "updated" ? "updated" : "skipped";
          } catch (error) {
            if (!final || deferral(error) !== null) throw error;
            app.log.error(
              { err: error, repository: task.fullName },
              "uv-pin-bot sweep: repository failed",
            );
            return "failed" satisfies SweepOutcome;
          }
      }
    };

    const fanOut: Executor["fanOut"] = async (visit) => {
      let failed = 0;
      const appOctokit = await app.auth();
      const installations = await appOctokit.paginate(
        appOctokit.rest.apps.listInstallations,
        { per_page: 100 },
        (response) => {
          githubRequests++;
          return response.data;
        },
      );
      // Installations in parallel (bounded), each with its own budget and write queue.
      const active = installations.filter((i) => !i.suspended_at);
      await mapBounded(active, installationConcurrency, async (installation) => {
        try {
          const octokit = await installationOctokit(installation.id);
          const repos = await octokit.paginate(
            octokit.rest.apps.listReposAccessibleToInstallation,
            { per_page: 100 },
          );
          await mapBounded(repos, concurrency, (r) =>
            visit(
              {
                kind: "sweep-repo",
                installationId: installation.id,
                owner: r.owner.login,
                repo: r.name,
                fullName: r.full_name,
                // The listing says it: the run does not ask `GET /repos/{o}/{r}`.
                defaultBranch: r.default_branch ?? null,
                nodeId: r.node_id,
              },
              r.archived === true,
            ),
          );
        } catch (error) {
          failed++;
          app.log.error(
            { err: error, installation: installation.id },
            "uv-pin-bot sweep: installation failed",
          );
        }
      });
      return { failed };
    };

    await coordinator.start({
      execute,
      fanOut,
      upstreamRequests: () => upstreams.http.stats.requests,
      githubRequests: () => githubRequests,
      log: {
        info: (obj, msg) => app.log.info(obj, msg),
        warn: (obj, msg) => app.log.warn(obj, msg),
        error: (obj, msg) => app.log.error(obj, msg),
      },
    });

    /** Runs `fn` once per delivery id; the id counts as handled only when `fn` finished. */
    const once = (id: string | undefined, fn: () => Promise<void>) =>
      coordinator.deliveries.handle(id, fn);
    const submit = (task: RepoTask, target?: { issue: number; commentId: number }) =>
      coordinator.submit(task, target);

    /**
     * A webhook handler's answers in order: sent at once while they fit GitHub's budget; from
     * the first that does not, kept and handed to the coordinator (`flush`) to send when the
     * budget has room, like a deferred run.
     */
    const handlerAnswers = (
      octokit: GitHub,
      at: { installationId: number; owner: string; repo: string },
    ) => {
      const pending: AnswerWrite[] = [];
      let retryAt = 0;
      return {
        async send(write: AnswerWrite): Promise<void> {
          if (pending.length === 0) {
            try {
              await sendWrite(octokit, { owner: at.owner, repo: at.repo }, write);
              return;
            } catch (error) {
              const when = deferral(error);
              if (when === null) throw error;
              retryAt = when;
              app.log.info(
                { installation: at.installationId, repository: `${at.owner}/${at.repo}`, retryAt },
                `uv-pin-bot: an answer on ${at.owner}/${at.repo} waits for GitHub's budget of installation ${at.installationId}, until ${new Date(retryAt).toISOString()}`,
              );
            }
          }
          pending.push(write);
        },
        async flush(): Promise<void> {
          if (pending.length === 0) return;
          await coordinator.later({ kind: "answer", ...at, writes: pending.splice(0) }, retryAt);
        },
      };
    };

    app.on("issue_comment.created", (context) =>
      once(context.id, async () => {
        const { comment, issue, sender }: CommentCreated = context.payload;
        if (sender.type === "Bot" || comment.user?.type === "Bot") return;
        const command = parseCommand(comment.body ?? "");
        if (!command) return;
        const repo = context.repo();
        const installationId = context.payload.installation?.id ?? 0;
        const octokit = gateWrites(
          budgetWrites(
            context.octokit as unknown as GitHub,
            coordinator.writeBudget,
            installationId,
          ),
          coordinator.writeGate,
          installationId,
        );
        // The handler's answers: sent now, or (once one does not fit GitHub's budget) it and the
        // rest in order later, through the coordinator; the delivery does not fail for them.
        const answers = handlerAnswers(octokit, { installationId, ...repo });
        try {
          await answers.send({ react: { commentId: comment.id, content: "eyes" } });
          const permission = await permissionOf(octokit, repo, sender.login);
          const refusal = !WRITERS.has(permission)
            ? `Sorry @${sender.login}, \`/uv-update\` commands are for people with write access to this repository.`
            : command.command === "rebase" &&
                !(issue.pull_request && parseMetadata(issue.body ?? ""))
              ? "`/uv-update rebase` works on uv-pin-bot's own pull request."
              : null;
          if (refusal !== null || command.command === "help") {
            const ok = refusal === null && !(command.command === "help" && command.unknown);
            await answers.send({ reply: { issue: issue.number, body: refusal ?? helpComment() } });
            await answers.send({
              react: { commentId: comment.id, content: ok ? "rocket" : "confused" },
            });
            return;
          }
        } finally {
          await answers.flush();
        }
        const repository = context.payload.repository;
        await submit(
          {
            kind: "run",
            installationId: context.payload.installation?.id ?? 0,
            owner: repo.owner,
            repo: repo.repo,
            mode: command.command,
            // The payload says it: the run does not ask `GET /repos/{o}/{r}`.
            ...(repository.default_branch && repository.node_id
              ? {
                  repository: {
                    defaultBranch: repository.default_branch,
                    archived: repository.archived === true,
                    nodeId: repository.node_id,
                  },
                }
              : {}),
          },
          { issue: issue.number, commentId: comment.id },
        );
      }),
    );

    /**
     * Runs each repository; when one failed, throws after all ran, so that the delivery counts as
     * failed (GitHub records it; a redelivery runs again, and finished repositories are no-ops).
     * Clustered, each is a durable job with its own retries: the delivery is handled once queued.
     */
    const runRepositories = async (
      installationId: number,
      owner: string,
      names: readonly string[],
    ) => {
      const failed: string[] = [];
      await mapBounded(names, concurrency, async (name) => {
        try {
          await submit({ kind: "run", installationId, owner, repo: name, mode: "run" });
        } catch {
          failed.push(`${owner}/${name}`);
        }
      });
      if (failed.length > 0) throw new Error(`uv-pin-bot: ${failed.join(", ")} failed`);
    };

    app.on("installation.created", (context) =>
      once(context.id, async () => {
        const payload: InstallationCreated = context.payload;
        const installation = payload.installation;
        const names = (payload.repositories ?? []).map((r) => r.name);
        await runRepositories(installation.id, accountLogin(installation.account), names);
      }),
    );

    app.on("installation_repositories.added", (context) =>
      once(context.id, async () => {
        const payload: RepositoriesAdded = context.payload;
        const installation = payload.installation;
        const names = payload.repositories_added.map((r) => r.name);
        await runRepositories(installation.id, accountLogin(installation.account), names);
      }),
    );

    // An owner approved the permissions the app asks for (`workflows: write` among them): the
    // token the app holds still carries the old ones (see `workflowsGranted`), so make a new one.
    app.on("installation.new_permissions_accepted", (context) =>
      once(context.id, async () => {
        await context.octokit.auth({ type: "installation", refresh: true });
      }),
    );

    app.on("pull_request.closed", (context) =>
      once(context.id, async () => {
        const payload: PullRequestClosed = context.payload;
        const pr = payload.pull_request;
        if (pr.head.ref !== BRANCH || pr.head.repo?.full_name !== payload.repository.full_name)
          return;
        const metadata = parseMetadata(pr.body ?? "");
        if (!metadata) return;
        const repo = context.repo();
        // In the repository's queue: a run in progress finishes before the branch goes, and a
        // run queued after this sees the pull request closed.
        await submit({
          kind: "closed",
          installationId: payload.installation?.id ?? 0,
          owner: repo.owner,
          repo: repo.repo,
          pr: {
            number: pr.number,
            merged: pr.merged === true,
            headSha: pr.head.sha,
            target: metadata.target ?? null,
          },
        });
      }),
    );

    appFn.sweep = () => coordinator.sweep();

    const secret = env.UV_PIN_BOT_SWEEP_SECRET;
    addHandler((req: IncomingMessage, res: ServerResponse) => {
      const path = req.url?.split("?")[0];
      if (req.method === "GET" && path === "/metrics") {
        coordinator.metrics().then(
          ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
          () => res.writeHead(500).end(),
        );
        return true;
      }
      if (req.method === "GET" && path === "/ready") {
        coordinator.ready().then(
          (ok) =>
            res
              .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
              .end(ok ? '{"ready":true}' : '{"ready":false}'),
          () => res.writeHead(503).end('{"ready":false}'),
        );
        return true;
      }
      if (req.method !== "POST" || path !== "/uv-pin-bot/sweep" || !secret) return false;
      const given = Buffer.from(req.headers.authorization ?? "");
      const expected = Buffer.from(`Bearer ${secret}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
        return true;
      }
      coordinator
        .sweep()
        .catch((error: unknown) => app.log.error({ err: error }, "uv-pin-bot sweep failed"));
      res.writeHead(202, { "content-type": "application/json" }).end('{"sweep":"started"}');
      return true;
    });
  };
  appFn.coordinator = coordinator;
  return appFn;
}

/** A run's answer as writes: per command, the reply, then the reaction. */
function answerWrites(
  replies: readonly { issue: number; commentId: number }[],
  answer: { body: string; ok: boolean },
): AnswerWrite[] {
  return replies.flatMap((target): AnswerWrite[] => [
    { reply: { issue: target.issue, body: answer.body } },
    { react: { commentId: target.commentId, content: answer.ok ? "rocket" : "confused" } },
  ]);
}

async function sendWrite(octokit: GitHub, repo: RepoRef, write: AnswerWrite): Promise<void> {
  if ("reply" in write) await reply(octokit, repo, write.reply.issue, write.reply.body);
  else await react(octokit, repo, write.react.commentId, write.react.content);
}

/**
 * Sends `writes` from `from` on, in order. One stopped by GitHub's budget throws `DeferredTask`
 * with `rest(index)`: the task that sends what is left then (nothing is sent twice).
 */
async function sendAnswer(
  octokit: GitHub,
  repo: RepoRef,
  writes: readonly AnswerWrite[],
  from: number,
  rest: (sent: number) => RepoTask,
): Promise<void> {
  for (let i = from; i < writes.length; i++) {
    try {
      await sendWrite(octokit, repo, writes[i] as AnswerWrite);
    } catch (error) {
      if (deferral(error) === null) throw error;
      throw new DeferredTask(rest(i), error);
    }
  }
}

type LoadedConfig =
  | {
      ok: true;
      config: import("./core/config.js").Config;
      source: import("./app/load-config.js").ConfigSource;
    }
  | { ok: false; invalid: InvalidConfig };

/**
 * `.github/uv-pin-bot.yml` (with org defaults and `_extends`, bounded: see app/load-config.ts),
 * validated. GitHub failing to answer (a status code) is thrown, not a problem in the config.
 */
async function loadConfig(
  octokit: GitHub,
  owner: string,
  repo: string,
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const loaded = await loadRepositoryConfig(octokit, owner, repo, options);
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
 * Whether the installation's token carries `workflows: write`: the permissions GitHub granted it
 * when it was made (the token the app already holds; no request). Unknown: undefined.
 */
async function workflowsGranted(octokit: GitHub): Promise<boolean | undefined> {
  try {
    const auth = (await octokit.auth({ type: "installation" })) as {
      permissions?: Record<string, string>;
    };
    if (!auth.permissions) return undefined;
    return auth.permissions.workflows === "write";
  } catch {
    return undefined;
  }
}
