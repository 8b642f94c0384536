/** Where the health check finds the app's `GET /ping`, from the HOST and PORT the app reads. */
export function pingUrl(env: NodeJS.ProcessEnv): string {
  const port = Number(env.PORT) || 3000; // as Probot reads PORT
  const host = env.HOST?.trim() ?? "";
  const target =
    host === "" || host === "0.0.0.0" || host === "::" || host === "[::]"
      ? "127.0.0.1"
      : host.includes(":") && !host.startsWith("[")
        ? `[${host}]`
        : host;
  return `http://${target}:${port}/ping`;
}
