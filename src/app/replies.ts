/** The reply to a `/uv-update` comment for each outcome of a repository run. */
import { networkCode } from "../adapters/http.js";
import type { RepositoryResult } from "../app.js";
import { httpStatusOf, UvPinBotError } from "../errors.js";

export function replyFor(result: RepositoryResult): { body: string; ok: boolean } {
  switch (result.status) {
    case "created":
      return { body: `Opened ${result.pr.url} to update uv.`, ok: true };
    case "updated":
      return { body: `Updated ${result.pr.url} with the newest plan.`, ok: true };
    case "unchanged":
      return { body: `Already proposed in ${result.pr.url}; nothing new.`, ok: true };
    case "up-to-date":
      // Not "up to date" when some pins could not be looked up: say which, and why.
      if (result.unchecked?.length)
        return {
          body: `Nothing to update, but ${result.unchecked.length === 1 ? "a pin" : `${result.unchecked.length} pins`} could not be checked:\n\n${quote(
            result.unchecked.map((s) => `${s.file}:${s.line ?? "-"}: ${s.reason}`).join("\n"),
          )}`,
          ok: true,
        };
      return { body: "uv is already up to date here.", ok: true };
    case "checked":
      return { body: result.message, ok: true };
    case "left-alone":
      return {
        body: `${result.pr.url} has commits from someone else, so it was left alone. Comment \`/uv-update rebase\` there to rebuild it.`,
        ok: false,
      };
    case "declined":
      return { body: `Not proposed: ${result.message}.`, ok: true };
    case "blocked":
      return { body: `Nothing could be proposed safely:\n\n${quote(result.message)}`, ok: false };
    case "invalid-config":
      return {
        body: `The configuration is invalid, so nothing was changed:\n\n${quote(result.message)}`,
        ok: false,
      };
    default:
      return { body: `Nothing to do: ${result.message}.`, ok: true };
  }
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => `> ${line.replace(/@/g, "@\u200d")}`)
    .join("\n");
}

/**
 * An error as a user may see it (a reply): coded errors and GitHub's answers by their message;
 * anything else (a network error whose text can carry an internal address, a bug) in words only.
 */
export function oneLine(error: unknown): string {
  if (error instanceof UvPinBotError) return userLine(error);
  const network = networkCode(error);
  if (network !== null) return `GitHub could not be reached: ${network}`;
  // Octokit words a request that got no answer (a TLS failure, a socket error it has no word
  // for) as a 500 without a response, with the socket's text, which may name an address.
  if (noAnswer(error)) return "GitHub could not be reached: network error";
  if (httpStatusOf(error) === null) return "an unexpected error (the app's log has the details)";
  return userLine(error);
}

function noAnswer(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "HttpError" &&
    httpStatusOf(error) === 500 &&
    (error as { response?: unknown }).response === undefined
  );
}

function userLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
