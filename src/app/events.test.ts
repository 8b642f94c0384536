import examples from "@octokit/webhooks-examples";
import { describe, expect, it } from "vitest";
import { accountLogin, type InstallationCreated } from "./events.js";

type Definition = { name: string; examples: { action?: string }[] };

describe("accountLogin", () => {
  it("reads the account of real installation payloads, users and organisations", () => {
    const installation = (examples as unknown as Definition[]).find(
      (d) => d.name === "installation",
    );
    const created = installation?.examples.filter((e) => e.action === "created") ?? [];
    expect(created.length).toBeGreaterThan(0);
    for (const example of created as unknown as InstallationCreated[]) {
      const account = example.installation.account as { login: string };
      expect(accountLogin(example.installation.account)).toBe(account.login);
    }
  });

  it("an enterprise account has a slug; no account is empty", () => {
    const enterprise = { slug: "acme-corp", name: "Acme" } as unknown as Parameters<
      typeof accountLogin
    >[0];
    expect(accountLogin(enterprise)).toBe("acme-corp");
    expect(accountLogin(null)).toBe("");
  });
});
