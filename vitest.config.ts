import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    reporters: ["default", "./test/reporter/closing-line.ts"],
    projects: [
      {
        extends: true,
        test: { name: "all", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
      },
      {
        // The app's scenarios again, clustered: a real redis-server per app, jobs through BullMQ.
        extends: true,
        test: {
          name: "app-redis",
          include: ["test/app/*.test.ts"],
          env: { UV_PIN_BOT_TEST_MODE: "redis" },
        },
      },
    ],
  },
});
