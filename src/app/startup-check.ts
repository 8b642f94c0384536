/**
 * What must hold before the app serves webhooks. Probot falls back to the webhook secret
 * "development" when `WEBHOOK_SECRET` is missing, which would accept forged deliveries signed with
 * that well-known word: outside `NODE_ENV=development` the app refuses to start instead, and so it
 * does when the secret is set to that word. Probot's
 * set-up flow (no `APP_ID` yet: it registers the app and writes `.env`) serves no webhooks and
 * still starts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/** One line saying why the app must not start, or null when it may. */
export function startupRefusal(env: NodeJS.ProcessEnv): string | null {
  if (env.NODE_ENV === "development") return null;
  if (!env.APP_ID?.trim()) return null;
  const secret = (env.WEBHOOK_SECRET ?? "").trim();
  // Probot's own fallback, written out: as well known as no secret at all.
  if (secret === "development")
    return "uv-pin-bot: WEBHOOK_SECRET is Probot's well-known default \"development\"; refusing to start (anyone could forge webhook deliveries). Set WEBHOOK_SECRET to the app's webhook secret, or NODE_ENV=development for local trials.";
  if (secret !== "") return null;
  return "uv-pin-bot: WEBHOOK_SECRET is not set; refusing to start (anyone could forge webhook deliveries). Set WEBHOOK_SECRET to the app's webhook secret, or NODE_ENV=development for local trials.";
}

/** The environment Probot will run with: `process.env` with `.env` (in `cwd`) over it, as Probot does. */
export function effectiveEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  try {
    return { ...env, ...parseEnv(readFileSync(join(cwd, ".env"), "utf8")) };
  } catch {
    return env;
  }
}
