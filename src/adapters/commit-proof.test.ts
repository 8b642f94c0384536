import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hasProof, type Sign, withProof } from "./commit-proof.js";

const signer =
  (secret: string): Sign =>
  async (text) =>
    `sha256=${createHmac("sha256", secret).update(text).digest("hex")}`;
const sign = signer("s3cret");
const REPO = "acme/app";
const commit = {
  tree: "a".repeat(40),
  parents: ["b".repeat(40)],
  message: "chore(deps): uv 0.9.18\n",
};

describe("the app's commit proof", () => {
  it("holds for the commit it was made for, in any case of the repository name", async () => {
    const message = await withProof(sign, REPO, commit);
    expect(message).toMatch(
      /^chore\(deps\): uv 0\.9\.18\n\nUv-Pin-Bot-Proof: sha256=[0-9a-f]{64}\n$/,
    );
    expect(await hasProof(sign, REPO, { ...commit, message })).toBe(true);
    expect(await hasProof(sign, "Acme/App", { ...commit, message })).toBe(true);
  });

  it("fails for another tree, other parents, another repository, an edited message or another key", async () => {
    const message = await withProof(sign, REPO, commit);
    const ok = { ...commit, message };
    expect(await hasProof(sign, REPO, { ...ok, tree: "c".repeat(40) })).toBe(false);
    expect(await hasProof(sign, REPO, { ...ok, parents: ["c".repeat(40)] })).toBe(false);
    expect(
      await hasProof(sign, REPO, { ...ok, parents: [...commit.parents, "c".repeat(40)] }),
    ).toBe(false);
    expect(await hasProof(sign, "acme/other", ok)).toBe(false);
    expect(await hasProof(sign, REPO, { ...ok, message: `x${message}` })).toBe(false);
    expect(
      await hasProof(sign, REPO, { ...ok, message: message.replace("0.9.18", "0.9.19") }),
    ).toBe(false);
    expect(await hasProof(signer("other"), REPO, ok)).toBe(false);
  });

  it("a message without a proof, with a malformed one, or a huge one: no proof, quickly", async () => {
    expect(await hasProof(sign, REPO, commit)).toBe(false);
    const bad = `${commit.message}\nUv-Pin-Bot-Proof: sha256=${"0".repeat(64)}\n`;
    expect(await hasProof(sign, REPO, { ...commit, message: bad })).toBe(false);
    const short = `${commit.message}\n\nUv-Pin-Bot-Proof: sha256=${"0".repeat(63)}\n`;
    expect(await hasProof(sign, REPO, { ...commit, message: short })).toBe(false);
    const huge = `${"\n\n".repeat(500_000)}Uv-Pin-Bot-Proof: sha256=`;
    expect(await hasProof(sign, REPO, { ...commit, message: huge })).toBe(false);
  });
});
