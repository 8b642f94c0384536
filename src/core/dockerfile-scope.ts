/**
 * Docker's variable scoping for one Dockerfile: global ARGs (before the first FROM) are visible to
 * FROM lines and to stages that redeclare them; ARG and ENV are visible to the rest of their stage;
 * ENV beats ARG; a stage built FROM an earlier stage inherits its ENV; shell assignments live only
 * inside their RUN.
 */
import type { Definition, Lookup } from "./expand.js";
import type { Span } from "./types.js";
import type { ScopedDefinition } from "./variables.js";

type Kind = "arg" | "env" | "shell";

interface Scoped {
  kind: Kind;
  name: string;
  def: Definition | null;
  /** Visible to text at offsets in (at, until]. */
  at: number;
  until: number;
  /** -1 for global ARGs, else the stage index. */
  stage: number;
}

export class DockerfileScope {
  /**
   * Declarations by stage and kind (`slot`), then by name, in the order made: their `at` never
   * decreases, and neither does `until` (each RUN ends after the one before), so a binary search
   * finds the last one visible at an offset.
   */
  private readonly vars: (Map<string, Scoped[]> | undefined)[] = [];
  /** What `inherited` found for a stage (by index) and a name. */
  private readonly settled: (Map<string, Scoped | undefined> | undefined)[] = [];
  private readonly froms: Span[] = [];
  /** For each stage, the stage it is built from, if it is built from one. */
  private readonly parents: (number | null)[] = [];
  private readonly aliases = new Map<string, number>();

  /** Index of the current stage, -1 before the first FROM. */
  get stage(): number {
    return this.froms.length - 1;
  }

  /**
   * Starts a stage at a FROM instruction; `base` is the image as written. Text inside the FROM
   * instruction is read in the global scope.
   */
  enterStage(from: Span, base: string | null): void {
    const parent =
      base === null || this.aliases.size === 0 ? undefined : this.aliases.get(base.toLowerCase());
    this.froms.push(from);
    this.parents.push(parent ?? null);
  }

  /** Names the current stage (`FROM … AS name`). */
  nameStage(alias: string | null): void {
    if (alias) this.aliases.set(alias.toLowerCase(), this.stage);
  }

  /** Whether a name (a `--from` value) names an earlier build stage. */
  isStage(name: string): boolean {
    return (this.aliases.size > 0 && this.aliases.has(name.toLowerCase())) || /^\d+$/.test(name);
  }

  /** Records `ARG`/`ENV` properties, which become visible after the instruction ends. */
  declare(kind: "arg" | "env", name: string, def: Definition | null, after: number): void {
    let value = def;
    // `ARG V` inside a stage takes the global default.
    if (kind === "arg" && value === null && this.stage >= 0) value = this.globalDef(name) ?? null;
    this.add(kind === "arg" ? ARG : ENV, {
      kind,
      name,
      def: value,
      at: after,
      until: Number.POSITIVE_INFINITY,
      stage: this.stage,
    });
  }

  /**
   * Records a shell assignment, visible only inside its RUN instruction. A value computed when
   * the command runs (`V=$(…)`) is not known here.
   */
  declareShell(def: ScopedDefinition, until: number): void {
    const known = def.unknown ? null : def;
    this.add(SHELL, {
      kind: "shell",
      name: def.name,
      def: known,
      at: def.start,
      until,
      stage: this.stage,
    });
  }

  readonly lookup: Lookup = (name, at) => {
    // Nothing declared: every name is unknown (a lookup of the global ARGs gives the same).
    if (this.vars.length === 0) return undefined;
    const stage = this.stageAt(at);
    if (stage < 0) return this.latest(-1, ARG, name, at)?.def;
    const shell = this.latest(stage, SHELL, name, at);
    if (shell) return shell.def;
    const env = this.env(stage, name, at);
    if (env) return env.def;
    return this.latest(stage, ARG, name, at)?.def;
  };

  /**
   * A global ARG with a value that the stage holding `at` neither redeclares nor shadows (with an
   * ENV or a stage ARG): Docker leaves it empty there. Null when that is not the case.
   */
  undeclaredGlobal(name: string, at: number): Definition | null {
    const stage = this.stageAt(at);
    if (stage < 0) return null;
    if (this.latest(stage, SHELL, name, at) || this.env(stage, name, at)) return null;
    if (this.latest(stage, ARG, name, at)) return null;
    return this.globalDef(name) ?? null;
  }

  private add(kind: number, scoped: Scoped): void {
    const slot = slotOf(scoped.stage, kind);
    let names = this.vars[slot];
    if (names === undefined) {
      while (this.vars.length < slot) this.vars.push(undefined);
      names = new Map();
      this.vars[slot] = names;
    }
    const list = names.get(scoped.name);
    if (list) list.push(scoped);
    else names.set(scoped.name, [scoped]);
  }

  private globalDef(name: string): Definition | null | undefined {
    return this.latest(-1, ARG, name, Number.POSITIVE_INFINITY)?.def;
  }

  /** The stage that text at an offset belongs to; -1 inside FROM lines and before the first. */
  private stageAt(at: number): number {
    // FROM instructions are in order and do not overlap: only the last one that starts by `at`
    // can hold it.
    const froms = this.froms;
    let lo = 0;
    let hi = froms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((froms[mid] as Span).start <= at) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return -1;
    if (at < (froms[lo - 1] as Span).end) return -1;
    return lo - 1;
  }

  /** ENV visible in a stage at `at`: its own, else what it inherits from the stage it is built from. */
  private env(stage: number, name: string, at: number): Scoped | undefined {
    const own = this.latest(stage, ENV, name, at);
    if (own) return own;
    const parent = this.parents[stage] ?? null;
    return parent === null ? undefined : this.inherited(parent, name);
  }

  /**
   * The ENV that a stage leaves set when it ends, its own or inherited. A parent is always an
   * earlier stage, complete by the time a later one reads it, so each answer is kept. The walk up
   * a chain of stages stops after MAX_STAGE_CHAIN (a longer chain reads as not set).
   */
  private inherited(from: number, name: string): Scoped | undefined {
    const walked: number[] = [];
    let found: Scoped | undefined;
    let s: number | null = from;
    while (s !== null) {
      if (walked.length === MAX_STAGE_CHAIN) return undefined;
      const settled = this.settled[s];
      if (settled?.has(name)) {
        found = settled.get(name);
        break;
      }
      walked.push(s);
      found = this.latest(s, ENV, name, Number.POSITIVE_INFINITY);
      if (found) break;
      const parent: number | null = this.parents[s] ?? null;
      // Parents are earlier stages; anything else would be a cycle.
      s = parent !== null && parent < s ? parent : null;
    }
    // The walk ended on an answer (not on the bound): it holds for every stage on the way.
    for (const w of walked) {
      let settled = this.settled[w];
      if (settled === undefined) {
        while (this.settled.length < w) this.settled.push(undefined);
        settled = new Map();
        this.settled[w] = settled;
      }
      settled.set(name, found);
    }
    return found;
  }

  /** The last declaration made with `v.at < at <= v.until`. */
  private latest(stage: number, kind: number, name: string, at: number): Scoped | undefined {
    const list = this.vars[slotOf(stage, kind)]?.get(name);
    if (list === undefined) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as Scoped).at < at) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    // Earlier ones end no later than this one: if it has ended, so have they.
    const last = list[lo - 1] as Scoped;
    return at <= last.until ? last : undefined;
  }
}

/** How many stages up a chain of `FROM <earlier stage>` an ENV is looked for. */
const MAX_STAGE_CHAIN = 256;

const ARG = 0;
const ENV = 1;
const SHELL = 2;

/** The index of a stage's (-1: the global scope's) declarations of one kind. */
function slotOf(stage: number, kind: number): number {
  return (stage + 1) * 3 + kind;
}
