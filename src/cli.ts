#!/usr/bin/env node
import { main } from "./cli/main.js";

// A reader that stops early (`uv-pin-bot scan --json | head`) closes the pipe: stop quietly,
// as other commands do, instead of a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
