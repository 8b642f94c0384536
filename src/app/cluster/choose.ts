/** Chooses the coordinator once at start-up: Redis when `REDIS_URL` is set, else embedded. */
import type { Coordinator } from "./coordinator.js";
import { EmbeddedCoordinator } from "./embedded.js";
import { RedisCoordinator } from "./redis.js";
import { clusterSettings, rateLimitFloor } from "./settings.js";
import { writeWindows } from "./write-budget.js";

export function chooseCoordinator(
  env: NodeJS.ProcessEnv,
  options: { schedule: string | null; concurrency: number },
): Coordinator {
  const settings = clusterSettings(env);
  const windows = writeWindows(env);
  if (!settings)
    return new EmbeddedCoordinator({
      ...options,
      rateLimitFloor: rateLimitFloor(env),
      writeWindows: windows,
    });
  return new RedisCoordinator({ ...settings, schedule: options.schedule, writeWindows: windows });
}
