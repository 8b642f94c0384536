/** Dockerfile scanner, case 5: versions, tags, references and digests held in ARG and ENV. */
import { describe, expect, test } from "vitest";
import {
  imagePin,
  installerPin,
  scanFixture,
  skipsOf,
  versionPin,
} from "../../test/dockerfile-pins.js";

describe("case 5: ARG substitution", () => {
  test("arg-substitution: $V, ${V}, ${V:-d}, whole tag, whole reference, digest, no default", () => {
    const f = "arg-substitution.Dockerfile";
    const digest = "sha256:5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d";
    const pins = [
      imagePin(f, 8, {
        tag: "$UV_VERSION",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
      }),
      imagePin(f, 9, {
        tag: "${UV_VERSION}",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
      }),
      // the default written after :- is the version text; it stands for UV_NO_DEFAULT
      imagePin(f, 10, {
        tag: "${UV_NO_DEFAULT:-0.9.14}",
        version: "0.9.14",
        resolvedTag: "0.9.14",
        variable: "UV_NO_DEFAULT",
        versionLine: 10,
      }),
      // an ARG that holds the whole tag (quoted)
      imagePin(f, 11, {
        tag: "${UV_TAG}",
        version: "0.9.16",
        resolvedTag: "0.9.16-python3.12-bookworm-slim",
        suffix: "-python3.12-bookworm-slim",
        variable: "UV_TAG",
        versionLine: 3,
      }),
      // an ARG that holds the whole reference: the tag is written in the ARG
      imagePin(f, 12, {
        tag: "0.9.15",
        version: "0.9.15",
        variable: "UV_IMAGE",
        versionLine: 4,
      }),
      // an ARG that holds the digest
      imagePin(f, 13, { tag: "0.9.13", version: "0.9.13", digest, form: "tag+digest" }),
      imagePin(f, 14, {
        tag: "${UV_NO_DEFAULT}",
        version: null,
        resolvedTag: null,
        variable: "UV_NO_DEFAULT",
        skipReason: "tag: `UV_NO_DEFAULT` has no default value",
      }),
      // a global ARG redeclared in the stage
      imagePin(f, 18, {
        tag: "${UV_VERSION}",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 2,
      }),
      // a stage ARG
      imagePin(f, 20, {
        tag: "$UV_STAGE_VERSION",
        version: "0.9.12",
        resolvedTag: "0.9.12",
        variable: "UV_STAGE_VERSION",
        versionLine: 19,
      }),
      // the version from an ARG, the variant written after it
      imagePin(f, 21, {
        tag: "${UV_VERSION}-python3.12-bookworm-slim",
        version: "0.9.17",
        resolvedTag: "0.9.17-python3.12-bookworm-slim",
        suffix: "-python3.12-bookworm-slim",
        variable: "UV_VERSION",
        versionLine: 2,
      }),
      // FROM <an earlier stage> is not a pin; ENV in the legacy `ENV name value` form
      versionPin(f, 24, { version: "0.9.11", variable: "UV_LEGACY", versionLine: 23 }),
      // the repository from an ARG, the tag written with a default
      imagePin(f, 26, {
        tag: "${UV_REPO_TAG:-0.9.10}",
        version: "0.9.10",
        resolvedTag: "0.9.10",
        variable: "UV_REPO_TAG",
        versionLine: 26,
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual([
      {
        file: "fixtures/dockerfiles/arg-substitution.Dockerfile",
        line: 14,
        reason: "tag: `UV_NO_DEFAULT` has no default value",
      },
    ]);
  });

  test("arg-stage-scope: global ARGs reach FROM lines and stages that redeclare them, no others", () => {
    const f = "arg-stage-scope.Dockerfile";
    const url = "https://astral.sh/uv/${UV_INSTALLER_VERSION}/install.sh";
    const pins = [
      imagePin(f, 6, {
        tag: "${UV_VERSION}",
        resolvedTag: null,
        variable: "UV_VERSION",
        skipReason:
          "tag: `UV_VERSION` is a global ARG (line 1) that this stage does not redeclare, so it is empty here: add `ARG UV_VERSION` to the stage",
      }),
      installerPin(f, 7, {
        url,
        asset: "install.sh",
        variable: "UV_INSTALLER_VERSION",
        skipReason:
          "version: `UV_INSTALLER_VERSION` is a global ARG (line 2) that this stage does not redeclare, so it is empty here: add `ARG UV_INSTALLER_VERSION` to the stage",
      }),
      imagePin(f, 8, {
        tag: "${UV_VERSION:-0.9.15}",
        version: "0.9.15",
        resolvedTag: "0.9.15",
        variable: "UV_VERSION",
        versionLine: 8,
      }),
      imagePin(f, 13, {
        tag: "${UV_VERSION}",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 1,
      }),
      installerPin(f, 14, {
        url,
        asset: "install.sh",
        version: "0.9.16",
        variable: "UV_INSTALLER_VERSION",
        versionLine: 2,
      }),
      imagePin(f, 18, {
        tag: "${UV_VERSION}",
        version: "0.9.14",
        resolvedTag: "0.9.14",
        variable: "UV_VERSION",
        versionLine: 17,
      }),
      // a stage ARG is not visible to a later FROM line
      imagePin(f, 20, {
        tag: "${STAGE_ONLY}",
        resolvedTag: null,
        variable: "STAGE_ONLY",
        skipReason: "tag: `STAGE_ONLY` has no default value",
      }),
      // a shell assignment in an earlier RUN does not reach COPY
      imagePin(f, 25, {
        tag: "${UV_VERSION}",
        version: "0.9.17",
        resolvedTag: "0.9.17",
        variable: "UV_VERSION",
        versionLine: 1,
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });

  test("env-scope: ENV from ARG, inherited by a child stage, beating an ARG; not elsewhere", () => {
    const f = "env-scope.Dockerfile";
    const pins = [
      versionPin(f, 6, { version: "0.9.17", variable: "UV_VERSION", versionLine: 1 }),
      versionPin(f, 10, { version: "0.9.17", variable: "UV_VERSION", versionLine: 1 }),
      versionPin(f, 12, { version: "0.9.17", variable: "UV_VERSION", versionLine: 1 }),
      versionPin(f, 15, {
        variable: "UV_VERSION",
        skipReason:
          "version: `UV_VERSION` is a global ARG (line 1) that this stage does not redeclare, so it is empty here: add `ARG UV_VERSION` to the stage",
      }),
    ];
    const scanned = scanFixture(f);
    expect(scanned.pins).toEqual(pins);
    expect(scanned.skipped).toEqual(skipsOf(pins));
  });
});
