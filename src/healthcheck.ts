/**
 * The image's HEALTHCHECK: `node dist/healthcheck.js` asks the app's own `GET /ping` (Probot
 * answers `PONG`) on PORT (default 3000) and exits 0 when it answers 200, 1 otherwise (one line on
 * stderr), within 4 s. It connects over loopback when the app listens on every interface (HOST
 * 0.0.0.0, ::, or unset), else to HOST itself.
 */
import { pingUrl } from "./app/ping-url.js";

const url = pingUrl(process.env);
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  if (response.status !== 200) {
    process.stderr.write(`unhealthy: ${url} answered ${response.status}\n`);
    process.exit(1);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`unhealthy: ${url}: ${message}\n`);
  process.exit(1);
}
