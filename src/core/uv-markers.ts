/**
 * The texts every uv pin has written in its file; a file (or instruction) without them has none.
 *
 * Two tests of different width: `markers` is the file gate (is this file worth reading at all?),
 * `instructionMarkers` decides which instructions of a Dockerfile the parser sees. The gate may be
 * wide (a requirement line `uv>=0.7`, a quoted `"uv"` in a list); an instruction test that is as
 * wide keeps nearly every instruction of a Python image (`pip install uvicorn`, `uv sync`), so it
 * asks for what the Dockerfile extractors actually read instead.
 */

/** Words without which no extractor finds anything (besides the image names). */
const MARKER_WORDS = [
  "astral",
  "uv=",
  "required-version",
  "uv_version",
  // `pip install uv`, `uv self update`, `apk add uv`, a requirement line or string `uv…`
  "pip",
  String.raw`self[ \t]+update`,
  "apk",
  String.raw`(?:^|\n)[ \t]*uv\b`,
  String.raw`["']uv\b`,
];

const MARKERS = new WeakMap<readonly string[], RegExp>();

const escaped = (images: readonly string[]) =>
  images.map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

/**
 * Finds an image name (its registry host in any case), an astral.sh / astral-sh URL or action,
 * `uv=` (`uv==`, `uv===`), `required-version` or `UV_VERSION`. Not global: `test` keeps no state.
 */
export function markers(images: readonly string[]): RegExp {
  let re = MARKERS.get(images);
  if (!re) {
    re = new RegExp([...MARKER_WORDS, ...escaped(images)].join("|"), "i");
    MARKERS.set(images, re);
  }
  return re;
}

/**
 * What one Dockerfile instruction must hold for an extractor to find a pin in it:
 * - `strong`: an image name, `astral` (URLs, `astral-sh`), `uv=` (`pip install uv==`, `uvx --from
 *   uv==`, `apk add uv=`), `uv_version` (`--build-arg UV_VERSION=`), `required-version`,
 *   `self update` (`uv self update`);
 * - or both a `command` (`pip … install`, `uv tool install`, `apk add`: where a bare package word
 *   `uv` is an unpinned install) and a `word`: `uv` standing alone as a shell word (quotes allowed,
 *   as the command scanner reads words: split at blanks and `\`, one quote stripped each side;
 *   `apk add uv~0.9` too). `uv sync`, `/root/.cache/uv` or `pip install uvicorn` alone are not.
 * `strong` and `command` are global (for one pass over a file); `word` is not.
 */
export interface InstructionMarkers {
  strong: RegExp;
  /**
   * `strong` without its hits on another astral-sh image (`astral` then `-sh/` and anything but
   * `uv`: a lookahead in the regex instead of a test of every match), for a search that reads
   * only where matches end; null when `strong` lists image names (one could start inside such an
   * `astral`, where the search would now look and `strong`'s did not).
   */
  counted: RegExp | null;
  command: RegExp;
  word: RegExp;
}

/** INSTRUCTION_WORDS written as plain text (`ownImages` compares image names with them). */
const LITERAL_WORDS = ["astral", "uv=", "required-version", "uv_version"];
const INSTRUCTION_WORDS = [...LITERAL_WORDS, String.raw`self[ \t]+update`];

/** What follows `astral` in another astral-sh image (`ghcr.io/astral-sh/ruff`): no uv text. */
const OTHER_IMAGE_REST = String.raw`-sh\/(?!uv)[\w.-]`;

/** Another astral-sh image starting at `lastIndex` (sticky). */
export const OTHER_IMAGE = new RegExp(`astral${OTHER_IMAGE_REST}`, "iy");

const INSTRUCTION_MARKERS = new WeakMap<readonly string[], InstructionMarkers>();

/**
 * The image names `strong` must list itself: not those whose every match holds a word of
 * INSTRUCTION_WORDS that counts (`ghcr.io/astral-sh/uv` holds `astral`, `astral/uv` starts with
 * it). Leaving them out changes which offsets `strong` finds, yet not which lines hold a hit that
 * is not another astral-sh image (`astral-sh/` then anything but `uv`), all the mask asks of it:
 * every such line has one at the offsets where an alternative matches, since the only hit that is
 * not counted, `astral` of another image, cannot overlap the start of any other alternative. When
 * an image name could (it starts like the end of `astral`), or holds a blank or a line break (a hit
 * could cross lines), every image is listed, as `strong` was written first.
 */
export function ownImages(images: readonly string[]): readonly string[] {
  const lower = images.map((image) => image.toLowerCase());
  const plain = (image: string) =>
    /^[\x21-\x7e]+$/.test(image) &&
    !["stral", "tral", "ral", "al", "l"].some(
      (end) => image.startsWith(end) || end.startsWith(image),
    );
  if (!images.every((image, i) => plain(image) && plain(lower[i] as string))) return images;
  return images.filter((_, i) => !covered(lower[i] as string));
}

/** Whether every match of an image name (lower case, printable ASCII) holds a counted word at one offset. */
function covered(image: string): boolean {
  if (LITERAL_WORDS.some((word) => image.startsWith(word))) return true;
  for (let k = image.indexOf("astral"); k >= 0; k = image.indexOf("astral", k + 1)) {
    const rest = image.slice(k);
    // Not another astral-sh image whatever follows the name in the text.
    if (rest.startsWith("astral-sh/uv")) return true;
    if (!rest.startsWith("astral-sh/") && !"astral-sh/".startsWith(rest)) return true;
  }
  return false;
}

export function instructionMarkers(images: readonly string[]): InstructionMarkers {
  let m = INSTRUCTION_MARKERS.get(images);
  if (!m) {
    const own = ownImages(images);
    m = {
      strong: new RegExp([...INSTRUCTION_WORDS, ...escaped(own)].join("|"), "gi"),
      counted:
        own.length === 0
          ? new RegExp(
              INSTRUCTION_WORDS.map((w) =>
                w === "astral" ? `astral(?!${OTHER_IMAGE_REST})` : w,
              ).join("|"),
              "gi",
            )
          : null,
      // `pip3`, `pipx`, `uv pip` all hold `pip`; the extractor also wants `install` after it.
      command: /\bpip|\bapk[ \t]+add\b|\buv[ \t]+tool\b/gi,
      word: /(?<![^\s\\"'])uv(?![^\s\\"'|;&#=~<>])/i,
    };
    INSTRUCTION_MARKERS.set(images, m);
  }
  return m;
}

/** Whether a text (an instruction with its continuations joined) may hold a pin. */
export function instructionMayPin(text: string, m: InstructionMarkers): boolean {
  m.strong.lastIndex = 0;
  if (m.strong.test(text)) return true;
  m.command.lastIndex = 0;
  return m.command.test(text) && m.word.test(text);
}
