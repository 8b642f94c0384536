/** The project's coded errors: each has a `code`; the cause is kept. */
export type ErrorCode = "usage";

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
