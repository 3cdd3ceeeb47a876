import { createHash } from "node:crypto";
import type { Logger } from "@pier/core";
import type { RouteSpec } from "@pier/proxy";
import type Docker from "dockerode";
import type { RegistryAuth } from "../runtime.ts";
import type { ClusterStateStore, RegistrySettings } from "../state.ts";
import {
  certificateFingerprint,
  certificateNotAfter,
  createClusterCa,
  createSigningCertificate,
  issueServerCertificate,
  type KeyPair,
} from "./certificates.ts";
import { type Authorizer, challengeAuthorizer, RegistryClient } from "./registry-client.ts";
import { ensureRegistryService, registryServiceName, tokenIssuer, tokenService } from "./registry-service.ts";
import {
  basicCredentials,
  grantAccess,
  parseScope,
  type RegistryRole,
  sameSecret,
  signRegistryToken,
} from "./token.ts";

/** Where the token endpoint lives on every host pier's proxy serves (forwarded to the console). */
export const tokenPath = "/_pier/registry/token";
/** The user names of the two credentials of the cluster's own registry. */
export const pushUser = "pier";
export const pullUser = "pier-node";
const tokenTtlSeconds = 300;
const leafDays = 90;
const renewBeforeDays = 30;

/** An API token of pier as a registry password: `docker login` with it pushes and pulls. */
export interface ApiTokenGrant {
  /** Whether it may push (write scope or more), or only pull (read, deploy). */
  push: boolean;
  /** Apps it is limited to (its repositories only), or null for all. */
  apps: string[] | null;
}

export interface ClusterRegistryDeps {
  store: ClusterStateStore;
  /** What an API token used as a password grants; null when it is no valid token. */
  apiToken?(secret: string): Promise<ApiTokenGrant | null>;
  settings: RegistrySettings;
  /** Decrypts passwords sealed in the state file. */
  open(sealed: string): Promise<string>;
  logger: Logger;
  instance: string;
}

/**
 * The registry every node pulls release images from: pier's own (registry:2 as a Swarm service,
 * behind pier's proxy on HTTPS with a certificate of the cluster's CA, token auth with pier as the
 * token server) or one the user runs. Image references are `<address>/pier/<app>@sha256:…`.
 */
export class ClusterRegistry {
  private signer: KeyPair | null = null;
  private passwords: { push: string; pull: string } | null = null;

  constructor(private readonly deps: ClusterRegistryDeps) {}

  get settings(): RegistrySettings {
    return this.deps.settings;
  }

  /** What image references start with: `registry.example.com` (port 443), `host:8443`, `host/prefix`. */
  get address(): string {
    const s = this.deps.settings;
    if (s.kind === "external") return s.address.replace(/^https?:\/\//, "").replace(/\/+$/, "");
    return s.port === 443 ? s.host : `${s.host}:${s.port}`;
  }

  /** The repository of an app's releases (with an external registry's path prefix). */
  repository(app: string): string {
    const s = this.deps.settings;
    const prefix =
      s.kind === "external"
        ? s.address
            .replace(/^https?:\/\//, "")
            .split("/")
            .slice(1)
            .join("/")
        : "";
    return [prefix, "pier", app].filter(Boolean).join("/");
  }

  /** `address/repository` without the registry's path part doubled. */
  imageName(app: string): string {
    const host = this.address.split("/")[0]!;
    return `${host}/${this.repository(app)}`;
  }

  private async secrets(): Promise<{ push: string; pull: string }> {
    if (!this.passwords) {
      const s = this.deps.settings;
      this.passwords =
        s.kind === "internal"
          ? { push: await this.deps.open(s.pushPassword), pull: await this.deps.open(s.pullPassword) }
          : { push: await this.deps.open(s.password), pull: await this.deps.open(s.password) };
    }
    return this.passwords;
  }

  async pushAuth(): Promise<RegistryAuth> {
    const s = this.deps.settings;
    const username = s.kind === "internal" ? pushUser : s.username;
    return { username, password: (await this.secrets()).push, serveraddress: this.address.split("/")[0]! };
  }

  /** What Swarm hands to the nodes with each service: pull-only on pier's registry. */
  async pullAuth(image: string): Promise<RegistryAuth | undefined> {
    if (!image.startsWith(`${this.address.split("/")[0]}/`)) return undefined;
    const s = this.deps.settings;
    const username = s.kind === "internal" ? pullUser : s.username;
    return { username, password: (await this.secrets()).pull, serveraddress: this.address.split("/")[0]! };
  }

  /** The registry API, for manifest lists and deletes: pier's own over loopback with its own tokens. */
  async client(): Promise<RegistryClient> {
    const s = this.deps.settings;
    if (s.kind === "internal") {
      const signer = await this.tokenSigner();
      const authorize: Authorizer = async (scope) => {
        const access = grantAccess(
          [parseScope(scope)].filter((a) => a !== null),
          "push",
        );
        const token = signRegistryToken(
          {
            issuer: tokenIssuer,
            service: tokenService,
            subject: pushUser,
            access,
            ttlSeconds: tokenTtlSeconds,
          },
          signer,
        );
        return `Bearer ${token}`;
      };
      return new RegistryClient(`http://127.0.0.1:${s.localPort}`, authorize);
    }
    const auth = await this.pushAuth();
    return new RegistryClient(
      `https://${this.address.split("/")[0]}`,
      challengeAuthorizer(auth.username, auth.password),
    );
  }

  /**
   * `GET /_pier/registry/token?service=…&scope=…` with basic credentials: the push credential gets
   * pull, push and delete, the nodes' credential pull only, a pier API token (any user name) push
   * and pull of its apps' repositories with write scope, pull with read; unknown credentials a 401.
   */
  async issueToken(request: Request): Promise<Response> {
    const s = this.deps.settings;
    if (s.kind !== "internal") return new Response("Not found\n", { status: 404 });
    const credentials = basicCredentials(request.headers.get("authorization"));
    const secrets = await this.secrets();
    let role: RegistryRole | null = null;
    let grant: ApiTokenGrant | null = null;
    if (credentials?.username === pushUser && sameSecret(credentials.password, secrets.push)) role = "push";
    else if (credentials?.username === pullUser && sameSecret(credentials.password, secrets.pull))
      role = "pull";
    else if (credentials && this.deps.apiToken) {
      grant = await this.deps.apiToken(credentials.password);
      if (grant) role = grant.push ? "push" : "pull";
    }
    if (!role || !credentials) {
      return Response.json(
        { errors: [{ code: "UNAUTHORIZED", message: "pier's registry needs the cluster's credentials" }] },
        { status: 401, headers: { "www-authenticate": `Basic realm="pier registry"` } },
      );
    }
    const url = new URL(request.url);
    const requested = url.searchParams
      .getAll("scope")
      .flatMap((scope) => scope.split(" "))
      .map(parseScope);
    let access = grantAccess(
      requested.filter((a) => a !== null),
      role,
    );
    if (grant) {
      // Users push their own images and read what they may; deleting stays pier's.
      const apps = grant.apps;
      access = access
        .filter(
          (a) => a.type === "repository" && (apps === null || apps.some((app) => a.name === `pier/${app}`)),
        )
        .map((a) => ({ ...a, actions: a.actions.filter((action) => action === "pull" || action === "push") }))
        .filter((a) => a.actions.length > 0);
    }
    const token = signRegistryToken(
      {
        issuer: tokenIssuer,
        service: tokenService,
        subject: credentials.username,
        access,
        ttlSeconds: tokenTtlSeconds,
      },
      await this.tokenSigner(),
    );
    return Response.json({
      token,
      access_token: token,
      expires_in: tokenTtlSeconds,
      issued_at: new Date().toISOString(),
    });
  }

  async tokenSigner(): Promise<KeyPair> {
    if (this.signer) return this.signer;
    const { store } = this.deps;
    const cert = await store.readFile("token.pem");
    const key = await store.readFile("token-key.pem");
    if (cert && key) this.signer = { cert, key };
    else {
      this.signer = createSigningCertificate("pier registry token signer");
      await store.writeFile("token-key.pem", this.signer.key);
      await store.writeFile("token.pem", this.signer.cert);
    }
    return this.signer;
  }

  /** The cluster CA (made once); nodes pin it by fingerprint when they join. */
  async ca(): Promise<KeyPair> {
    const { store } = this.deps;
    const cert = await store.readFile("ca.pem");
    const key = await store.readFile("ca-key.pem");
    if (cert && key) return { cert, key };
    const made = createClusterCa("pier cluster CA");
    await store.writeFile("ca-key.pem", made.key);
    await store.writeFile("ca.pem", made.cert);
    return made;
  }

  async caFingerprint(): Promise<string | null> {
    const s = this.deps.settings;
    if (s.kind !== "internal" || s.tls !== "cluster-ca") return null;
    return certificateFingerprint((await this.ca()).cert);
  }

  /**
   * The registry host's certificate, from the cluster CA, when none is installed or it expires
   * within 30 days: `install` hands it to pier's TLS store, which serves it on the proxy.
   */
  async serverCertificate(
    current: { notAfter: string; issuer: string } | undefined,
  ): Promise<KeyPair | null> {
    const s = this.deps.settings;
    if (s.kind !== "internal" || s.tls !== "cluster-ca") return null;
    const due = Date.now() + renewBeforeDays * 24 * 3600_000;
    if (current && current.issuer === "installed" && Date.parse(current.notAfter) > due) return null;
    const leaf = issueServerCertificate(await this.ca(), s.host, leafDays);
    this.deps.logger.info("registry certificate issued by the cluster CA", {
      host: s.host,
      notAfter: certificateNotAfter(leaf.cert).toISOString(),
    });
    return leaf;
  }

  /** pier's proxy in front of the registry: every path of its host, long uploads allowed. */
  route(): RouteSpec | null {
    const s = this.deps.settings;
    if (s.kind !== "internal") return null;
    return {
      kind: "upstreams",
      id: "cluster:registry",
      host: s.host,
      pathPrefix: "/",
      stripPrefix: false,
      upstreams: [`http://127.0.0.1:${s.localPort}`],
      redirectHttps: false,
      // Image layers are large and slow to upload over a Pi's network; no body limit.
      upstreamTimeoutMs: 15 * 60_000,
    };
  }

  /** Starts (or updates) the registry service on the manager and waits until it answers. */
  async ensureService(docker: Docker, input: { image: string; nodeId: string }): Promise<void> {
    const s = this.deps.settings;
    if (s.kind !== "internal") return;
    const signer = await this.tokenSigner();
    await ensureRegistryService(docker, {
      image: input.image,
      nodeId: input.nodeId,
      localPort: s.localPort,
      realm: `https://${this.address}${tokenPath}`,
      tokenCert: signer.cert,
      // Signs the registry's upload state; derived so it survives restarts without another file.
      httpSecret: createHash("sha256").update(`registry-http:${signer.key}`).digest("hex"),
      instance: this.deps.instance,
    });
  }

  /**
   * Frees the blobs of deleted manifests: `registry garbage-collect` in the registry's container,
   * which runs on this manager. Called with no push in flight (pier serialises its pushes).
   */
  async collectGarbage(docker: Docker): Promise<string> {
    if (this.deps.settings.kind !== "internal") return "external registry: garbage is its own business";
    const containers = await docker.listContainers({
      filters: { label: [`com.docker.swarm.service.name=${registryServiceName}`] },
    });
    const id = containers[0]?.Id;
    if (!id) return "the registry's container is not on this Engine";
    const exec = await docker.getContainer(id).exec({
      Cmd: ["registry", "garbage-collect", "--delete-untagged", "/etc/docker/registry/config.yml"],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", resolve);
      stream.resume();
    });
    const result = await exec.inspect();
    return result.ExitCode === 0 ? "garbage collected" : `garbage-collect exited with ${result.ExitCode}`;
  }
}
