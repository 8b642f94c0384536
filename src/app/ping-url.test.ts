import { expect, it } from "vitest";
import { pingUrl } from "./ping-url.js";

it("asks loopback when the app listens everywhere, else HOST; PORT as Probot reads it", () => {
  expect(pingUrl({})).toBe("http://127.0.0.1:3000/ping");
  expect(pingUrl({ HOST: "0.0.0.0", PORT: "8080" })).toBe("http://127.0.0.1:8080/ping");
  expect(pingUrl({ HOST: "::", PORT: "x" })).toBe("http://127.0.0.1:3000/ping");
  expect(pingUrl({ HOST: "127.0.0.1", PORT: "4000" })).toBe("http://127.0.0.1:4000/ping");
  expect(pingUrl({ HOST: "::1" })).toBe("http://[::1]:3000/ping");
});
