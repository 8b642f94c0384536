/**
 * `releases/latest/download/…` (github.com and Astral's mirror) and the mirror's
 * `installers/uv/latest/…` always serve the newest uv: nothing in the file pins a version, so
 * such a pin is reported as unpinned (like `pip install uv`) and never edited. A latest URL whose
 * download is checked against a checksum keeps the policy's own refusal (that checksum breaks at
 * the next release). Pure.
 */
import type { Pin } from "./types.js";

export const UNPINNED_LATEST =
  "unpinned: this URL always serves the newest uv release; nothing to move";

const LATEST =
  /^https?:\/\/(?:github\.com\/astral-sh\/uv\/releases\/latest\/download\/|releases\.astral\.sh\/(?:github\/uv\/releases\/latest\/download\/|installers\/uv\/latest\/))/;

/** Marks the installer pins that download a `latest` URL and check no checksum. */
export function markLatest(pins: readonly Pin[]): void {
  for (const pin of pins) {
    if (pin.kind !== "installer" || pin.unpinned || pin.skipReason) continue;
    if (pin.form === "url+checksum" || pin.version !== null) continue;
    if (pin.resolvedUrl !== null && LATEST.test(pin.resolvedUrl)) pin.unpinned = UNPINNED_LATEST;
  }
}
