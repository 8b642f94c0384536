import { afterEach, describe, expect, it, vi } from "vitest";
import type { TrustMaterial } from "./sigstore-verify.js";
import type { TrustRoot } from "./trust-root.js";
import { TrustRootKeeper } from "./trust-root-keeper.js";

/** Distinct stand-ins for trust material: the keeper only passes them on. */
const material = (name: string) => ({ name }) as unknown as TrustMaterial;
const root = (name: string, source: TrustRoot["source"], warning: string | null = null) => ({
  material: material(name),
  source,
  warning,
});

/** A load whose answer the test gives later. */
function gatedLoads() {
  const pending: ((r: TrustRoot) => void)[] = [];
  return {
    load: () => new Promise<TrustRoot>((resolve) => pending.push(resolve)),
    answer: (r: TrustRoot) => pending.shift()?.(r),
    get waiting() {
      return pending.length;
    },
  };
}

let keeper: TrustRootKeeper | undefined;
afterEach(() => {
  keeper?.stop();
  vi.useRealTimers();
});

describe("TrustRootKeeper", () => {
  it("starts loading when made; material() waits only until the first load ends", async () => {
    const loads = gatedLoads();
    keeper = new TrustRootKeeper({ load: loads.load });
    expect(loads.waiting).toBe(1);
    expect(keeper.ready).toBe(false);
    let got: TrustMaterial | undefined;
    const asked = keeper.material().then((m) => {
      got = m;
    });
    await Promise.resolve();
    expect(got).toBeUndefined();
    loads.answer(root("tuf-1", "tuf"));
    await asked;
    expect(got).toEqual(material("tuf-1"));
    expect(keeper.ready).toBe(true);
    // Once loaded, asking again starts nothing.
    expect(await keeper.material()).toEqual(material("tuf-1"));
    expect(keeper.loads).toBe(1);
  });

  it("refreshes on its timer and hands out the newer root", async () => {
    vi.useFakeTimers();
    let n = 0;
    keeper = new TrustRootKeeper({
      load: async () => root(`tuf-${++n}`, "tuf"),
      refreshMs: 1000,
    });
    expect(await keeper.material()).toEqual(material("tuf-1"));
    await vi.advanceTimersByTimeAsync(999);
    expect(keeper.loads).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(keeper.loads).toBe(2);
    expect(await keeper.material()).toEqual(material("tuf-2"));
    await vi.advanceTimersByTimeAsync(2000);
    expect(keeper.loads).toBe(4);
    expect(await keeper.material()).toEqual(material("tuf-4"));
  });

  it("keeps a refreshed root when a later refresh falls back to the embedded one", async () => {
    const warnings: string[] = [];
    const answers = [root("tuf-1", "tuf"), root("embedded", "embedded", "TUF did not answer")];
    keeper = new TrustRootKeeper({
      load: async () => answers.shift() as TrustRoot,
      onWarning: (w) => warnings.push(w),
    });
    expect(await keeper.material()).toEqual(material("tuf-1"));
    await keeper.refresh();
    expect(keeper.loads).toBe(2);
    expect(warnings).toEqual(["TUF did not answer"]);
    expect(await keeper.material()).toEqual(material("tuf-1"));
  });

  it("takes a refreshed root after starting on the embedded one; overlapping refreshes share one load", async () => {
    const loads = gatedLoads();
    keeper = new TrustRootKeeper({ load: loads.load });
    loads.answer(root("embedded", "embedded", "offline"));
    expect(await keeper.material()).toEqual(material("embedded"));
    const a = keeper.refresh();
    const b = keeper.refresh();
    expect(loads.waiting).toBe(1);
    loads.answer(root("tuf-2", "tuf"));
    await Promise.all([a, b]);
    expect(keeper.loads).toBe(2);
    expect(await keeper.material()).toEqual(material("tuf-2"));
  });
});
