/**
 * `npm start` and the image's command (`node dist/start.js`): serves the GitHub App with Probot on
 * HOST (default localhost; the image sets 0.0.0.0) and PORT (default 3000), webhooks at
 * /api/github/webhooks, GET /ping. Without APP_ID and PRIVATE_KEY, Probot's set-up flow registers
 * the app from app.yml. Without WEBHOOK_SECRET it refuses to start (unless NODE_ENV=development).
 * SIGTERM/SIGINT: stops accepting, lets running work finish within UV_PIN_BOT_SHUTDOWN_TIMEOUT
 * seconds (default 8), exits 0 (src/app/shutdown.ts).
 */
import { serve } from "./app/serve.js";
import { ShutdownRegistry } from "./app/shutdown.js";
import { effectiveEnv, startupRefusal } from "./app/startup-check.js";
import { createApp } from "./app.js";

const refusal = startupRefusal(effectiveEnv(process.env, process.cwd()));
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}

/** Every part of the process that holds work or connections registers its shutdown step here. */
const shutdown = new ShutdownRegistry();
try {
  await serve(createApp({ shutdown }), shutdown);
} catch (error) {
  // A bad setting or a port in use: one line, not a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`uv-pin-bot: cannot start: ${message.split("\n")[0]}\n`);
  process.exit(1);
}
