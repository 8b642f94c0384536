/**
 * When V8 optimises the CLI's functions. A command runs once over a checkout and exits; V8's
 * defaults suit pages and servers that run for hours: on Node 20 (V8 11) a function is handed to
 * the optimising compiler after little use, and a `scan` of a few thousand files spends about a
 * fifth of its CPU compiling functions that are about to stop running (the compiler's thread and
 * the main thread share a 2-core machine). A larger interrupt budget (V8 counts bytecode run
 * before it considers a function hot) lets the baseline code run longer: measured in README
 * "Scanner performance". Node 22 and later (V8 12+, with Maglev between baseline and optimised
 * code) have other tiers and other flags: nothing is changed there (V8 would print an error for
 * the flag it no longer has).
 */
export const INTERRUPT_BUDGET = 264_000;

/** The V8 flags a CLI process sets for itself, or null for none (by V8's version string). */
export function tierUpFlags(v8Version: string): string | null {
  const major = Number.parseInt(v8Version, 10);
  return major === 11 ? `--interrupt-budget=${INTERRUPT_BUDGET}` : null;
}
