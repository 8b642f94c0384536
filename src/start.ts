/**
 * `npm start`: serves the GitHub App with Probot on PORT (default 3000), webhooks at
 * /api/github/webhooks, GET /ping. Without APP_ID and PRIVATE_KEY, Probot's set-up flow registers
 * the app from app.yml.
 */
import { run } from "probot";
import { createApp } from "./app.js";

await run(createApp());
