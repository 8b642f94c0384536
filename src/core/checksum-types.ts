/** What the checksum tracer reads from a region: downloads, checks, and the checksums a check reaches. */
import type { Definition } from "./expand.js";
import type { Branch, Command } from "./shell-flow.js";
import type { Pin, Span } from "./types.js";

/** An installer pin with the range of its URL text. */
export interface LocatedPin {
  pin: Pin;
  start: number;
  end: number;
}

export interface Download {
  pin: LocatedPin;
  /** Key of the file the download writes, or null (stdout piped on). */
  out: string | null;
  command: Command;
}

export interface Check {
  /** The expected value as written: a word part's text and place. */
  sum: { text: string; start: number; end: number };
  /** Key of the file checked. */
  file: string;
  /** Where the expected value is read: its variables hold what they hold there. */
  at: number;
  /** Where the file is read, and the branch that reads it: which downloads reach the check. */
  readAt: number;
  branch: Branch | null;
}

/** Variables bound while a checksum is reached (a branch's subject, an array's subscript): folded name → value. */
export type Bindings = (name: string) => Definition | undefined;

export const NO_BINDINGS: Bindings = () => undefined;

/** A checksum reached from a check: where its text is and the bindings of its branch. */
export interface Reached {
  span: Span;
  bindings: Bindings;
  keys: string[];
  arch: string | null;
}

/** Whether a 64-hex value (optionally `sha256:`-prefixed) is the whole text. */
export const HEX_VALUE = /^(?:sha256:)?[a-f0-9]{64}$/i;

/** The branches a branch runs inside of, itself first. */
export function chain(b: Branch | null): Branch[] {
  const out: Branch[] = [];
  for (let x = b; x; x = x.parent) out.push(x);
  return out;
}
