/**
 * Setup file of the `app-redis` project on a machine without redis-server (outside CI only; see
 * vitest.config.ts): the clustered re-run of the app scenarios is skipped test by test, each marked
 * with the missing package, so the closing line counts them as skipped and names redis-server once.
 * The harness falls back to the embedded mode, so no hook tries to start Redis.
 */
import { beforeEach } from "vitest";

process.env.UV_PIN_BOT_TEST_MODE = "embedded";

beforeEach((context) => {
  context.task.meta.missingSystemPackages = ["redis-server"];
  context.skip();
});
