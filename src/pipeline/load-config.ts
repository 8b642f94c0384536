/** The CLI's configuration: `--config FILE`, else `.github/uv-pin-bot.yml` under the directory. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Config, DEFAULT_CONFIG, describeProblems, parseConfig } from "../core/config.js";
import { UvPinBotError } from "../errors.js";

export const CONFIG_PATH = ".github/uv-pin-bot.yml";

/** Reads `--config FILE`, else `.github/uv-pin-bot.yml` under the directory; invalid → error. */
export async function loadConfig(dir: string | null, file: string | undefined): Promise<Config> {
  const path = file ?? (dir ? join(dir, CONFIG_PATH) : null);
  if (!path) return DEFAULT_CONFIG;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (!file && (error as NodeJS.ErrnoException).code === "ENOENT") return DEFAULT_CONFIG;
    throw new UvPinBotError("config-invalid", `cannot read the configuration ${path}`);
  }
  const result = parseConfig(text);
  if (!result.ok)
    throw new UvPinBotError("config-invalid", describeProblems(path, result.problems));
  return result.config;
}
