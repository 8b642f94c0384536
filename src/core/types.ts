import type { BuildArgUses } from "./build-args.js";

/** A half-open range of UTF-16 code-unit offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

export type PinKind = "image" | "installer" | "version";
export type PinForm = "tag+digest" | "tag" | "digest" | "url" | "url+checksum";

/** Where the text that an update changes lives, and how it is written there. */
export interface PinSpans {
  /** The version text (without a `v` prefix), where it is literal. */
  version: Span | null;
  /** The digest text `sha256:<hex>` of an image pin. */
  digest: Span | null;
  /** The checksum of an installer pin: either `sha256:<hex>` or a bare hex string. */
  checksum: Span | null;
  /** Whether the checksum text carries the `sha256:` prefix. */
  checksumPrefixed: boolean;
  /** Where `@sha256:…` would be inserted into a tag-only image reference (`pinDigests`). */
  digestInsert?: number | null;
  /**
   * Installer pins: the version text of checksum files downloaded next to the asset that write
   * their own version (`…/0.9.17/x.tar.gz.sha256` beside `…/0.9.17/x.tar.gz`): it moves with
   * `version`, in the same edit.
   */
  sidecarVersions?: Span[];
}

/** One place where a file pins uv. */
export interface Pin {
  file: string;
  /** 1-based line of the image reference, URL or version setting. */
  line: number;
  kind: PinKind;
  /** Image repository as written (variables resolved), e.g. `ghcr.io/astral-sh/uv`. */
  image: string | null;
  /** Installer URL as written, variables left in. */
  url: string | null;
  /** The whole tag as written, variables left in. */
  tag: string | null;
  /** The uv version the pin stands for, resolved through variable defaults. */
  version: string | null;
  /** `sha256:<hex>`: an image digest, or an installer's checksum. */
  digest: string | null;
  form: PinForm | null;
  /** Name of the variable that supplies the version (the innermost one). */
  variable: string | null;
  /** 1-based line where the version text lives. */
  versionLine: number | null;
  /** The variant part of the tag that updates keep (`-alpine`; the whole tag for variant-only tags). */
  suffix: string | null;
  /** The tag with variables resolved, when it could be. */
  resolvedTag: string | null;
  /** For installers: the URL with variables resolved, when it could be. */
  resolvedUrl: string | null;
  /** For installers: which file the URL serves (`install.sh`, `uv-installer.sh`, `uv-x86_64-unknown-linux-gnu.tar.gz`, …). */
  asset: string | null;
  /** Exact places an update would edit. */
  spans: PinSpans;
  /** Set when the pin can be seen but not safely changed. */
  skipReason: string | null;
  /**
   * Installer pins: every checksum tied to the download (present when the form is `url+checksum`
   * and each checksum's place and asset are known); `digest` and `spans.checksum` are the first.
   */
  checksums?: PinChecksum[];
  /**
   * Installer pins: checksum files downloaded next to the asset (`….tar.gz.sha256`, `sha256.sum`)
   * from URLs that move with this pin's version (as written); they need no edit of their own.
   */
  sidecars?: string[];
  /**
   * Set when the pin reads fine but must not move: a checksum next to the download that cannot be
   * tied to one asset (the update is blocked with this reason).
   */
  hold?: string;
  /** A build-time override (`--build-arg`, compose `args:`): the Dockerfile ARG it sets. */
  overrides?: string;
  /**
   * An override of a Dockerfile checksum ARG (`UV_SHA256_AMD64`): where each ARG it may set is
   * declared (`line`) and the line of the installer pin whose download that checksum guards. Such
   * a pin is an `installer` pin with no version text of its own: its version is the build's.
   */
  overridesChecksums?: { file: string; line: number; pinLine: number }[];
  /**
   * An override whose build names its Dockerfile (compose `build.context` / `build.dockerfile`):
   * that Dockerfile's path, as the repository's files are named. Absent: any Dockerfile with the ARG.
   */
  overridesIn?: string;
  /**
   * Image pins on a configured mirror (`images: [{name, mirrorOf}]`): the upstream image it mirrors,
   * where its tags, digests and attestations are looked up (the mirror's host never is).
   */
  mirrorOf?: string;
  /** Reported, never moved: why this uv is not uv-pin-bot's to pin (`pip install uv`, `apk add uv=…`). */
  unpinned?: string;
}

/** A checksum that guards an installer pin's download: where it is written and what it checks. */
export interface PinChecksum {
  /** `sha256:<hex>`, lower case. */
  digest: string;
  /** 1-based line of the checksum text. */
  line: number;
  /** The checksum text: bare hex, or `sha256:<hex>` when `prefixed`. */
  span: Span;
  prefixed: boolean;
  /** The release asset it checks (`uv-aarch64-unknown-linux-gnu.tar.gz`, `install.sh`). */
  asset: string;
  /** The URL of that asset as the file builds it for this checksum (variables resolved). */
  url: string;
  /** The architecture the file chooses this checksum for, as written (`arm64`), or null. */
  arch: string | null;
}

export interface Skipped {
  file: string;
  line: number | null;
  reason: string;
}

export interface ScanResult {
  pins: Pin[];
  skipped: Skipped[];
}

export interface ScanOptions {
  /**
   * The Dockerfile ARGs that feed uv pins in the repository (see build-args.ts): an override of
   * one of them in another file is a pin of that file.
   */
  buildArgs?: BuildArgUses;
  /** Image repositories that count as uv, e.g. `ghcr.io/astral-sh/uv`. */
  images?: readonly string[];
  /** Configured mirrors among `images`: pins on them are marked with the upstream they mirror. */
  mirrors?: readonly { name: string; mirrorOf?: string | null }[];
}

/** What a pin should become. Absent or null fields are left as they are. */
export interface Target {
  /** New version (`X.Y.Z`); a rolling `X.Y` pin takes its `X.Y`. */
  version?: string | null;
  /** New `sha256:<hex>` image digest. */
  digest?: string | null;
  /** New `sha256:<hex>` installer checksum. */
  checksum?: string | null;
  /** New `sha256:<hex>` installer checksums by asset (`PinChecksum.asset`), for pins that list them. */
  checksums?: Record<string, string> | null;
  /** Add `@digest` to a tag-only image pin (`pinDigests`): the one deliberate change of form. */
  addDigest?: boolean;
}

export interface Update {
  pin: Pin;
  target: Target;
}

/** A uv release as the releases adapter reports it. */
export interface Release {
  /** Plain `X.Y.Z` (a leading `v` removed). */
  version: string;
  /** ISO 8601. */
  publishedAt: string;
  prerelease: boolean;
  /** The release page. */
  url: string;
  /** Release notes (Markdown). */
  notes: string;
  assets: ReleaseAsset[];
}

export interface ReleaseAsset {
  name: string;
  /** `sha256:<hex>` from the API's `digest` field, when it has one. */
  digest: string | null;
  url: string;
}
