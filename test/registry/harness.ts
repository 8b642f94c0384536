/**
 * A real OCI registry for tests, shaped like ghcr.io.
 *
 * `startRegistry()` runs Debian's `docker-registry` (CNCF distribution 2.8.2) on 127.0.0.1 with
 * in-memory storage and token auth, behind a small Node "front" that:
 * - serves `GET /token?scope=…&service=…` (RS256 JWTs the registry verifies through `x5c`),
 * - proxies `/v2/…` to the registry, streaming, with `WWW-Authenticate` realms pointing at itself,
 * - pages `GET /v2/<name>/tags/list` itself (`n`, `last`, `Link`), in a seeded non-sorted order,
 *   because distribution 2.8 ignores `n`/`last` and sends no `Link`,
 * - injects faults (`failNext`) and records every request it receives (`requests`, `count`).
 *
 * Seeding (`pushBlob`, `pushManifest`, `seedImage`, `tag`) talks to the registry directly with a
 * push token: it goes through the real distribution API but is neither counted nor faulted.
 *
 * Tests that use this must be wrapped in `describeWithRegistry` (./available.ts) and call
 * `stop()` in `afterAll`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  createHash,
  createPrivateKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
} from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { opensslBinary, registryBinary, unavailableReason } from "./available.js";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  inToto: "application/vnd.in-toto+json",
} as const;

/** The `Accept` list a correct client sends for a manifest (what ghcr needs to answer an index). */
export const ALL_MANIFEST_TYPES = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(", ");

export interface StartRegistryOptions {
  /** `service` in challenges and the token audience. Default `ghcr.io`. */
  service?: string;
  /** Token issuer the registry trusts. Default `uv-pin-bot-test-issuer`. */
  issuer?: string;
  /** Field `/token` returns the JWT under: ghcr uses `token`, Docker Hub may use `access_token`. */
  tokenField?: "token" | "access_token" | "both";
  /** Lifetime of tokens from `/token`, seconds. Default 300 (the registry allows 60 s of leeway). */
  tokenExpiresIn?: number;
  /** Tags per page when the request has no `n`. Default 100, like ghcr. */
  tagsPageSize?: number;
  /** `Link: <http://127.0.0.1:…/v2/…>` instead of the default relative `</v2/…>`. */
  absoluteLinks?: boolean;
  /** Seed of the tag order. Default 1. */
  seed?: number;
  /** How long the registry may take to report its port. Default 10 000 ms. */
  startTimeoutMs?: number;
  /** The registry binary; default `docker-registry` from PATH (or `DOCKER_REGISTRY_BIN`). */
  binary?: string;
  /** Where the per-run temp dir (config, certificate) is made. Default `os.tmpdir()`. */
  tmpRoot?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type ImageKind = "oci-index" | "docker-list" | "single-oci" | "single-docker";

export interface SeedImageOptions {
  /** Default linux/amd64 and linux/arm64; single-* kinds take exactly one. */
  platforms?: Platform[];
  /** Default `oci-index`, like uv's images. */
  kind?: ImageKind;
  /** Image config labels, e.g. `{"org.opencontainers.image.version": "0.9.17"}`. */
  labels?: Record<string, string>;
  /** Adds one `unknown/unknown` attestation manifest per platform to the index, like BuildKit. */
  attestations?: boolean;
}

export interface SeededImage {
  /** Digest of what the tag points at (the index/list, or the single manifest). */
  digest: string;
  mediaType: string;
  /** `os/architecture[/variant]` → platform manifest digest. */
  platformDigests: Record<string, string>;
  /** `os/architecture[/variant]` → digest of the attestation manifest for that platform. */
  attestationDigests: Record<string, string>;
}

export interface RequestInfo {
  method: string;
  /** Path without the query, e.g. `/v2/astral-sh/uv/tags/list`. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

export interface RecordedRequest extends RequestInfo {
  /** Path and query as received. */
  url: string;
  /** Status sent; 0 while in flight, or when the connection was reset or the client left. */
  status: number;
  /** The injected fault this request consumed, if any. */
  fault?: FaultResponse;
}

/** Matches requests: `method` (case-insensitive), `path` (exact string or RegExp on the path). */
export type RequestMatcher =
  | { method?: string; path?: string | RegExp }
  | ((request: RequestInfo) => boolean);

/** Like RequestMatcher, plus the `status` that was sent. */
export type RequestFilter =
  | { method?: string; path?: string | RegExp; status?: number }
  | ((request: RecordedRequest) => boolean);

/**
 * One injected response. `{status}` answers instead of the registry (`body` defaults to an OCI
 * error document); `{delayMs}` alone waits, then serves normally (for client timeouts);
 * `{destroy: true}` resets the connection without answering. `delayMs` also delays the others.
 */
export type FaultResponse =
  | {
      status: number;
      headers?: Record<string, string>;
      body?: string | object;
      delayMs?: number;
      destroy?: undefined;
    }
  | { delayMs: number; status?: undefined; destroy?: undefined }
  | { destroy: true; delayMs?: number; status?: undefined };

export interface TokenAccess {
  /** Default `repository`. */
  type?: string;
  name: string;
  actions: string[];
}

export interface IssueTokenOptions {
  /** Seconds from now; negative makes an expired token (beyond the registry's 60 s leeway: < -60). */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
  subject?: string;
}

export interface TestRegistry {
  /** The front, e.g. `http://127.0.0.1:41234`: use it as the registry origin. */
  readonly origin: string;
  /** `127.0.0.1:41234` (the front). */
  readonly host: string;
  /** `${origin}/token`, the realm in challenges. */
  readonly tokenUrl: string;
  readonly service: string;
  /** The registry itself, bypassing the front (no paging, faults or counting). For debugging. */
  readonly backendOrigin: string;
  /** Every request the front received, in arrival order (a snapshot). */
  readonly requests: readonly RecordedRequest[];
  count(filter?: RequestFilter): number;
  resetCounts(): void;
  /** Queues responses for the next requests matching `matcher`, consumed one per request. */
  failNext(matcher: RequestMatcher, responses: FaultResponse | FaultResponse[]): void;
  /** Injected responses not yet consumed. */
  pendingFaults(): number;
  clearFaults(): void;
  /** Signs a token the registry accepts (or, with options, one it should refuse). */
  issueToken(access: TokenAccess[], options?: IssueTokenOptions): string;
  /** Uploads a blob; returns its digest. */
  pushBlob(name: string, bytes: Uint8Array | string): Promise<string>;
  /** PUTs a manifest under a tag or digest with `mediaType` as Content-Type; returns its digest. */
  pushManifest(
    name: string,
    reference: string,
    body: Uint8Array | string | object,
    mediaType: string,
  ): Promise<string>;
  /** Pushes a whole image (configs, layers, platform manifests, index) under `tag`. */
  seedImage(name: string, tag: string, options?: SeedImageOptions): Promise<SeededImage>;
  /** Pushes the manifest `existingDigest` under one or more further tags; returns the digest. */
  tag(name: string, existingDigest: string, newTag: string | string[]): Promise<string>;
  /** Deletes a manifest by digest (and so every tag pointing at it; tags alone cannot be deleted). */
  deleteManifest(name: string, digest: string): Promise<void>;
  /** The registry's last output lines. */
  logTail(): string;
  /** Stops the front and the registry's process group, removes temp files. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const TAIL_LINES = 40;
/** Repository names the distribution spec allows. */
const REPOSITORY_NAME =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

const execFileAsync = promisify(execFile);

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function platformKey(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

interface SigningMaterial {
  key: KeyObject;
  certPem: string;
  certDer: string;
}

/** One RSA key and self-signed certificate per test process (making one takes ~150 ms). */
let signingMaterial: Promise<SigningMaterial> | undefined;

function loadSigningMaterial(tmpRoot: string): Promise<SigningMaterial> {
  signingMaterial ??= makeSigningMaterial(tmpRoot).catch((error: unknown) => {
    signingMaterial = undefined;
    throw error;
  });
  return signingMaterial;
}

async function makeSigningMaterial(tmpRoot: string): Promise<SigningMaterial> {
  const openssl = opensslBinary();
  if (!openssl) throw new Error(unavailableReason() ?? "openssl is not installed");
  const dir = await mkdtemp(join(tmpRoot, "uv-pin-bot-registry-key-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    await execFileAsync(openssl, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "2",
      "-subj",
      "/CN=uv-pin-bot test token issuer",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ]);
    const certPem = await readFile(certPath, "utf8");
    return {
      key: createPrivateKey(await readFile(keyPath, "utf8")),
      certPem,
      certDer: new X509Certificate(certPem).raw.toString("base64"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Registries whose process and temp dir must go even if a test process exits without stop(). */
const live = new Set<RegistryHarness>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const registry of live) registry.killNow();
  });
}

/** Starts a registry and its front; see the module comment. Rejects (cleaning up) if it cannot. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const binary = options.binary ?? registryBinary();
  if (!binary) throw new Error(unavailableReason() ?? "docker-registry is not installed");
  const harness = new RegistryHarness(options);
  installExitHook();
  live.add(harness);
  try {
    await harness.start(binary);
  } catch (error) {
    await harness.stop();
    throw error;
  }
  return harness;
}

class RegistryHarness implements TestRegistry {
  readonly service: string;
  private readonly issuer: string;
  private readonly options: StartRegistryOptions;
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private childExit: string | undefined;
  private dir: string | undefined;
  private material: SigningMaterial | undefined;
  private frontPort = 0;
  private backendPort = 0;
  private readonly recorded: RecordedRequest[] = [];
  private faults: { matcher: RequestMatcher; responses: FaultResponse[] }[] = [];
  private readonly tail: string[] = [];
  private readonly pushTokens = new Map<string, { token: string; until: number }>();
  private stopping: Promise<void> | undefined;
  private readonly tagSeed: number;

  constructor(options: StartRegistryOptions) {
    this.options = options;
    this.service = options.service ?? "ghcr.io";
    this.issuer = options.issuer ?? "uv-pin-bot-test-issuer";
    this.tagSeed = options.seed ?? 1;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`test registry front: ${String(error)}`);
        } else res.destroy();
      });
    });
  }

  get origin(): string {
    return `http://${this.host}`;
  }
  get host(): string {
    return `127.0.0.1:${this.frontPort}`;
  }
  get tokenUrl(): string {
    return `${this.origin}/token`;
  }
  get backendOrigin(): string {
    return `http://127.0.0.1:${this.backendPort}`;
  }
  get requests(): readonly RecordedRequest[] {
    return [...this.recorded];
  }

  async start(binary: string): Promise<void> {
    const tmpRoot = this.options.tmpRoot ?? tmpdir();
    const [material] = await Promise.all([
      loadSigningMaterial(tmpRoot),
      new Promise<void>((resolve, reject) => {
        this.server.once("error", reject);
        this.server.listen(0, "127.0.0.1", () => {
          this.frontPort = (this.server.address() as AddressInfo).port;
          resolve();
        });
      }),
    ]);
    this.material = material;
    this.dir = await mkdtemp(join(tmpRoot, "uv-pin-bot-registry-"));
    const certPath = join(this.dir, "token-cert.pem");
    const configPath = join(this.dir, "config.yml");
    await writeFile(certPath, material.certPem);
    await writeFile(configPath, this.config(certPath));
    this.backendPort = await this.spawnRegistry(binary, configPath);
    // The registry has read its config and certificate by the time it listens.
    await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private config(certPath: string): string {
    const q = (value: string) => JSON.stringify(value);
    return [
      "version: 0.1",
      "log:",
      "  level: info",
      "  formatter: text",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  inmemory: {}",
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      "  addr: 127.0.0.1:0",
      `  secret: ${q(randomBytes(16).toString("hex"))}`,
      "auth:",
      "  token:",
      `    realm: ${q(this.tokenUrl)}`,
      `    service: ${q(this.service)}`,
      `    issuer: ${q(this.issuer)}`,
      `    rootcertbundle: ${q(certPath)}`,
      "health:",
      "  storagedriver:",
      "    enabled: false",
      "",
    ].join("\n");
  }

  /**
   * Runs the registry in its own process group (so stop() can kill the group), plus a tiny `sh`
   * watchdog that kills that group when its stdin pipe from us closes, i.e. when this test process
   * dies without calling stop(). Both are our children, so we reap them: no zombies are left.
   */
  private spawnRegistry(binary: string, configPath: string): Promise<number> {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // REGISTRY_* variables override the config file; a stray one must not leak in.
      if (!key.startsWith("REGISTRY_")) env[key] = value;
    }
    const child = spawn(binary, ["serve", configPath], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    this.child = child;
    if (child.pid !== undefined) {
      const watchdog = spawn(
        "/bin/sh",
        ["-c", 'cat >/dev/null; kill -KILL "-$0" 2>/dev/null', String(child.pid)],
        {
          detached: true,
          stdio: ["pipe", "ignore", "ignore"],
        },
      );
      watchdog.on("error", () => {});
      watchdog.stdin?.on("error", () => {});
      this.watchdog = watchdog;
    }
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, port?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(port ?? 0);
      };
      const timer = setTimeout(() => {
        finish(
          new Error(
            `${binary} did not report a listening port within ${timeoutMs} ms.${this.tailForError()}`,
          ),
        );
      }, timeoutMs);
      const onLine = (line: string) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        const match = /listening on \[?[0-9a-fA-F.:]*?\]?:(\d+)/.exec(line);
        if (match?.[1]) finish(undefined, Number(match[1]));
      };
      for (const stream of [child.stdout, child.stderr]) {
        let buffered = "";
        stream?.setEncoding("utf8");
        stream?.on("data", (chunk: string) => {
          buffered += chunk;
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        });
      }
      child.on("error", (error) => {
        this.childExit = `could not be started: ${error.message}`;
        finish(new Error(`${binary} could not be started: ${error.message}`));
      });
      child.on("exit", (code, signal) => {
        this.childExit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        // Let the last output arrive before reporting it.
        setImmediate(() =>
          finish(
            new Error(
              `${binary} ${this.childExit} before reporting its port.${this.tailForError()}`,
            ),
          ),
        );
      });
    });
  }

  private tailForError(): string {
    return this.tail.length ? ` Last output:\n${this.tail.join("\n")}` : " It printed nothing.";
  }

  logTail(): string {
    return this.tail.join("\n");
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    live.delete(this);
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    this.server.closeAllConnections();
    await closed;
    this.agent.destroy();
    await this.killChild();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async killChild(): Promise<void> {
    // The watchdog first: once the registry is reaped its group id could be reused.
    if (this.watchdog?.exitCode === null && this.watchdog.signalCode === null) {
      this.watchdog.kill("SIGKILL");
    }
    const child = this.child;
    if (!child || child.pid === undefined) return;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    this.signalGroup(child.pid, "SIGTERM");
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);
    if (!inTime) {
      this.signalGroup(child.pid, "SIGKILL");
      await exited;
    }
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** Synchronous last resort from the process `exit` hook. */
  killNow(): void {
    this.watchdog?.kill("SIGKILL");
    if (
      this.child?.pid !== undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    ) {
      this.signalGroup(this.child.pid, "SIGKILL");
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  // --- requests and faults -------------------------------------------------

  count(filter: RequestFilter = {}): number {
    return this.recorded.filter((request) => matchesFilter(filter, request)).length;
  }

  resetCounts(): void {
    this.recorded.length = 0;
  }

  failNext(matcher: RequestMatcher, responses: FaultResponse | FaultResponse[]): void {
    const list = Array.isArray(responses) ? [...responses] : [responses];
    if (list.length) this.faults.push({ matcher, responses: list });
  }

  pendingFaults(): number {
    return this.faults.reduce((sum, rule) => sum + rule.responses.length, 0);
  }

  clearFaults(): void {
    this.faults = [];
  }

  private takeFault(request: RequestInfo): FaultResponse | undefined {
    const rule = this.faults.find((candidate) => matchesRequest(candidate.matcher, request));
    if (!rule) return undefined;
    const fault = rule.responses.shift();
    if (rule.responses.length === 0) this.faults = this.faults.filter((r) => r !== rule);
    return fault;
  }

  // --- the front -------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      url: req.url ?? "/",
      status: 0,
    };
    this.recorded.push(record);

    const fault = this.takeFault(record);
    if (fault) {
      record.fault = fault;
      if (fault.delayMs && !(await this.wait(fault.delayMs, res))) return;
      if (fault.destroy) {
        req.socket.resetAndDestroy();
        return;
      }
      if (fault.status !== undefined) {
        this.sendFault(req, res, record, fault);
        return;
      }
    }

    if (url.pathname === "/token") {
      this.serveToken(req, res, record, url);
      return;
    }
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (tags?.[1] && req.method === "GET") {
      await this.serveTags(req, res, record, tags[1], url);
      return;
    }
    if (url.pathname === "/v2" || url.pathname.startsWith("/v2/")) {
      this.proxy(req, res, record);
      return;
    }
    this.send(res, record, 404, { "content-type": "text/plain" }, "not found\n");
  }

  /** Resolves true after `ms`, false if the client or stop() closed the connection first. */
  private wait(ms: number, res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        res.off("close", onClose);
        resolve(true);
      }, ms);
      const onClose = () => {
        clearTimeout(timer);
        resolve(false);
      };
      res.once("close", onClose);
    });
  }

  private send(
    res: http.ServerResponse,
    record: RecordedRequest,
    status: number,
    headers: http.OutgoingHttpHeaders | string[],
    body?: string | Buffer,
  ): void {
    record.status = status;
    res.writeHead(status, headers);
    res.end(record.method === "HEAD" ? undefined : body);
  }

  private sendFault(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    fault: FaultResponse & { status: number },
  ): void {
    req.resume();
    const code = ERROR_CODES[fault.status] ?? "UNKNOWN";
    const body =
      fault.body === undefined
        ? JSON.stringify({
            errors: [{ code, message: `injected by the test registry (${fault.status})` }],
          })
        : typeof fault.body === "string"
          ? fault.body
          : JSON.stringify(fault.body);
    this.send(
      res,
      record,
      fault.status,
      {
        "content-type": "application/json; charset=utf-8",
        "docker-distribution-api-version": "registry/2.0",
        "content-length": Buffer.byteLength(body),
        ...fault.headers,
      },
      body,
    );
  }

  private serveToken(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    url: URL,
  ): void {
    req.resume();
    if (req.method !== "GET") {
      this.send(res, record, 405, { allow: "GET", "content-type": "text/plain" }, "GET only\n");
      return;
    }
    // Anonymous, like ghcr for public images: grant `pull` of whatever repositories are asked for.
    const access: TokenAccess[] = [];
    for (const scope of url.searchParams.getAll("scope").flatMap((s) => s.split(" "))) {
      const first = scope.indexOf(":");
      const last = scope.lastIndexOf(":");
      if (first < 0 || last <= first) continue;
      const type = scope.slice(0, first);
      if (type !== "repository") continue;
      const actions = scope.slice(last + 1).split(",");
      access.push({
        type,
        name: scope.slice(first + 1, last),
        actions: actions.includes("pull") ? ["pull"] : [],
      });
    }
    const expiresIn = this.options.tokenExpiresIn ?? 300;
    const token = this.issueToken(access, {
      expiresIn,
      audience: url.searchParams.get("service") ?? this.service,
    });
    const field = this.options.tokenField ?? "token";
    const body = JSON.stringify({
      ...(field !== "access_token" && { token }),
      ...(field !== "token" && { access_token: token }),
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    });
    this.send(
      res,
      record,
      200,
      { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      body,
    );
  }

  issueToken(access: TokenAccess[], options: IssueTokenOptions = {}): string {
    const material = this.material;
    if (!material) throw new Error("the test registry has not started");
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5c: [material.certDer] };
    const claims = {
      iss: options.issuer ?? this.issuer,
      sub: options.subject ?? "",
      aud: options.audience ?? this.service,
      iat: now,
      nbf: now,
      exp: now + (options.expiresIn ?? 300),
      jti: randomUUID(),
      access: access.map((a) => ({
        type: a.type ?? "repository",
        name: a.name,
        actions: a.actions,
      })),
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${sign("sha256", Buffer.from(input), material.key).toString("base64url")}`;
  }

  /** Pages the real registry's full tag list (fetched with the caller's credentials). */
  private async serveTags(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    name: string,
    url: URL,
  ): Promise<void> {
    req.resume();
    const headers: http.OutgoingHttpHeaders = { host: this.host, accept: "application/json" };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const upstream = await this.backend("GET", `/v2/${name}/tags/list`, headers);
    if (upstream.status !== 200) {
      this.send(
        res,
        record,
        upstream.status,
        this.relayHeaders(upstream.rawHeaders),
        upstream.body,
      );
      return;
    }
    const list = JSON.parse(upstream.body.toString("utf8")) as {
      name?: string;
      tags?: string[] | null;
    };
    const nParam = url.searchParams.get("n");
    if (nParam !== null && !/^\d+$/.test(nParam)) {
      const body = JSON.stringify({
        errors: [
          {
            code: "PAGINATION_NUMBER_INVALID",
            message: "invalid number of results requested",
            detail: { n: nParam },
          },
        ],
      });
      this.send(res, record, 400, { "content-type": "application/json; charset=utf-8" }, body);
      return;
    }
    const pageSize = nParam === null ? (this.options.tagsPageSize ?? 100) : Number(nParam);
    const { ordered, key } = this.orderTags(list.tags ?? []);
    const last = url.searchParams.get("last");
    let start = 0;
    if (last !== null) {
      const at = ordered.indexOf(last);
      // A `last` that is no longer there continues where it would have been.
      start = at >= 0 ? at + 1 : ordered.filter((tag) => key(tag) < key(last)).length;
    }
    const page = ordered.slice(start, start + pageSize);
    const out: http.OutgoingHttpHeaders = {
      "content-type": "application/json; charset=utf-8",
      "docker-distribution-api-version": "registry/2.0",
    };
    const lastOnPage = page.at(-1);
    if (start + pageSize < ordered.length && lastOnPage !== undefined) {
      const next = `/v2/${name}/tags/list?last=${encodeURIComponent(lastOnPage)}&n=${pageSize}`;
      out.link = `<${this.options.absoluteLinks ? this.origin : ""}${next}>; rel="next"`;
    }
    const body = JSON.stringify({ name: list.name ?? name, tags: page });
    out["content-length"] = Buffer.byteLength(body);
    this.send(res, record, 200, out, body);
  }

  /**
   * A stable order that is neither sorted nor storage order: by a seeded hash of each tag. If that
   * happens to come out sorted, the next seed is used (so two or more tags are never in order).
   */
  private orderTags(tags: string[]): { ordered: string[]; key: (tag: string) => string } {
    for (let attempt = 0; ; attempt++) {
      const seed = this.tagSeed + attempt;
      const key = (tag: string) =>
        `${createHash("sha256").update(`${seed}\0${tag}`).digest("hex").slice(0, 16)}\0${tag}`;
      const keyed = tags.map((tag) => ({ tag, k: key(tag) })).sort((a, b) => (a.k < b.k ? -1 : 1));
      const ordered = keyed.map((entry) => entry.tag);
      const sorted = ordered.every((tag, i) => i === 0 || (ordered[i - 1] ?? "") <= tag);
      if (!sorted || tags.length < 2 || attempt >= 20) return { ordered, key };
    }
  }

  /** Streams a request to the registry and its response back. */
  private proxy(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
  ): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    const upstream = http.request({
      host: "127.0.0.1",
      port: this.backendPort,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    });
    upstream.on("response", (reply) => {
      record.status = reply.statusCode ?? 502;
      res.writeHead(record.status, this.relayHeaders(reply.rawHeaders));
      pipeline(reply, res, () => {});
    });
    upstream.on("error", (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const why = this.childExit ? `the registry ${this.childExit}` : error.message;
      this.send(
        res,
        record,
        502,
        { "content-type": "text/plain" },
        `test registry front: ${why}\n${this.logTail()}\n`,
      );
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    pipeline(req, upstream, () => {});
  }

  /** Response headers minus hop-by-hop ones, with challenge realms pointing at the front. */
  private relayHeaders(raw: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] ?? "";
      let value = raw[i + 1] ?? "";
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      if (name.toLowerCase() === "www-authenticate") {
        value = value.replace(/realm="[^"]*"/i, `realm="${this.tokenUrl}"`);
      }
      out.push(name, value);
    }
    return out;
  }

  // --- seeding (straight to the registry) -----------------------------------

  private backend(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body?: Buffer,
  ): Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    rawHeaders: string[];
    body: Buffer;
  }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: "127.0.0.1", port: this.backendPort, method, path, headers, agent: this.agent },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on("data", (chunk: Buffer) => chunks.push(chunk));
          reply.on("error", reject);
          reply.on("end", () =>
            resolve({
              status: reply.statusCode ?? 0,
              headers: reply.headers,
              rawHeaders: reply.rawHeaders,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  private pushAuthorization(name: string): string {
    // The registry answers an invalid name with a bare "404 page not found"; say what is wrong.
    if (!REPOSITORY_NAME.test(name))
      throw new Error(`test registry: invalid repository name ${JSON.stringify(name)}`);
    const cached = this.pushTokens.get(name);
    if (cached && cached.until > Date.now()) return `Bearer ${cached.token}`;
    const token = this.issueToken([{ name, actions: ["pull", "push", "delete"] }], {
      subject: "seeder",
    });
    this.pushTokens.set(name, { token, until: Date.now() + 120_000 });
    return `Bearer ${token}`;
  }

  async pushBlob(name: string, bytes: Uint8Array | string): Promise<string> {
    const data = Buffer.from(bytes);
    const digest = sha256(data);
    const authorization = this.pushAuthorization(name);
    const started = await this.backend("POST", `/v2/${name}/blobs/uploads/`, {
      authorization,
      "content-length": 0,
    });
    const location = started.headers.location;
    if (started.status !== 202 || !location) {
      throw seedError(`POST /v2/${name}/blobs/uploads/`, started.status, started.body);
    }
    const target = new URL(location, this.backendOrigin);
    target.searchParams.set("digest", digest);
    const put = await this.backend(
      "PUT",
      target.pathname + target.search,
      { authorization, "content-type": "application/octet-stream", "content-length": data.length },
      data,
    );
    if (put.status !== 201) throw seedError(`PUT blob ${digest} to ${name}`, put.status, put.body);
    return digest;
  }

  async pushManifest(
    name: string,
    reference: string,
    body: Uint8Array | string | object,
    mediaType: string,
  ): Promise<string> {
    const data =
      typeof body === "string" || body instanceof Uint8Array
        ? Buffer.from(body)
        : Buffer.from(JSON.stringify(body));
    const put = await this.backend(
      "PUT",
      `/v2/${name}/manifests/${reference}`,
      {
        authorization: this.pushAuthorization(name),
        "content-type": mediaType,
        "content-length": data.length,
      },
      data,
    );
    if (put.status !== 201) {
      throw seedError(`PUT /v2/${name}/manifests/${reference}`, put.status, put.body);
    }
    const digest = sha256(data);
    const reported = put.headers["docker-content-digest"];
    if (reported !== digest) {
      throw new Error(
        `registry stored ${name}:${reference} as ${String(reported)}, expected ${digest}`,
      );
    }
    return digest;
  }

  async seedImage(name: string, tag: string, options: SeedImageOptions = {}): Promise<SeededImage> {
    const kind = options.kind ?? "oci-index";
    const platforms = options.platforms ?? DEFAULT_PLATFORMS;
    const single = kind === "single-oci" || kind === "single-docker";
    const oci = kind === "oci-index" || kind === "single-oci";
    if (single && platforms.length !== 1) {
      throw new Error(
        `seedImage: kind ${kind} takes exactly one platform, got ${platforms.length}`,
      );
    }
    if (single && options.attestations) {
      throw new Error(`seedImage: attestations need an index (kind ${kind})`);
    }
    const images = await Promise.all(
      platforms.map((platform) =>
        this.pushImage(name, single ? tag : undefined, platform, oci, options.labels ?? {}),
      ),
    );
    const platformDigests: Record<string, string> = {};
    for (const [i, image] of images.entries()) {
      platformDigests[platformKey(platforms[i] ?? { os: "", architecture: "" })] = image.digest;
    }
    const first = images[0];
    if (single && first) {
      return {
        digest: first.digest,
        mediaType: first.mediaType,
        platformDigests,
        attestationDigests: {},
      };
    }

    const entries: object[] = images.map((image, i) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      platform: platforms[i],
    }));
    const attestationDigests: Record<string, string> = {};
    if (options.attestations) {
      const attestations = await Promise.all(
        platforms.map((platform, i) =>
          this.pushAttestation(name, tag, platform, images[i]?.digest ?? ""),
        ),
      );
      for (const [i, attestation] of attestations.entries()) {
        attestationDigests[platformKey(platforms[i] ?? { os: "", architecture: "" })] =
          attestation.digest;
        entries.push({
          mediaType: attestation.mediaType,
          digest: attestation.digest,
          size: attestation.size,
          annotations: {
            "vnd.docker.reference.digest": images[i]?.digest,
            "vnd.docker.reference.type": "attestation-manifest",
          },
          platform: { architecture: "unknown", os: "unknown" },
        });
      }
    }
    const mediaType = oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList;
    const digest = await this.pushManifest(
      name,
      tag,
      { schemaVersion: 2, mediaType, manifests: entries },
      mediaType,
    );
    return { digest, mediaType, platformDigests, attestationDigests };
  }

  /** Config + one small random layer + manifest; under `reference`, or by digest. */
  private async pushImage(
    name: string,
    reference: string | undefined,
    platform: Platform,
    oci: boolean,
    labels: Record<string, string>,
  ): Promise<{ digest: string; size: number; mediaType: string }> {
    const raw = randomBytes(64);
    const layer = gzipSync(raw);
    const created = new Date().toISOString();
    const config = Buffer.from(
      JSON.stringify({
        created,
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant && { variant: platform.variant }),
        config: { Labels: labels },
        rootfs: { type: "layers", diff_ids: [sha256(raw)] },
        history: [{ created, created_by: "uv-pin-bot test registry" }],
      }),
    );
    const [configDigest, layerDigest] = await Promise.all([
      this.pushBlob(name, config),
      this.pushBlob(name, layer),
    ]);
    const mediaType = oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: {
          mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig,
          digest: configDigest,
          size: config.length,
        },
        layers: [
          {
            mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer,
            digest: layerDigest,
            size: layer.length,
          },
        ],
      }),
    );
    const digest = await this.pushManifest(
      name,
      reference ?? sha256(manifest),
      manifest,
      mediaType,
    );
    return { digest, size: manifest.length, mediaType };
  }

  /** A BuildKit-style provenance attestation manifest for one platform manifest. */
  private async pushAttestation(
    name: string,
    tag: string,
    platform: Platform,
    subject: string,
  ): Promise<{ digest: string; size: number; mediaType: string }> {
    const predicateType = "https://slsa.dev/provenance/v0.2";
    const statement = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType,
        subject: [
          {
            name: `pkg:docker/${name}@${tag}?platform=${encodeURIComponent(platformKey(platform))}`,
            digest: { sha256: subject.replace(/^sha256:/, "") },
          },
        ],
        predicate: { builder: { id: "uv-pin-bot test registry" }, buildType: "test" },
      }),
    );
    const config = Buffer.from(
      JSON.stringify({
        architecture: "unknown",
        os: "unknown",
        config: {},
        rootfs: { type: "layers", diff_ids: [sha256(statement)] },
      }),
    );
    const [configDigest, layerDigest] = await Promise.all([
      this.pushBlob(name, config),
      this.pushBlob(name, statement),
    ]);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: config.length },
        layers: [
          {
            mediaType: MEDIA_TYPES.inToto,
            digest: layerDigest,
            size: statement.length,
            annotations: { "in-toto.io/predicate-type": predicateType },
          },
        ],
      }),
    );
    const digest = await this.pushManifest(
      name,
      sha256(manifest),
      manifest,
      MEDIA_TYPES.ociManifest,
    );
    return { digest, size: manifest.length, mediaType: MEDIA_TYPES.ociManifest };
  }

  async tag(name: string, existingDigest: string, newTag: string | string[]): Promise<string> {
    const got = await this.backend("GET", `/v2/${name}/manifests/${existingDigest}`, {
      authorization: this.pushAuthorization(name),
      accept: ALL_MANIFEST_TYPES,
    });
    const mediaType = got.headers["content-type"];
    if (got.status !== 200 || !mediaType) {
      throw seedError(`GET /v2/${name}/manifests/${existingDigest}`, got.status, got.body);
    }
    const tags = Array.isArray(newTag) ? newTag : [newTag];
    await Promise.all(tags.map((tag) => this.pushManifest(name, tag, got.body, mediaType)));
    return existingDigest;
  }

  async deleteManifest(name: string, digest: string): Promise<void> {
    const reply = await this.backend("DELETE", `/v2/${name}/manifests/${digest}`, {
      authorization: this.pushAuthorization(name),
    });
    if (reply.status !== 202) throw seedError(`DELETE ${name}@${digest}`, reply.status, reply.body);
  }
}

const ERROR_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "DENIED",
  404: "NOT_FOUND",
  429: "TOOMANYREQUESTS",
  500: "UNKNOWN",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "UNAVAILABLE",
};

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

function seedError(what: string, status: number, body: Buffer): Error {
  return new Error(
    `test registry seeding: ${what} answered ${status}: ${body.toString("utf8").slice(0, 500)}`,
  );
}

function matchesPath(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === "string") return pattern === path;
  pattern.lastIndex = 0;
  return pattern.test(path);
}

function matchesRequest(matcher: RequestMatcher, request: RequestInfo): boolean {
  if (typeof matcher === "function") return matcher(request);
  if (matcher.method && matcher.method.toUpperCase() !== request.method) return false;
  return matchesPath(matcher.path, request.path);
}

function matchesFilter(filter: RequestFilter, request: RecordedRequest): boolean {
  if (typeof filter === "function") return filter(request);
  if (filter.status !== undefined && filter.status !== request.status) return false;
  return matchesRequest({ method: filter.method, path: filter.path }, request);
}
