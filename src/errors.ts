/** The project's coded errors: each has a `code`; the cause is kept. */
export type ErrorCode =
  | "usage"
  | "config-invalid"
  | "upstream-unavailable"
  | "rate-limited"
  | "timeout"
  | "not-found"
  | "auth"
  | "bad-response"
  | "forbidden-host";

export class UvPinBotError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UvPinBotError";
  }
}

/** A mistake in how the tool was called: one line to the user, exit code 2. */
export class UsageError extends UvPinBotError {
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

/** An upstream (registry, releases, downloads) answered in a way the run cannot use. */
export class UpstreamError extends UvPinBotError {
  constructor(
    code: Exclude<ErrorCode, "usage" | "config-invalid">,
    message: string,
    readonly url: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "UpstreamError";
  }
}

/** The HTTP status carried by an error (an Octokit `RequestError`, say), or null. */
export function httpStatusOf(error: unknown): number | null {
  if (typeof error !== "object" || error === null || !("status" in error)) return null;
  return typeof error.status === "number" ? error.status : null;
}
