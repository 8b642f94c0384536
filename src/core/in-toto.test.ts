import { describe, expect, it } from "vitest";
import { IN_TOTO_PAYLOAD_TYPE, parseStatement, subjectAlgorithms } from "./in-toto.js";

const payload = (doc: unknown) => Buffer.from(typeof doc === "string" ? doc : JSON.stringify(doc));
const STATEMENT = {
  _type: "https://in-toto.io/Statement/v1",
  subject: [{ name: "uv", digest: { sha256: "ab", sha512: "cd" } }, { digest: { sha256: "ef" } }],
  predicateType: "https://slsa.dev/provenance/v1",
  predicate: {
    buildDefinition: {
      externalParameters: {
        workflow: {
          repository: "https://github.com/astral-sh/uv",
          path: ".github/workflows/x.yml",
          ref: "refs/heads/main",
        },
      },
      resolvedDependencies: [
        {
          uri: "git+https://github.com/astral-sh/uv@refs/heads/main",
          digest: { gitCommit: "0123" },
        },
      ],
    },
    runDetails: {
      metadata: { invocationId: "https://github.com/astral-sh/uv/actions/runs/1/attempts/1" },
    },
  },
};

describe("parseStatement", () => {
  it("reads subjects, predicate type and the SLSA provenance fields", () => {
    const read = parseStatement(IN_TOTO_PAYLOAD_TYPE, payload(STATEMENT));
    expect(read).toEqual({
      ok: true,
      statement: {
        subjects: [
          { name: "uv", digest: { sha256: "ab", sha512: "cd" } },
          { name: null, digest: { sha256: "ef" } },
        ],
        predicateType: "https://slsa.dev/provenance/v1",
        workflow: {
          repository: "https://github.com/astral-sh/uv",
          path: ".github/workflows/x.yml",
          ref: "refs/heads/main",
        },
        gitCommit: "0123",
        invocationId: "https://github.com/astral-sh/uv/actions/runs/1/attempts/1",
      },
    });
    if (read.ok) expect(subjectAlgorithms(read.statement)).toEqual(["sha256", "sha512"]);
  });

  it("tolerates a predicate without provenance fields", () => {
    const read = parseStatement(IN_TOTO_PAYLOAD_TYPE, payload({ ...STATEMENT, predicate: 7 }));
    expect(read.ok && read.statement.workflow).toEqual({ repository: null, path: null, ref: null });
  });

  it.each([
    [
      "text/plain",
      payload(STATEMENT),
      "statement: payload type text/plain is not application/vnd.in-toto+json",
    ],
    [IN_TOTO_PAYLOAD_TYPE, payload("hello, world!"), "statement: the payload is not JSON"],
    [IN_TOTO_PAYLOAD_TYPE, Buffer.from([0xff, 0xfe]), "statement: the payload is not JSON"],
    [IN_TOTO_PAYLOAD_TYPE, payload([1]), "statement: the payload is not a JSON object"],
    [
      IN_TOTO_PAYLOAD_TYPE,
      payload({ ...STATEMENT, _type: "https://in-toto.io/Statement/v0.1" }),
      "statement: _type https://in-toto.io/Statement/v0.1 is not https://in-toto.io/Statement/v1",
    ],
    [IN_TOTO_PAYLOAD_TYPE, payload({ ...STATEMENT, subject: {} }), "statement: no subject list"],
    [
      IN_TOTO_PAYLOAD_TYPE,
      payload({ ...STATEMENT, subject: [{ name: "x" }] }),
      "statement: a subject has no digest map",
    ],
    [
      IN_TOTO_PAYLOAD_TYPE,
      payload({ ...STATEMENT, subject: [{ digest: { sha256: 1 } }] }),
      "statement: subject digest sha256 is not a string",
    ],
  ])("refuses %s %s", (type, bytes, reason) => {
    expect(parseStatement(type, bytes)).toEqual({ ok: false, reason });
  });
});
