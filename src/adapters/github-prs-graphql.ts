/**
 * The app's pull request writes in ONE GraphQL document (one content-creating request): the
 * branch's compare-and-swap (`updateRefs` with `beforeOid`), then opening the pull request
 * (`createPullRequest`) or updating it (`updatePullRequest`), then the check run on the new head
 * (`createCheckRun`). Mutations run in the order written; each answers or fails on its own, and a
 * failed one does not undo the ones before it. Whether GitHub runs the mutations after a failed
 * one is not promised, so the caller treats either as possible (see `ensurePullRequest`): it
 * reads the branch before writing (the swap then fails only in a race), and undoes what a later
 * mutation did when the swap failed (closes a pull request it opened, restores a body it changed).
 */

import {
  CHECK_NAME,
  type CheckConclusion,
  type CheckRunInput,
  clipOutput,
} from "./github-prs-comments.js";
import { BRANCH, type GitHub, MutationError, refUpdate } from "./github-prs-git.js";

export interface BatchInput {
  repositoryId: string;
  /** The branch move: from `before` (null: only if absent) to `after`. */
  swap: { before: string | null; after: string };
  /** Open the pull request from the branch. */
  open?: { base: string; title: string; body: string; draft: boolean };
  /** Update the pull request (its node id). `base` retargets it. */
  edit?: { pullRequestId: string; title: string; body: string; base?: string };
  /** A completed check run on `swap.after`. */
  check?: CheckRunInput;
}

export interface BatchOutcome {
  /** The swap's failure (the branch did not move), or null. */
  swapError: MutationError | null;
  /** The pull request opened (also when the swap failed, if GitHub ran it anyway). */
  opened: { number: number; url: string; id: string } | null;
  openError: MutationError | null;
  edited: boolean;
  editError: MutationError | null;
  checkError: MutationError | null;
}

/** A document of only the open (a retry of a refused draft): no swap. */
export interface OpenOnly {
  repositoryId: string;
  open: NonNullable<BatchInput["open"]>;
}

/**
 * Sends the document: one request. An HTTP failure (a 502, a rate limit after its retries) is
 * thrown as Octokit's error: nothing of it is known to have run. Errors of single mutations come
 * back per mutation.
 */
export async function writeBatch(
  octokit: GitHub,
  input: BatchInput | OpenOnly,
): Promise<BatchOutcome> {
  const vars: string[] = ["$repositoryId: ID!"];
  const fields: string[] = [];
  const variables: Record<string, unknown> = { repositoryId: input.repositoryId };
  if ("swap" in input) {
    vars.push("$refUpdates: [RefUpdate!]!");
    fields.push(
      "swap: updateRefs(input: {repositoryId: $repositoryId, refUpdates: $refUpdates}) { clientMutationId }",
    );
    variables.refUpdates = [refUpdate(input.swap.before, input.swap.after)];
  }
  if (input.open) {
    vars.push("$open: CreatePullRequestInput!");
    fields.push("open: createPullRequest(input: $open) { pullRequest { id number url } }");
    variables.open = {
      repositoryId: input.repositoryId,
      baseRefName: input.open.base,
      headRefName: BRANCH,
      title: input.open.title,
      body: input.open.body,
      draft: input.open.draft,
    };
  }
  if ("edit" in input && input.edit) {
    vars.push("$edit: UpdatePullRequestInput!");
    fields.push("edit: updatePullRequest(input: $edit) { pullRequest { id } }");
    variables.edit = {
      pullRequestId: input.edit.pullRequestId,
      title: input.edit.title,
      body: input.edit.body,
      ...(input.edit.base ? { baseRefName: input.edit.base } : {}),
    };
  }
  if ("check" in input && input.check) {
    vars.push("$check: CreateCheckRunInput!");
    fields.push("check: createCheckRun(input: $check) { checkRun { id } }");
    variables.check = {
      repositoryId: input.repositoryId,
      headSha: input.swap.after,
      name: input.check.name ?? CHECK_NAME,
      status: "COMPLETED",
      conclusion: conclusionEnum(input.check.conclusion),
      completedAt: new Date().toISOString(),
      output: {
        title: input.check.title,
        summary: clipOutput(input.check.summary),
        ...(input.check.text === undefined ? {} : { text: clipOutput(input.check.text) }),
      },
    };
  }
  const query = `mutation (${vars.join(", ")}) {\n  ${fields.join("\n  ")}\n}`;
  let data: Record<string, unknown> | null | undefined;
  let errors: { message?: string; type?: string; path?: (string | number)[] }[] = [];
  try {
    data = await octokit.graphql<Record<string, unknown>>(query, variables);
  } catch (error) {
    const partial = error as { name?: string; data?: unknown; errors?: typeof errors };
    if (partial.name !== "GraphqlResponseError" || !Array.isArray(partial.errors)) throw error;
    // An error that names no mutation (a malformed document, a refused token) is the whole answer.
    if (partial.errors.some((e) => typeof e.path?.[0] !== "string")) throw error;
    data = (partial.data ?? null) as Record<string, unknown> | null;
    errors = partial.errors;
  }
  const errorOf = (alias: string) => {
    const found = errors.filter((e) => e.path?.[0] === alias);
    if (found.length === 0) return null;
    return new MutationError(found.map((e) => e.message ?? "").join("\n"), found[0]?.type);
  };
  const pull = (data?.open as { pullRequest?: { id: string; number: number; url: string } } | null)
    ?.pullRequest;
  return {
    swapError: "swap" in input ? errorOf("swap") : null,
    opened: pull ? { number: pull.number, url: pull.url, id: pull.id } : null,
    openError: input.open
      ? pull
        ? null
        : (errorOf("open") ?? missing("createPullRequest"))
      : null,
    edited: Boolean(data?.edit),
    editError:
      "edit" in input && input.edit
        ? data?.edit
          ? null
          : (errorOf("edit") ?? missing("updatePullRequest"))
        : null,
    checkError:
      "check" in input && input.check
        ? data?.check
          ? null
          : (errorOf("check") ?? missing("createCheckRun"))
        : null,
  };
}

/** A mutation with neither an answer nor an error of its own (GitHub stopped before it). */
const missing = (name: string) => new MutationError(`${name} did not run`, "NOT_RUN");

function conclusionEnum(conclusion: CheckConclusion): string {
  return conclusion.toUpperCase();
}
