import { readFileSync } from "node:fs";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { describe, expect, it } from "vitest";
import { defaultTrustedRoot } from "./sigstore-verify.js";
import { trustRoot } from "./trust-root.js";

const FIXTURE_ROOT = new URL("../../fixtures/attestations/trusted_root.json", import.meta.url);

describe("trustRoot", () => {
  it("uses UV_PIN_BOT_TRUSTED_ROOT when set, without asking TUF", async () => {
    let asked = 0;
    const r = await trustRoot({
      env: { UV_PIN_BOT_TRUSTED_ROOT: FIXTURE_ROOT.pathname },
      fetchRoot: async () => {
        asked++;
        throw new Error("not reached");
      },
    });
    expect(r.source).toBe("file");
    expect(asked).toBe(0);
  });

  it("takes a refreshed root from TUF when it answers", async () => {
    const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(FIXTURE_ROOT, "utf8")));
    const r = await trustRoot({ env: {}, fetchRoot: async () => root });
    expect(r).toMatchObject({ source: "tuf", warning: null });
    expect(r.material.certificateAuthorities.length).toBe(2);
  });

  it("falls back to the embedded root, with a warning, when TUF fails or hangs", async () => {
    const failed = await trustRoot({
      env: {},
      fetchRoot: async () => Promise.reject(new Error("getaddrinfo ENOTFOUND")),
    });
    expect(failed.source).toBe("embedded");
    expect(failed.warning).toBe(
      "the trusted root could not be refreshed from https://tuf-repo-cdn.sigstore.dev (getaddrinfo ENOTFOUND); using the root embedded in @sigstore/tuf",
    );
    const hung = await trustRoot({
      env: {},
      timeoutMs: 50,
      fetchRoot: () => new Promise(() => undefined),
    });
    expect(hung.warning).toMatch(/no answer within 50 ms/);
    const embedded = (defaultTrustedRoot() as { tlogs: unknown[] }).tlogs.length;
    expect(hung.material.tlogs.length).toBe(embedded);
  });

  it("UV_PIN_BOT_TUF=off skips the refresh", async () => {
    const r = await trustRoot({
      env: { UV_PIN_BOT_TUF: "off" },
      fetchRoot: async () => Promise.reject(new Error("x")),
    });
    expect(r).toMatchObject({ source: "embedded", warning: null });
  });
});
