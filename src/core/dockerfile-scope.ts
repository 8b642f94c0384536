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
  private readonly vars: Scoped[] = [];
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
    this.vars.push({ ...v, stage: this.stage });
  }

  private globalDef(name: string): Definition | null | undefined {
    return this.latest(-1, "arg", name, Number.POSITIVE_INFINITY)?.def;
  }

  /** The stage that text at an offset belongs to; -1 inside FROM lines and before the first. */
  private stageAt(at: number): number {
    let stage = -1;
    for (const f of this.froms) {
      if (f.start <= at && at < f.end) return -1;
      if (f.start <= at) stage++;
    }
    return stage;
  }

  private env(stage: number, name: string, at: number): Scoped | undefined {
    const seen = new Set<number>();
    let s: number | null = stage;
    let until = at;
    while (s !== null && !seen.has(s)) {
      seen.add(s);
      const own = this.latest(s, "env", name, until);
      if (own) return own;
      s = this.parents[s] ?? null;
      until = Number.POSITIVE_INFINITY;
    }
    return undefined;
  }

  private latest(stage: number, kind: Kind, name: string, at: number): Scoped | undefined {
    let found: Scoped | undefined;
    for (const v of this.vars) {
      if (v.stage === stage && v.kind === kind && v.name === name && v.at < at && at <= v.until)
        found = v;
    }
    return found;
  }
}
