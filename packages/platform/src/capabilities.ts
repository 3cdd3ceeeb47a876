import type { NotificationEvent } from "@pier/notify";

/** An app as other subsystems need to know it. */
export interface AppRef {
  id: string;
  name: string;
}

/** Error tracking, for the deploy engine: the Sentry variables an app's replicas get. */
export interface ErrorsCapability {
  /**
   * SENTRY_DSN/RELEASE/ENVIRONMENT for a deploy; creates the app's project on first use. With
   * `host` (a domain the app is served on) the DSN goes through that host's `/_pier/` path,
   * reachable from browsers and containers alike; without it, through the console URL.
   */
  sentryEnv(input: {
    app: AppRef;
    release: string;
    environment: string;
    host?: string | null;
  }): Promise<Record<string, string>>;
  /** Error events each app's project received since `since`, by app id (apps without any are absent). */
  eventCountsByApp?(since: Date): Promise<Map<string, number>>;
  /**
   * For other ingest endpoints (OTLP traces, logs): the project whose public key was sent, with a
   * rate limit of its own per `stream` at the project's events per minute.
   */
  authorizeIngest?(key: string, stream: string): Promise<IngestGrant>;
}

/** What an ingest key is worth: the project it belongs to, or why it is refused. */
export type IngestGrant =
  | { ok: true; projectId: number; appId: string | null; name: string }
  | { ok: false; reason: "invalid_key" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/** Traces, for error tracking: Sentry `transaction` and `span` envelope items are stored as spans. */
export interface TracesCapability {
  /** True when the item type is one traces keeps (it then parses and stores it in the background). */
  acceptSentryItem(
    owner: { projectId: number; appId: string | null; name: string },
    type: string,
    payload: Uint8Array,
  ): boolean;
  /** An error event was accepted: remember the trace it happened in (for that trace's page). */
  noteErrorEvent?(
    owner: { projectId: number; appId: string | null; name: string },
    eventId: string,
    payload: Uint8Array,
  ): void;
}

/** The AI gateway, for the deploy engine: OPENAI_* variables so the SDKs in an app talk to pier. */
export interface AiGatewayCapability {
  /** Empty when no provider is configured (nothing to call). */
  envFor(appName: string, options: { baseUrl?: string }): Promise<Record<string, string>>;
}

/** Uptime, for the deploy engine: the monitor pier keeps for every live production app. */
export interface UptimeCapability {
  /** After a release went live at `url` (health path included); a no-op when app monitors are off. */
  ensureAppMonitor(app: AppRef, url: string): Promise<unknown>;
  /** The app is gone: monitors pier made for it go too (monitors a user made stay). */
  removeAppMonitors(appId: string): Promise<void>;
  /** Each app's own monitor: its state and uptime in percent since `since` (null without checks). */
  appSummaries?(since: Date): Promise<AppUptime[]>;
}

export interface AppUptime {
  appId: string;
  status: "unknown" | "up" | "retrying" | "down" | "paused";
  uptime: number | null;
}

/** Notification channels, for any subsystem (failed deploys, new error issues, incidents). */
export interface NotifyCapability {
  /** Sends to every channel that wants the event; never throws, resolves when delivery is done. */
  notify(event: NotificationEvent): Promise<void>;
}

/** Analytics, for route providers: which sites get the tracker tag injected by the proxy. */
export interface AnalyticsCapability {
  autoInjectSites(): Promise<Set<string>>;
}

/** What a one-off run of a command in an app's container ended with. */
export interface OneOffOutcome {
  /** null when the command never ran. */
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The last lines of output. */
  tail: string[];
  durationMs: number;
  /** The release it ran in. */
  deploymentId: string;
}

/**
 * The deploy engine's running apps, for other subsystems: one-off commands in an app's current
 * release (cron jobs), and waking an environment that sleeps (the proxy, when a request arrives
 * for a sleeping route).
 */
export interface AppRuntimeCapability {
  /** Runs `command` to its end in a one-off container of the environment's current release. */
  runOneOff(input: {
    app: string;
    environment: string;
    command: string | string[];
    timeoutMs: number;
    onLine?: (line: string) => void;
    signal?: AbortSignal;
  }): Promise<OneOffOutcome>;
  /**
   * Starts a sleeping environment again: replicas started, health-checked, routed (every proxy
   * worker acknowledged). Resolves at once when it is awake; concurrent calls share one wake-up.
   * Rejects with the reason when it cannot be woken (then the route stays asleep).
   */
  wake(app: string, environment: string): Promise<void>;
  /** The same for the route the proxy matched (RouteSpec id); false when it is no sleeping route. */
  wakeRoute(routeId: string): Promise<boolean>;
  /**
   * Rolling restart of every live environment of the app with its current release and a fresh env
   * (a linked service changed); the ids of the deployments started.
   */
  restartApp(app: string): Promise<string[]>;
  /** The Docker volume of an app's `[[volumes]]` entry. */
  volumeName(app: string, volume: string): string;
  /** Whether the Docker Engine answers a ping now (without loading the engine). */
  dockerReachable?(): Promise<boolean>;
}

/** Cron jobs, for the deploy engine: a release went live, its [[cron]] jobs may have changed. */
export interface CronCapability {
  releaseLive(app: AppRef): void;
}

/**
 * Managed services (databases, caches), for the deploy engine: the connection URLs of the services
 * linked to an app and the private networks its replicas join to reach them.
 */
export interface ServicesCapability {
  /**
   * Env vars of an environment of the app (DATABASE_URL, REDIS_URL or the names chosen at link
   * time). A preview gets a database of its own when its pier.toml asks for one (`[preview]
   * database = "empty" | "copy"`); "shared" uses production's.
   */
  envFor(
    app: AppRef,
    environment: { name: string; kind: "production" | "preview" },
    options: { previewDatabase: "shared" | "empty" | "copy" },
  ): Promise<Record<string, string>>;
  /** Docker networks the app's replicas join (none without links). */
  networksFor(app: AppRef): Promise<string[]>;
  /** A preview environment is gone: its own databases are dropped now, not at the next sweep. */
  environmentRemoved(app: AppRef, environment: string): Promise<void>;
  /**
   * An app is gone and its replicas removed: its links, their preview databases and its network
   * go. What cannot go yet (a network still in use) is left for the periodic sweep.
   */
  appRemoved(app: AppRef): Promise<void>;
}

/**
 * One replica of a release as a cluster runs it, in the deploy engine's terms (the fields of its
 * ReplicaSpec that a cluster uses; @pier/deploy's ReplicaRuntime accepts a ClusterReplicaRuntime).
 */
export interface ClusterReplicaSpec {
  app: string;
  env: string;
  deploymentId: string;
  /** 1-based; a cluster's replica n is the n-th task slot of the release's service. */
  replica: number;
  image: string;
  port: number;
  envVars: Record<string, string>;
  memoryBytes?: number | null;
  cpus?: number;
  pidsLimit?: number;
  user?: string;
  readOnly?: boolean;
  /** Replicas of the release in all: a cluster starts them together. */
  replicas?: number;
  /** Swarm placement constraints (`node.labels.zone==b`), pier.toml [deploy] placement. */
  placement?: string[];
  /** "node": replicas spread over nodes; "none": wherever Swarm puts them. */
  spread?: "node" | "none";
  /** `linux/amd64`… the release may run on (pier.toml [deploy] platforms); every one built when absent. */
  platforms?: string[];
  /** SIGTERM grace when a replica is stopped. */
  stopGraceMs?: number;
  /** pier.toml [health] path: a replica the cluster moved is routed again once it answers there. */
  healthPath?: string;
}

export interface ClusterStartedReplica {
  containerId: string;
  replica: number;
  hostPort: number;
  /** `<node address>:<published port>`, what the proxy dials. */
  upstream: string;
}

/** The deploy engine's ReplicaRuntime, on a cluster: ids start with `swarm:`. */
export interface ClusterReplicaRuntime {
  start(spec: ClusterReplicaSpec): Promise<ClusterStartedReplica>;
  state(containerId: string): Promise<{ running: boolean; exitCode: number | null }>;
  stop(containerId: string, graceMs: number): Promise<void>;
  remove(containerId: string): Promise<void>;
  tailLogs(containerId: string, lines: number): Promise<string[]>;
}

/** Where a replica serves now, as the cluster follows its tasks (rescheduled, restarted, gone). */
export interface ClusterReplicaPlace {
  containerId: string;
  deploymentId: string;
  /** `<node address>:<port>` once its task runs and answers its health check; null while it has none. */
  upstream: string | null;
}

/** What the deploy engine hands over to make a release image pullable by every node. */
export interface ClusterImageInput {
  app: string;
  deploymentId: string;
  /** The image as this machine's Docker Engine has it (a pier build, or a reference deployed as is). */
  image: string;
  placement: string[];
  /** pier.toml [deploy] platforms; absent: every architecture placement allows. */
  platforms?: string[];
  /** The build, when pier built the image: other architectures are built from the same context. */
  build?: { contextTarball: string; dockerfile: string; buildArgs: Record<string, string> };
  say(line: string): void;
}

/**
 * The Swarm cluster (`pier cluster init`), for the deploy engine: once a cluster exists, container
 * releases are pushed to the cluster's registry and run as Swarm services on its nodes; static
 * sites stay in this process.
 */
export interface ClusterCapability {
  /** Whether new releases run on the cluster; false: on this machine's Docker Engine as before. */
  enabled(): Promise<boolean>;
  replicas: ClusterReplicaRuntime;
  /** Builds the other architectures, pushes, and answers the reference every node pulls (by digest). */
  publishImage(input: ClusterImageInput): Promise<string>;
  /** Running replicas of these deployments (adopted after pier restarts). */
  replicasOf(deploymentIds: string[]): Promise<ClusterReplicaPlace[]>;
  /** Called when a served replica moved, came back or went; returns the unsubscribe function. */
  onReplicaMoved(listener: (place: ClusterReplicaPlace) => void): () => void;
  /** The app was deleted: its services and registry images go. */
  removeApp(app: string): Promise<void>;
}

export interface Capabilities {
  cluster?: ClusterCapability;
  errors?: ErrorsCapability;
  aiGateway?: AiGatewayCapability;
  uptime?: UptimeCapability;
  notify?: NotifyCapability;
  analytics?: AnalyticsCapability;
  appRuntime?: AppRuntimeCapability;
  cron?: CronCapability;
  services?: ServicesCapability;
  traces?: TracesCapability;
}

/** The mutable side of `PierContext.capabilities`: serve.ts owns it, modules provide through it. */
export function capabilityRegistry(): {
  capabilities: Readonly<Capabilities>;
  provide<K extends keyof Capabilities>(name: K, capability: NonNullable<Capabilities[K]>): () => void;
  /** `PierContext.modulesStarted`: settles once `allStarted` was called. */
  modulesStarted: Promise<void>;
  /** Called by serve.ts after the last module's start returned. */
  allStarted(): void;
} {
  const capabilities: Capabilities = {};
  const { promise: modulesStarted, resolve: allStarted } = Promise.withResolvers<void>();
  return {
    capabilities,
    provide(name, capability) {
      if (capabilities[name]) throw new Error(`capability "${name}" is already provided`);
      capabilities[name] = capability;
      return () => {
        if (capabilities[name] === capability) delete capabilities[name];
      };
    },
    modulesStarted,
    allStarted: () => allStarted(),
  };
}
