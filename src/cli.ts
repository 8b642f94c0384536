#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { main } from "./cli/main.js";
import { tierUpFlags } from "./cli/tier-up.js";

// Before any command loads its modules (the scanner is imported when there are files to scan).
const flags = tierUpFlags(process.versions.v8);
if (flags !== null) setFlagsFromString(flags);

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
