/**
 * The webhook events the app handles, typed by `@octokit/webhooks` (the library Probot receives
 * and verifies deliveries with): handlers take these payloads, not loosely typed objects.
 */
import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";

/** The payload of one event (`"issue_comment.created"`, …). */
export type Payload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>["payload"];

export type CommentCreated = Payload<"issue_comment.created">;
export type InstallationCreated = Payload<"installation.created">;
export type RepositoriesAdded = Payload<"installation_repositories.added">;
export type PullRequestClosed = Payload<"pull_request.closed">;

type Account = InstallationCreated["installation"]["account"];

/** An installation's account: a user or organisation (login), or an enterprise (slug). */
export function accountLogin(
  account: Account | RepositoriesAdded["installation"]["account"],
): string {
  if (!account) return "";
  if ("login" in account && typeof account.login === "string") return account.login;
  if ("slug" in account && typeof account.slug === "string") return account.slug;
  return "";
}
