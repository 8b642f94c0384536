/**
 * What must hold before the app serves webhooks. Probot falls back to the webhook secret
 * "development" when `WEBHOOK_SECRET` is missing, which would accept forged deliveries signed with
 * that well-known word: outside `NODE_ENV=development` the app refuses to start instead.
 */

/** One line saying why the app must not start, or null when it may. */
export function startupRefusal(env: NodeJS.ProcessEnv): string | null {
  if (env.NODE_ENV === "development") return null;
  if ((env.WEBHOOK_SECRET ?? "").trim() !== "") return null;
  return "uv-pin-bot: WEBHOOK_SECRET is not set; refusing to start (anyone could forge webhook deliveries). Set WEBHOOK_SECRET to the app's webhook secret, or NODE_ENV=development for local trials.";
}
