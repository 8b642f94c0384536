/**
 * Where `pip install … uv==` is written: the matches of
 *
 *   /\b(?:pip3?|pipx|uv\s+pip|uv\s+tool)\b(?:[^\n|;&#]|\\\r?\n)*?\binstall\b(?:[^\n|;&#]|\\\r?\n)*?(?<![\w.-])["']?uv==/g
 *
 * found in linear time. That regex backtracks over every pair of `install` and `uv==` after every
 * `pip` (cubic on `pip install pip install …`). The same matches, read directly: from the end of
 * the command word, the first `install` word, then the first `uv==` not glued to a name, both
 * before the command ends (a newline that no `\` continues, or one of `|;&#`). Every search
 * resumes where the last one stopped, so each character is read a bounded number of times.
 */

export interface PipMatch {
  /** Offset of the command word (`pip`, `uv pip`, …). */
  index: number;
  /** Offset just after `uv==`. */
  end: number;
}

const WORD = /\b(?:pip3?|pipx|uv\s+pip|uv\s+tool)\b/g;
const INSTALL = /\binstall\b/g;
/** `["']?` before `uv==` changes nothing: a quote is not in `[\w.-]`, so `uv==` itself qualifies. */
const UV_EQ = /(?<![\w.-])uv==/g;

/** The first match of a global regex at or after `from`, cached while later calls need no new search. */
class NextMatch {
  private from = -1;
  private at = -1;
  constructor(
    private readonly re: RegExp,
    private readonly text: string,
  ) {}

  /** Offset of the first match at or after `from`, or -1. `from` never decreases between calls. */
  next(from: number): number {
    if (this.from >= 0 && this.from <= from && (this.at < 0 || this.at >= from)) return this.at;
    this.re.lastIndex = from;
    const m = this.re.exec(this.text);
    this.from = from;
    this.at = m ? m.index : -1;
    return this.at;
  }
}

export function pipInstallMatches(text: string): PipMatch[] {
  const out: PipMatch[] = [];
  // The module's regexes (nothing here calls back in); each search sets where it starts.
  const word = WORD;
  word.lastIndex = 0;
  const install = new NextMatch(INSTALL, text);
  const uv = new NextMatch(UV_EQ, text);
  let segFrom = -1;
  let segEnd = -1;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    const w = m.index + m[0].length;
    if (!(segFrom >= 0 && segFrom <= w && w <= segEnd)) {
      segFrom = w;
      segEnd = commandEnd(text, w);
    }
    const i = install.next(w);
    if (i < 0 || i >= segEnd) continue;
    const v = uv.next(i + "install".length);
    if (v < 0 || v >= segEnd) continue;
    const end = v + "uv==".length;
    out.push({ index: m.index, end });
    word.lastIndex = end;
  }
  return out;
}

/** The first offset at or after `from` that `(?:[^\n|;&#]|\\\r?\n)` cannot step over. */
function commandEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 124 /* | */ || c === 59 /* ; */ || c === 38 /* & */ || c === 35 /* # */) return k;
    if (c !== 10 /* \n */) continue;
    const before = text[k - 1] === "\r" ? k - 2 : k - 1;
    if (before < from || text[before] !== "\\") return k;
  }
  return text.length;
}
