/**
 * When a sweep runs a repository. The sweep fires on `UV_PIN_BOT_SCHEDULE` (a cron expression,
 * UTC; default `0 4 * * 1`, Mondays 04:00). A repository's `schedule` then decides:
 * - `off`: never swept (comment commands still work);
 * - `daily`: on every firing (so daily needs a daily cron, e.g. `0 4 * * *`);
 * - `weekly`: on the first firing of each ISO week (with the default weekly cron, every firing;
 *   with a daily cron, the Monday firing).
 * A sweep started through `POST /uv-pin-bot/sweep` (or `appFn.sweep()`) follows the same rule as
 * the latest firing before it: with the default weekly cron, weekly repositories run on any day.
 */
import { Cron } from "croner";

export const DEFAULT_SCHEDULE = "0 4 * * 1";

export type RepositorySchedule = "weekly" | "daily" | "off";

/** Validates a cron expression; returns the reason it is invalid, or null. */
export function cronProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true, timezone: "UTC" }).stop();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Monday-based ISO week start (UTC midnight) of a date. */
function weekStart(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = (d.getUTCDay() + 6) % 7;
  return d.getTime() - day * 86_400_000;
}

/** Whether a repository with `schedule` is due on a sweep at `now` under the cron `pattern`. */
export function dueOnSweep(schedule: RepositorySchedule, pattern: string, now: Date): boolean {
  if (schedule === "off") return false;
  if (schedule === "daily") return true;
  const cron = new Cron(pattern, { paused: true, timezone: "UTC" });
  // The firing this sweep belongs to (the latest one; a minute of slack, as a cron sweep starts
  // at its firing) and the one before it. Due when they fall in different ISO weeks. A sweep from
  // outside (`POST /uv-pin-bot/sweep`, hours after a firing) belongs to the latest firing too.
  const [current, previous] = cron.previousRuns(2, new Date(now.getTime() + 60_000));
  cron.stop();
  if (!current || !previous) return true;
  return weekStart(previous) !== weekStart(current);
}
