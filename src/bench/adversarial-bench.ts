/**
 * The adversarial line of `npm run bench`: every kind of file made of long runs of every keyword
 * that the matchers look for (one long line, many short lines) and of deep nesting; each file is
 * scanned once (after a warm-up) and the worst file's time is reported, then the worst files are
 * scanned again at 8 times the size, which shows how their cost grows. Figures only.
 */
import { scanText } from "../core/extract.js";
import { type AdversarialFile, adversarialFiles } from "./adversarial.js";

const SIZE = 128 * 1024;

interface Timed {
  file: AdversarialFile;
  ms: number;
}

function time(file: AdversarialFile): Timed {
  const start = performance.now();
  scanText(file.path, file.text);
  return { file, ms: performance.now() - start };
}

const label = (f: AdversarialFile) => `${f.kind}: ${f.name}`;
const mbps = (chars: number, ms: number) => (chars / 1e6 / (ms / 1000)).toFixed(1);

export function reportAdversarial(): void {
  const files = adversarialFiles(SIZE);
  for (const f of adversarialFiles(4096)) scanText(f.path, f.text);
  let chars = 0;
  let total = 0;
  const timed: Timed[] = [];
  for (const f of files) {
    const t = time(f);
    timed.push(t);
    chars += f.text.length;
    total += t.ms;
  }
  timed.sort((a, b) => b.ms - a.ms);
  const [worst] = timed;
  if (!worst) return;
  console.log(
    `adversarial corpus: ${files.length} files of ${SIZE / 1024} KiB (6 kinds x ${files.length / 6} contents), ${(chars / 1e6).toFixed(1)} MB, scanned in ${total.toFixed(0)} ms (${mbps(chars, total)} MB/s)`,
  );
  console.log(
    `adversarial worst file: ${label(worst.file)}: ${worst.ms.toFixed(1)} ms (${mbps(worst.file.text.length, worst.ms)} MB/s)`,
  );
  // The five worst again at 1 MiB: linear work takes about 8 times as long.
  const big = new Map(
    adversarialFiles(SIZE * 8, [...new Set(timed.slice(0, 5).map((t) => t.file.kind))]).map((f) => [
      label(f),
      f,
    ]),
  );
  let worstBig: Timed | null = null;
  for (const t of timed.slice(0, 5)) {
    const f = big.get(label(t.file));
    if (!f) continue;
    const b = time(f);
    if (!worstBig || b.ms > worstBig.ms) worstBig = b;
    console.log(
      `adversarial at ${(SIZE * 8) / 1024} KiB: ${label(f)}: ${b.ms.toFixed(1)} ms (x${(b.ms / t.ms).toFixed(1)} for 8x the size)`,
    );
  }
  if (worstBig) {
    console.log(
      `adversarial worst file at 1 MiB: ${label(worstBig.file)}: ${worstBig.ms.toFixed(1)} ms`,
    );
  }
}
