/**
 * The in-toto Statement v1 inside an attestation's DSSE envelope (pure): the subjects and predicate
 * type the policy checks, and the SLSA provenance v1 fields a summary shows when the certificate
 * lacks them.
 */
import type { StatementFacts } from "./attestation-policy.js";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const STATEMENT_V1 = "https://in-toto.io/Statement/v1";

export interface Statement extends StatementFacts {
  /** `predicate.buildDefinition.externalParameters.workflow` (SLSA provenance v1 from Actions). */
  workflow: { repository: string | null; path: string | null; ref: string | null };
  /** `predicate.buildDefinition.resolvedDependencies[0].digest.gitCommit`. */
  gitCommit: string | null;
  /** `predicate.runDetails.metadata.invocationId`: the run's URL. */
  invocationId: string | null;
}

export type StatementResult = { ok: true; statement: Statement } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const at = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      typeof key === "number"
        ? Array.isArray(node)
          ? node[key]
          : undefined
        : isObject(node)
          ? node[key]
          : undefined,
    v,
  );

/** Reads a DSSE payload as an in-toto Statement v1; a reason naming `statement` otherwise. */
export function parseStatement(payloadType: string, payload: Uint8Array): StatementResult {
  const fail = (why: string): StatementResult => ({ ok: false, reason: `statement: ${why}` });
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return fail(`payload type ${payloadType || "(none)"} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return fail("the payload is not JSON");
  }
  if (!isObject(doc)) return fail("the payload is not a JSON object");
  if (doc._type !== STATEMENT_V1) {
    return fail(`_type ${str(doc._type) ?? "(none)"} is not ${STATEMENT_V1}`);
  }
  if (!Array.isArray(doc.subject)) return fail("no subject list");
  const subjects: Statement["subjects"] = [];
  for (const s of doc.subject) {
    if (!isObject(s) || !isObject(s.digest)) return fail("a subject has no digest map");
    const digest: Record<string, string> = {};
    for (const [alg, hex] of Object.entries(s.digest)) {
      if (typeof hex !== "string") return fail(`subject digest ${alg} is not a string`);
      digest[alg] = hex;
    }
    subjects.push({ name: str(s.name), digest });
  }
  const build = at(doc.predicate, "buildDefinition");
  const workflow = at(build, "externalParameters", "workflow");
  return {
    ok: true,
    statement: {
      subjects,
      predicateType: str(doc.predicateType),
      workflow: {
        repository: str(at(workflow, "repository")),
        path: str(at(workflow, "path")),
        ref: str(at(workflow, "ref")),
      },
      gitCommit: str(at(build, "resolvedDependencies", 0, "digest", "gitCommit")),
      invocationId: str(at(doc.predicate, "runDetails", "metadata", "invocationId")),
    },
  };
}

/** The digest algorithms the statement's subjects use (lower case), e.g. to hash an artifact. */
export function subjectAlgorithms(statement: StatementFacts): string[] {
  return [
    ...new Set(
      statement.subjects.flatMap((s) => Object.keys(s.digest).map((a) => a.toLowerCase())),
    ),
  ];
}
