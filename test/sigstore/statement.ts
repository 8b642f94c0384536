/**
 * The signed content: an in-toto Statement v1 whose default predicate is SLSA provenance v1 as
 * GitHub's attest-build-provenance writes it for a workflow run, and DSSE's pre-authentication
 * encoding.
 */
import type { Identity } from "./fulcio.js";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

export interface Subject {
  name: string;
  /** Algorithm to lowercase hex, e.g. `{ sha256: "ab12..." }`. */
  digest: Record<string, string>;
}

export interface Statement {
  _type: string;
  subject: Subject[];
  predicateType: string;
  predicate: unknown;
}

export function statement(subject: Subject[], predicateType: string, predicate: unknown) {
  return { _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate } satisfies Statement;
}

/** SLSA v1 provenance for a GitHub Actions run, filled from the certificate's claims. */
export function githubProvenance(id: Identity): unknown {
  const config = id.buildConfigUri ?? id.buildSignerUri ?? "";
  const path = /^https:\/\/github\.com\/[^/]+\/[^/]+\/([^@]+)@/.exec(config)?.[1];
  const opt = <T>(v: T | null): T | undefined => v ?? undefined;
  return {
    buildDefinition: {
      buildType: "https://actions.github.io/buildtypes/workflow/v1",
      externalParameters: {
        workflow: { ref: opt(id.sourceRef), repository: opt(id.sourceRepository), path },
      },
      internalParameters: {
        github: {
          event_name: opt(id.buildTrigger),
          repository_id: opt(id.sourceRepositoryIdentifier),
          repository_owner_id: opt(id.sourceRepositoryOwnerIdentifier),
          runner_environment: opt(id.runnerEnvironment),
        },
      },
      resolvedDependencies: [
        {
          uri: `git+${id.sourceRepository ?? ""}@${id.sourceRef ?? ""}`,
          digest: { gitCommit: opt(id.sourceCommit) },
        },
      ],
    },
    runDetails: {
      builder: { id: opt(id.buildSignerUri) },
      metadata: { invocationId: opt(id.runInvocationUri) },
    },
  };
}

/** DSSE v1 PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const head = `DSSEv1 ${type.length} ${payloadType} ${payload.length} `;
  return Buffer.concat([Buffer.from(head, "utf8"), payload]);
}
