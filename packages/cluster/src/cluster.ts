import { randomBytes } from "node:crypto";
import { hashToken, hasScope, scopeSchema } from "@pier/auth";
import { ConflictError, type Logger, ValidationError } from "@pier/core";
import { createDockerClient, deployDefaults } from "@pier/deploy";
import type { ClusterCapability, PierContext } from "@pier/platform";
import type { RouteSpec } from "@pier/proxy";
import type Docker from "dockerode";
import type { z } from "zod";
import { ClusterNotInitializedError } from "./errors.ts";
import type { clusterSchema, initClusterBody, joinSchema, nodeSchema } from "./http/contract.ts";
import { ReleasePublisher } from "./images/publish.ts";
import { platformOfArch } from "./placement.ts";
import { ClusterRegistry } from "./registry/cluster-registry.ts";
import { SwarmReplicaRuntime } from "./runtime.ts";
import { serviceLabels } from "./service-spec.ts";
import type { ClusterSettings } from "./settings.ts";
import { type ClusterState, ClusterStateStore } from "./state.ts";
import { findNode, listNodes, removeNode, updateNode } from "./swarm/nodes.ts";
import { initOrAdopt, joinTokens, localSwarm, swarmPort } from "./swarm/swarm.ts";
import { taskFacts } from "./tasks.ts";
import { trustRegistryCa } from "./trust.ts";
import { ClusterWatch } from "./watch.ts";

type InitInput = z.output<typeof initClusterBody>;
type NodeView = z.input<typeof nodeSchema>;

/**
 * The cluster subsystem while it runs: the swarm this pier manages from, the registry its nodes
 * pull from, the runtime and watch the deploy engine uses through the `cluster` capability.
 */
export class ClusterService {
  private state: ClusterState | null = null;
  private registry: ClusterRegistry | null = null;
  private publisher: ReleasePublisher | null = null;
  private dockerClient: Docker | undefined;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private initializing: Promise<void> | null = null;
  readonly watch: ClusterWatch;
  readonly runtime: SwarmReplicaRuntime;
  private readonly store: ClusterStateStore;
  private readonly log: Logger;

  constructor(
    private readonly ctx: PierContext,
    private readonly settings: ClusterSettings,
  ) {
    this.store = new ClusterStateStore(ctx.config.dataDir);
    this.log = ctx.logger.child({ component: "cluster" });
    this.watch = new ClusterWatch({
      docker: () => this.docker(),
      logger: this.log,
      notify: (event) => void ctx.capabilities.notify?.notify(event),
      pollMs: settings.pollMs,
      healthTimeoutMs: settings.healthTimeoutMs,
    });
    this.runtime = new SwarmReplicaRuntime({
      docker: () => this.docker(),
      instance: () => this.state?.instance ?? "",
      logger: this.log,
      nodes: (refresh) => this.watch.nodes(refresh),
      pullAuth: async (image) => this.registry?.pullAuth(image),
      follow: (place) => this.watch.follow(place),
      unfollow: (service) => this.watch.unfollow(service),
      startTimeoutMs: settings.startTimeoutMs,
      stuckMs: settings.stuckMs,
    });
  }

  docker(): Docker {
    this.dockerClient ??= createDockerClient();
    return this.dockerClient;
  }

  /** Brings back a cluster `pier cluster init` made before this start. */
  async resume(): Promise<void> {
    const state = await this.store.read();
    if (state) await this.start(state, false);
  }

  get enabled(): boolean {
    return this.state !== null;
  }

  private requireState(): ClusterState {
    if (!this.state) throw new ClusterNotInitializedError();
    return this.state;
  }

  async init(input: InitInput): Promise<void> {
    if (this.state) return;
    this.initializing ??= this.initNow(input).finally(() => {
      this.initializing = null;
    });
    await this.initializing;
  }

  private async initNow(input: InitInput): Promise<void> {
    const { config } = this.ctx;
    const docker = this.docker();
    let registry: ClusterState["registry"];
    if (input.registry) {
      const address = input.registry.address.replace(/^https:\/\//, "");
      await docker
        .checkAuth({
          username: input.registry.username,
          password: input.registry.password,
          serveraddress: address.split("/")[0],
        })
        .catch((error: Error) => {
          throw new ValidationError(`${address} refused the credentials: ${error.message}`);
        });
      registry = {
        kind: "external",
        address,
        username: input.registry.username,
        password: await this.ctx.secretBox.encrypt(input.registry.password),
      };
    } else {
      const host =
        input.registryHost ?? (config.baseDomain === "localhost" ? null : `registry.${config.baseDomain}`);
      if (!host)
        throw new ValidationError(
          "Nodes must reach the cluster's registry by a name that resolves to this machine: pass --registry-host NAME (or start pier with --base-domain, which makes it registry.BASE_DOMAIN).",
        );
      registry = {
        kind: "internal",
        host,
        port: config.httpsPort,
        localPort: this.settings.registryPort,
        tls: input.registryTls,
        pushPassword: await this.ctx.secretBox.encrypt(randomBytes(24).toString("base64url")),
        pullPassword: await this.ctx.secretBox.encrypt(randomBytes(24).toString("base64url")),
      };
    }
    const swarm = await initOrAdopt(docker, { advertiseAddr: input.advertiseAddr });
    const state: ClusterState = {
      version: 1,
      instance: randomBytes(8).toString("hex"),
      nodeId: swarm.nodeId,
      advertiseAddr: swarm.advertiseAddr,
      createdAt: new Date().toISOString(),
      adopted: swarm.adopted,
      registry,
    };
    await this.store.write(state);
    this.log.info(swarm.adopted ? "adopted the swarm this Engine manages" : "swarm initialised", {
      node: swarm.nodeId,
      advertiseAddr: swarm.advertiseAddr,
    });
    try {
      await this.start(state, true);
    } catch (error) {
      // Not half on: new releases keep running on this Engine until an init succeeds.
      this.state = null;
      this.registry = null;
      this.publisher = null;
      this.watch.stop();
      await this.store.remove();
      throw error;
    }
  }

  /**
   * Registry trusted and its route published, watch running: new releases go to the cluster. At
   * init the registry is waited for and a login through pier's proxy proves the whole path (name,
   * certificate, token service); at a restart that waits in the background, since the console and
   * its token endpoint only listen once every module started.
   */
  private async start(state: ClusterState, verify: boolean): Promise<void> {
    const registry = new ClusterRegistry({
      store: this.store,
      apiToken: async (secret) => {
        const row = await this.ctx.stores.tokens.findActiveByHash(hashToken(secret));
        if (!row) return null;
        const scopes = row.scopes.flatMap((s) => {
          const parsed = scopeSchema.safeParse(s);
          return parsed.success ? [parsed.data] : [];
        });
        if (!hasScope(scopes, "read")) return null;
        return { push: hasScope(scopes, "write"), apps: row.apps ?? null };
      },
      settings: state.registry,
      open: (sealed) => this.ctx.secretBox.decrypt(sealed),
      logger: this.log,
      instance: state.instance,
    });
    if (state.registry.kind === "internal") {
      await this.ensureCertificate(registry);
      if (await registry.caFingerprint()) {
        const path = await trustRegistryCa(registry.address, (await registry.ca()).cert).catch(
          (error: Error) => {
            this.log.warn("could not make this Docker Engine trust the cluster CA", { error: error.message });
            return null;
          },
        );
        if (path) this.log.info("this Docker Engine trusts the cluster CA for the registry", { path });
      }
    }
    // The runtime labels services with the state's instance; the route provider reads the registry.
    this.registry = registry;
    this.state = state;
    this.publisher = new ReleasePublisher({
      docker: () => this.docker(),
      registry,
      store: this.store,
      nodes: () => this.watch.nodes(true),
      logger: this.log,
      keepReleases: deployDefaults.keepReleases,
      inUse: () => this.deploymentsWithServices(),
    });
    this.watch.start();
    this.renewTimer ??= setInterval(
      () => void this.ensureCertificate(registry).catch(() => {}),
      12 * 3600_000,
    );
    this.renewTimer.unref?.();
    if (state.registry.kind !== "internal") return;
    const ensure = () =>
      registry.ensureService(this.docker(), { image: this.settings.registryImage, nodeId: state.nodeId });
    if (!verify) {
      void ensure().catch((error) => this.log.error("the cluster's registry is not running", { error }));
      return;
    }
    await this.ctx.routes.publish();
    await ensure();
    await this.docker()
      .checkAuth(await registry.pushAuth())
      .catch((error: Error) => {
        throw new ConflictError(
          `The Docker Engine cannot log in to the cluster's registry at ${registry.address} (${error.message}): ${state.registry.kind === "internal" ? `${state.registry.host} must resolve to this machine and port ${state.registry.port} be open to it` : "check the address and credentials"}.`,
        );
      });
  }

  private async ensureCertificate(registry: ClusterRegistry): Promise<void> {
    const settings = registry.settings;
    if (settings.kind !== "internal") return;
    if (settings.tls === "acme") {
      await this.ctx.tls.ensure(settings.host, { acme: true });
      return;
    }
    const leaf = await registry.serverCertificate(this.ctx.tls.status(settings.host));
    if (leaf) await this.ctx.tls.install(settings.host, leaf);
  }

  /** The registry's route on pier's proxy (pier's own registry only). */
  routes(): RouteSpec[] {
    const route = this.registry?.route();
    return route ? [route] : [];
  }

  /** `/_pier/registry/token` and `/_pier/registry/ca.crt` on any host pier's proxy serves. */
  async handleRegistryPath(request: Request, path: string): Promise<Response> {
    const registry = this.registry;
    if (registry?.settings.kind !== "internal") return new Response("Not found\n", { status: 404 });
    if (path.endsWith("/ca.crt"))
      return new Response((await registry.ca()).cert, {
        headers: { "content-type": "application/x-pem-file" },
      });
    return registry.issueToken(request);
  }

  async status(): Promise<z.input<typeof clusterSchema>> {
    const state = this.state;
    const nodes = state ? await this.watch.nodes().catch(() => []) : [];
    return {
      enabled: state !== null,
      nodeId: state?.nodeId ?? null,
      advertiseAddr: state?.advertiseAddr ?? null,
      adopted: state?.adopted ?? false,
      registry: this.registry
        ? {
            kind: this.registry.settings.kind,
            address: this.registry.address,
            tls: this.registry.settings.kind === "internal" ? this.registry.settings.tls : null,
          }
        : null,
      nodes: {
        total: nodes.length,
        ready: nodes.filter((n) => n.state === "ready").length,
        platforms: [...new Set(nodes.map((n) => platformOfArch(n.arch, n.os)))].sort(),
      },
    };
  }

  async joinCommand(): Promise<z.input<typeof joinSchema>> {
    const state = this.requireState();
    const registry = this.registry!;
    const docker = this.docker();
    const tokens = await joinTokens(docker);
    const local = await localSwarm(docker);
    const addr = local.nodeAddr || state.advertiseAddr;
    const manager = `${addr}:${swarmPort}`;
    const ca = await registry.caFingerprint();
    const address = registry.address;
    const command = [
      "pier cluster join",
      manager,
      "--token",
      tokens.worker,
      ...(ca ? ["--registry", address, "--registry-ca-sha256", ca] : []),
    ].join(" ");
    const dockerCommands = ca
      ? [
          `mkdir -p /etc/docker/certs.d/${address}`,
          `curl -fsSk https://${address}/_pier/registry/ca.crt -o /etc/docker/certs.d/${address}/ca.crt`,
          `sha256sum of its DER must be ${ca}: openssl x509 -in /etc/docker/certs.d/${address}/ca.crt -outform der | sha256sum`,
          `docker swarm join --token ${tokens.worker} ${manager}`,
        ]
      : [`docker swarm join --token ${tokens.worker} ${manager}`];
    return { command, dockerCommands, manager, token: tokens.worker, registry: address, caSha256: ca };
  }

  async nodeViews(): Promise<NodeView[]> {
    this.requireState();
    const docker = this.docker();
    const nodes = await listNodes(docker);
    const services = (await docker.listServices({
      filters: { label: [`${serviceLabels.role}=release`] },
    })) as { ID: string; Spec: { Labels: Record<string, string> } }[];
    const byId = new Map(services.map((s) => [s.ID, s.Spec.Labels]));
    const tasks = (await docker.listTasks({ filters: { "desired-state": ["running"] } })).map(taskFacts);
    return nodes.map((node) => {
      const since = this.watch.stateSince(node.id);
      const replicas = tasks
        .filter((t) => t.nodeId === node.id && byId.has(t.serviceId) && t.state === "running")
        .map((t) => {
          const labels = byId.get(t.serviceId)!;
          const port = Number(labels[serviceLabels.hostPort]) || t.publishedPort;
          return {
            app: labels[serviceLabels.app] ?? "",
            environment: labels[serviceLabels.env] ?? "",
            deploymentId: labels[serviceLabels.deployment] ?? "",
            upstream: port && node.addr ? `${node.addr}:${port}` : null,
          };
        });
      return {
        id: node.id,
        hostname: node.hostname,
        role: node.role,
        leader: node.leader,
        availability: node.availability,
        state: node.state,
        stateSince: since ? new Date(since) : null,
        message: node.message,
        addr: node.addr,
        platform: platformOfArch(node.arch, node.os),
        cpus: node.cpus,
        memoryBytes: node.memoryBytes,
        engineVersion: node.engineVersion,
        labels: node.labels,
        replicas,
      };
    });
  }

  private async view(id: string): Promise<NodeView> {
    const view = (await this.nodeViews()).find((n) => n.id === id);
    if (!view) throw new ConflictError(`node ${id} left the swarm meanwhile`);
    return view;
  }

  async label(ref: string, set: Record<string, string>, remove: string[]): Promise<NodeView> {
    this.requireState();
    const node = await findNode(this.docker(), ref);
    const labels: Record<string, string | null> = { ...set };
    for (const key of remove) labels[key] = null;
    await updateNode(this.docker(), node.id, { labels });
    return this.view(node.id);
  }

  /**
   * Drains without a failed request: the node's replicas leave the routes first (every proxy
   * worker acknowledged), requests in flight to them finish, and only then does Swarm stop them
   * and start their replacements on other nodes, which are routed once healthy.
   */
  async drain(ref: string): Promise<{ node: NodeView; drained: number }> {
    this.requireState();
    const node = await findNode(this.docker(), ref);
    const upstreams = await this.watch.exclude(node.id);
    try {
      await this.waitForIdle(upstreams);
      await updateNode(this.docker(), node.id, { availability: "drain" });
    } catch (error) {
      this.watch.restore(node.id);
      throw error;
    }
    this.watch.kick();
    return { node: await this.view(node.id), drained: upstreams.length };
  }

  private async waitForIdle(upstreams: string[]): Promise<void> {
    const proxy = this.ctx.proxy;
    const deadline = performance.now() + this.settings.drainTimeoutMs;
    if (!proxy || upstreams.length === 0) return;
    const origins = upstreams.map((u) => `http://${u}`);
    while (performance.now() < deadline) {
      if ((await proxy.inFlight(origins).catch(() => 0)) === 0) return;
      await Bun.sleep(25);
    }
  }

  async activate(ref: string): Promise<NodeView> {
    this.requireState();
    const node = await findNode(this.docker(), ref);
    await updateNode(this.docker(), node.id, { availability: "active" });
    this.watch.restore(node.id);
    return this.view(node.id);
  }

  async removeNode(ref: string, force: boolean): Promise<void> {
    const state = this.requireState();
    const node = await findNode(this.docker(), ref);
    if (node.id === state.nodeId)
      throw new ConflictError("This is the manager pier runs on: it cannot remove itself from the swarm.");
    if (node.state === "ready" && !force)
      throw new ConflictError(
        `${node.hostname} is still up: drain it (pier cluster drain ${node.hostname}), run docker swarm leave on it, or remove it with --force.`,
      );
    await removeNode(this.docker(), node.id, force);
  }

  private async deploymentsWithServices(): Promise<Set<string>> {
    const services = (await this.docker().listServices({
      filters: { label: [`${serviceLabels.role}=release`] },
    })) as { Spec: { Labels: Record<string, string> } }[];
    return new Set(services.map((s) => s.Spec.Labels[serviceLabels.deployment] ?? ""));
  }

  /** What the deploy engine gets: see ClusterCapability. */
  capability(): Omit<ClusterCapability, "enabled"> {
    return {
      replicas: this.runtime,
      publishImage: async (input) => {
        if (!this.publisher) throw new ClusterNotInitializedError();
        return this.publisher.publish(input);
      },
      replicasOf: (ids) => this.runtime.adopt(ids),
      onReplicaMoved: (listener) => this.watch.onPlace(listener),
      removeApp: async (app) => {
        await this.runtime.removeApp(app);
        await this.publisher?.removeApp(app);
      },
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    this.watch.stop();
  }
}
