// Entry for `npm start`. The Probot app arrives in a later release; until then, point to the CLI.
process.stderr.write(
  "uv-pin-bot: the GitHub App is coming in a later release; use the CLI: uv-pin-bot scan [PATH...]\n",
);
process.exitCode = 0;
