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
   * Declarations by stage, kind and name, in the order made: their `at` never decreases, and
   * neither does `until` (each RUN ends after the one before), so a binary search finds the last
   * one visible at an offset.
   */
  private readonly vars = new Map<string, Scoped[]>();
  /** What `inherited` found for a stage and a name. */
  private readonly settled = new Map<string, Scoped | undefined>();
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
    const parent = base === null ? undefined : this.aliases.get(base.toLowerCase());
    this.froms.push(from);
    this.parents.push(parent ?? null);
  }

  /** Names the current stage (`FROM … AS name`). */
  nameStage(alias: string | null): void {
    if (alias) this.aliases.set(alias.toLowerCase(), this.stage);
  }

  /** Whether a name (a `--from` value) names an earlier build stage. */
  isStage(name: string): boolean {
    return this.aliases.has(name.toLowerCase()) || /^\d+$/.test(name);
  }

  /** Records `ARG`/`ENV` properties, which become visible after the instruction ends. */
  declare(kind: "arg" | "env", name: string, def: Definition | null, after: number): void {
    let value = def;
    // `ARG V` inside a stage takes the global default.
    if (kind === "arg" && value === null && this.stage >= 0) value = this.globalDef(name) ?? null;
    this.add({ kind, name, def: value, at: after, until: Number.POSITIVE_INFINITY });
  }

  /**
   * Records a shell assignment, visible only inside its RUN instruction. A value computed when
   * the command runs (`V=$(…)`) is not known here.
   */
  declareShell(def: ScopedDefinition, until: number): void {
    const known = def.unknown ? null : def;
    this.add({ kind: "shell", name: def.name, def: known, at: def.start, until });
  }

  readonly lookup: Lookup = (name, at) => {
    const stage = this.stageAt(at);
    if (stage < 0) return this.latest(-1, "arg", name, at)?.def;
    const shell = this.latest(stage, "shell", name, at);
    if (shell) return shell.def;
    const env = this.env(stage, name, at);
    if (env) return env.def;
    return this.latest(stage, "arg", name, at)?.def;
  };

  /**
   * A global ARG with a value that the stage holding `at` neither redeclares nor shadows (with an
   * ENV or a stage ARG): Docker leaves it empty there. Null when that is not the case.
   */
  undeclaredGlobal(name: string, at: number): Definition | null {
    const stage = this.stageAt(at);
    if (stage < 0) return null;
    if (this.latest(stage, "shell", name, at) || this.env(stage, name, at)) return null;
    if (this.latest(stage, "arg", name, at)) return null;
    return this.globalDef(name) ?? null;
  }

  private add(v: Omit<Scoped, "stage">): void {
    const key = varKey(this.stage, v.kind, v.name);
    const list = this.vars.get(key);
    const scoped = { ...v, stage: this.stage };
    if (list) list.push(scoped);
    else this.vars.set(key, [scoped]);
  }

  private globalDef(name: string): Definition | null | undefined {
    return this.latest(-1, "arg", name, Number.POSITIVE_INFINITY)?.def;
  }

  /** The stage that text at an offset belongs to; -1 inside FROM lines and before the first. */
  private stageAt(at: number): number {
    // FROM instructions are in order and do not overlap: only the last one that starts by `at`
    // can hold it.
    let lo = 0;
    let hi = this.froms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.froms[mid] as Span).start <= at) lo = mid + 1;
      else hi = mid;
    }
    const last = this.froms[lo - 1];
    if (last && at < last.end) return -1;
    return lo - 1;
  }

  /** ENV visible in a stage at `at`: its own, else what it inherits from the stage it is built from. */
  private env(stage: number, name: string, at: number): Scoped | undefined {
    return this.latest(stage, "env", name, at) ?? this.inherited(this.parents[stage] ?? null, name);
  }

  /**
   * The ENV that a stage leaves set when it ends, its own or inherited. A parent is always an
   * earlier stage, complete by the time a later one reads it, so each answer is kept. The walk up
   * a chain of stages stops after MAX_STAGE_CHAIN (a longer chain reads as not set).
   */
  private inherited(from: number | null, name: string): Scoped | undefined {
    const walked: number[] = [];
    let found: Scoped | undefined;
    let s = from;
    while (s !== null) {
      if (walked.length === MAX_STAGE_CHAIN) return undefined;
      const key = varKey(s, "inherited", name);
      if (this.settled.has(key)) {
        found = this.settled.get(key);
        break;
      }
      walked.push(s);
      found = this.latest(s, "env", name, Number.POSITIVE_INFINITY);
      if (found) break;
      const parent = this.parents[s] ?? null;
      // Parents are earlier stages; anything else would be a cycle.
      s = parent !== null && parent < s ? parent : null;
    }
    // The walk ended on an answer (not on the bound): it holds for every stage on the way.
    for (const w of walked) this.settled.set(varKey(w, "inherited", name), found);
    return found;
  }

  /** The last declaration made with `v.at < at <= v.until`. */
  private latest(stage: number, kind: Kind, name: string, at: number): Scoped | undefined {
    const list = this.vars.get(varKey(stage, kind, name));
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as Scoped).at < at) lo = mid + 1;
      else hi = mid;
    }
    // Earlier ones end no later than this one: if it has ended, so have they.
    const last = list[lo - 1];
    return last && at <= last.until ? last : undefined;
  }
}

/** How many stages up a chain of `FROM <earlier stage>` an ENV is looked for. */
const MAX_STAGE_CHAIN = 256;

function varKey(stage: number, kind: Kind | "inherited", name: string): string {
  return `${stage}\u0000${kind}\u0000${name}`;
}
