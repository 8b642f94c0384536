/**
 * `npm start`: serves the GitHub App with Probot on PORT (default 3000), webhooks at
 * /api/github/webhooks, GET /ping. Without APP_ID and PRIVATE_KEY, Probot's set-up flow registers
 * the app from app.yml. Without WEBHOOK_SECRET it refuses to start (unless NODE_ENV=development).
 */
import { run } from "probot";
import { startupRefusal } from "./app/startup-check.js";
import { createApp } from "./app.js";

const refusal = startupRefusal(process.env);
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}
await run(createApp());
