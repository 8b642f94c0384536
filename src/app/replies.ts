/** The reply to a `/uv-update` comment for each outcome of a repository run. */
import type { RepositoryResult } from "../app.js";

export function replyFor(result: RepositoryResult): { body: string; ok: boolean } {
  switch (result.status) {
    case "created":
      return { body: `Opened ${result.pr.url} to update uv.`, ok: true };
    case "updated":
      return { body: `Updated ${result.pr.url} with the newest plan.`, ok: true };
    case "unchanged":
      return { body: `Already proposed in ${result.pr.url}; nothing new.`, ok: true };
    case "up-to-date":
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
