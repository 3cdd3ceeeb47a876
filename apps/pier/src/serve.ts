import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type ApiDeps,
  certificatePort,
  createApi,
  openSetupGate,
  seedAdminToken,
  setupCodePath,
} from "@pier/api";
import { generateSecretToken, LoginRateLimiter } from "@pier/auth";
import type { ServeConfig } from "@pier/config";
import { createLogger, dropExecutablePages, type Logger, PierError, pierVersion } from "@pier/core";
import { createStores, openDatabase, StorageFullError, storageFullIn } from "@pier/db";
import { createEgressFetch, egressPolicy, machineAddresses } from "@pier/egress";
import { authenticate, requestOrigins, socketSessions, trustedProxies } from "@pier/http";
import {
  capabilityRegistry,
  createPrimaryRole,
  type PierContext,
  type PrimaryRoleControl,
  type RawHandler,
  RequestActivity,
  RouteRegistry,
  type StartedModule,
  startCertificates,
  startProxy,
} from "@pier/platform";
import { createSecretBox, loadOrCreateKey } from "@pier/secrets";
import type { ListenerFds } from "./handover/protocol.ts";
import { modules } from "./modules.ts";

/**
 * Throws when something listens on `port` already. Binding without SO_REUSEPORT fails if any
 * socket is bound there, reuseport or not, which the console's own bind (with it) would not.
 */
export class PortInUseError extends PierError {
  constructor(port: number, flag: string) {
    super(
      "port_in_use",
      `port ${port} (${flag}) is in use by another process, perhaps another pier: stop it or choose another port`,
      409,
    );
  }
}

function assertPortFree(host: string, port: number, flag: string): void {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE") return;
    throw new PortInUseError(port, flag);
  }
}

export interface RunningPier {
  consoleUrl: string;
  /** Shared with a successor during a hand-over: both piers' workers and consoles believe it. */
  edgeSecret: string;
  /** The proxy's listening sockets (fds), for a hand-over to pass on. */
  proxyListeners(): ListenerFds;
  /** Who runs the schedulers; a hand-over releases it to the successor. */
  primary: PrimaryRoleControl;
  /** Deployments still queued, building or starting (a hand-over waits until there are none). */
  deploysInProgress(): Promise<number>;
  stop(): Promise<void>;
}

/** How this start differs when it takes over from a running pier (an upgrade's hand-over). */
export interface StartOptions {
  successor?: {
    /** Listening sockets inherited from the predecessor, as fds of this process. */
    listeners: ListenerFds;
    edgeSecret: string;
  };
}

export function createServeLogger(config: ServeConfig): Logger {
  return createLogger({
    level: config.logLevel,
    format: config.logFormat === "auto" ? undefined : config.logFormat,
  });
}

/** How long after listening the start-up pages of the executable are handed back. */
const START_PAGES_DROP_MS = 5_000;

/** Wires the packages into one running platform. Every step that can fail does so before listening. */
export async function startPier(
  config: ServeConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningPier> {
  const undo: (() => Promise<unknown>)[] = [];
  try {
    return await startSteps(config, logger, options, undo);
  } catch (error) {
    // What started is stopped again, newest first: proxy worker threads (and timers) left running
    // would keep the process alive, serving no route, and `pier serve` would never exit with
    // the error for systemd to restart it.
    for (const step of undo.reverse())
      await step().catch((stepError) =>
        logger.warn("cleanup after a failed start failed", { error: stepError }),
      );
    throw error;
  }
}

async function startSteps(
  config: ServeConfig,
  logger: Logger,
  options: StartOptions,
  undo: (() => Promise<unknown>)[],
): Promise<RunningPier> {
  const { successor } = options;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // The console binds with SO_REUSEPORT so that a successor can bind beside it; a fresh start
  // checks first that nothing else has the port, which the option would no longer tell it.
  if (!successor) assertPortFree(config.host, config.consolePort, "--console-port");
  // The proxy workers bind with SO_REUSEPORT too: a second pier on the same ports would silently
  // take a share of the first one's connections (the kernel spreads them over both).
  if (!successor && config.proxyWorkers > 0) {
    assertPortFree(config.host, config.httpPort, "--http-port");
    assertPortFree(config.host, config.httpsPort, "--https-port");
  }
  // Created on first start so env vars and provider keys are encrypted from the first write on.
  const secretBox = await createSecretBox(loadOrCreateKey(join(config.dataDir, "secret.key")));

  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  undo.push(() => database.close());
  logger.info("database ready", {
    dialect: database.dialect,
    location: database.location,
    migrated: database.appliedMigrations,
  });
  const stores = createStores(database);
  // A fresh start competes for the primary role now (taking it when free), a successor only once
  // its predecessor released it: until then its modules serve and their schedulers wait.
  const primary = createPrimaryRole({ leases: stores.leases, logger });
  undo.push(() => primary.release());
  if (!successor) await primary.compete();
  if (config.adminToken) {
    const seeded = await seedAdminToken(stores, config.adminToken);
    if (seeded === "created") logger.info("admin API token created from PIER_ADMIN_TOKEN");
  }

  const setup = openSetupGate(config.dataDir, (await stores.users.count()) === 0);
  if (setup.code) {
    // Until the first admin exists, creating it takes this code: reaching the port is not enough.
    logger.warn("first run: create the admin in the dashboard with this setup code", {
      setupCode: setup.code,
      file: setupCodePath(config.dataDir),
      alternative: `pier admin create --data-dir ${config.dataDir} --email EMAIL --password-stdin`,
    });
  }

  // Made anew at each start and known only to this process and its proxy workers (and, during a
  // hand-over, to the successor, which keeps it).
  const edgeSecret = successor?.edgeSecret ?? generateSecretToken("edge");
  const originOf = requestOrigins(edgeSecret, trustedProxies(config.trustedProxies));
  const { capabilities, provide, modulesStarted, allStarted } = capabilityRegistry();
  const activity = new RequestActivity();
  const proxy = await startProxy(config, stores, logger, activity, {
    edgeSecret,
    // Looked up per sleeping route woken: the deploy module provides it once it started.
    wakeRoute: (routeId) => capabilities.appRuntime?.wakeRoute(routeId) ?? Promise.resolve(false),
    // A successor accepts on the inherited sockets only once its routes are in (the predecessor
    // serves meanwhile).
    inheritedListeners: successor?.listeners,
    deferListening: successor !== undefined,
  });
  if (proxy) undo.push(() => proxy.stop());
  const routes = new RouteRegistry(proxy, logger.child({ component: "routes" }));
  const tls = await startCertificates(config.dataDir, proxy, logger, primary);
  undo.push(() => tls.stop());
  const apiDeps: ApiDeps = {
    stores,
    logger: logger.child({ component: "api" }),
    version: pierVersion,
    loginLimiter: new LoginRateLimiter({ maxFailures: 10, windowMs: 15 * 60_000 }),
    setup: setup.gate,
    originOf,
    dataDir: config.dataDir,
    routePublisher: routes,
    certificates: certificatePort(tls),
    onDomainsChanged: () => (proxy ? routes.publish() : Promise.resolve(undefined)),
    baseDomain: config.baseDomain,
  };
  const consoleApp = createApi(apiDeps);
  const rawHandlers: RawHandler[] = [];
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const httpsPort = config.httpsPort === 443 ? "" : `:${config.httpsPort}`;
  const consoleUrl =
    config.publicUrl ??
    (config.consoleHost
      ? `https://${config.consoleHost}${httpsPort}`
      : `http://${shownHost}:${config.consolePort}`);

  const egress = egressPolicy({ allow: config.egressAllow, ownAddresses: machineAddresses() });
  const context: PierContext = {
    config,
    logger,
    database,
    stores,
    secretBox,
    console: consoleApp,
    authenticate: authenticate(apiDeps),
    routes,
    proxy,
    activity,
    tls,
    consoleUrl,
    egress: { policy: egress, fetch: createEgressFetch(egress) },
    originOf,
    edgeSecret,
    addRawHandler: (handler) => rawHandlers.push(handler),
    capabilities,
    provide,
    modulesStarted,
    primary,
  };
  const started: { name: string; module: StartedModule }[] = [];
  for (const module of modules) {
    const running = await module.start(context);
    started.push({ name: module.name, module: running });
    undo.push(async () => running.stop?.());
  }
  // Releases started again during the deploy module's start get their linked services' env now.
  allStarted();
  if (proxy) {
    const published = await routes.publish();
    await proxy.listen();
    logger.info("proxy ready", {
      workers: config.proxyWorkers,
      http: config.httpPort,
      https: config.httpsPort,
      routesVersion: published.version,
    });
  }

  const consoleServer = Bun.serve({
    hostname: config.host,
    port: config.consolePort,
    reusePort: true,
    routes: { "/healthz": Response.json({ ok: true, version: pierVersion }) },
    async fetch(request, server) {
      // The console serves origin-form requests only; a CONNECT's authority-form target is no URL
      // the handlers below could read.
      if (request.method === "CONNECT" || !URL.canParse(request.url))
        return Response.json(
          {
            error: {
              code: "bad_request",
              message: "The console serves http(s) requests for its own paths only.",
            },
          },
          { status: request.method === "CONNECT" ? 405 : 400 },
        );
      // The proxy sends an app host's /_pier/ paths here with the edge secret and X-Pier-Host (the
      // console host's own route has no X-Pier-Host). Bun reads `\` as `/` and resolves the `..`
      // the proxy passed on as a plain segment (`/_pier/..\api/v1/…`), so the path is checked as
      // the console reads it: the API and the dashboard are never served on an app's domain.
      if (
        request.headers.has("x-pier-host") &&
        !new URL(request.url).pathname.startsWith("/_pier/") &&
        originOf(request, server).viaEdge
      )
        return Response.json(
          { error: { code: "not_found", message: "Only /_pier/ paths are served on an app's host." } },
          { status: 404 },
        );
      for (const handler of rawHandlers) {
        const response = await handler(request, server);
        if (response) return response;
      }
      return consoleApp.fetch(request, server);
    },
    // `pier run` and `pier exec` sessions: the route that upgrades brings its own handlers.
    websocket: socketSessions,
    // Large pushes and uploads arrive on this port; per-route limits are enforced by the handlers.
    maxRequestBodySize: 1024 * 1024 * 1024,
    error(error) {
      logger.error("console server error", { error });
      const full = storageFullIn(error, { dataDir: config.dataDir });
      if (full) {
        // Raw handlers serve public endpoints too: the answer does not name the data dir's path.
        const { code, message, status } = new StorageFullError(full);
        return Response.json({ error: { code, message } }, { status });
      }
      return Response.json({ error: { code: "internal_error", message: "Internal error" } }, { status: 500 });
    },
  });

  // The build starts the executable with a raised JIT threshold (--compile-jit-policy) so run-once
  // start-up code stays in the interpreter instead of being compiled; from here on code that
  // runs often must be compiled as usual.
  Bun.unsafe.setJITPolicy?.(1);
  // Start-up code (configuration, migrations, every module's start) is done: its pages of the
  // executable go back to the page cache (docs/performance.md, Startup and footprint).
  const startPagesTimer = setTimeout(() => {
    dropExecutablePages().then((bytes) =>
      logger.debug("start-up pages of the executable unmapped", { bytes }),
    );
  }, START_PAGES_DROP_MS);
  startPagesTimer.unref();

  const sweeper = setInterval(() => {
    stores.sessions.deleteExpired().catch((error) => logger.warn("session sweep failed", { error }));
  }, 3600_000);
  sweeper.unref();

  return {
    consoleUrl,
    edgeSecret,
    proxyListeners: () => proxy?.listenerFds() ?? { http: [], https: [] },
    primary,
    deploysInProgress: async () =>
      (await stores.deploymentQueries.listByStatus(["queued", "building", "starting"])).length,
    async stop() {
      clearInterval(sweeper);
      // Schedulers stop first and the role is released, so a successor (or the next start)
      // takes it at once instead of after the lease expires.
      await primary.release();
      // Graceful, in this order (docs/operations.md, Stopping): nothing new is accepted, what is in
      // flight finishes within --shutdown-timeout, every queue is written, then the database closes.
      const deadline = performance.now() + config.shutdownTimeoutMs;
      // 1. The proxy: its listeners close, its exchanges finish (keep-alive connections close after
      //    their answer, WebSockets get a 1001 close frame), and the workers hand over the beacons
      //    and request records they hold. The console serves on meanwhile: some exchanges go to it.
      const drained = await proxy?.drain(config.shutdownTimeoutMs);
      if (drained?.cut)
        logger.warn("proxied requests still in flight at --shutdown-timeout were cut", {
          connections: drained.cut,
        });
      // 2. The console: in-flight API requests finish in what is left of the timeout.
      const consoleStopped = await Promise.race([
        consoleServer.stop(false).then(() => true),
        Bun.sleep(Math.max(0, deadline - performance.now())).then(() => false),
      ]);
      if (!consoleStopped) await consoleServer.stop(true);
      // 3. Modules in reverse order: each writes what it holds (analytics the beacons the workers
      //    handed over and its write queue, errors its writer's queue) before it returns.
      for (const { name, module } of started.reverse()) {
        await module
          .stop?.()
          .catch((error) => logger.warn("module did not stop cleanly", { module: name, error }));
      }
      await tls.stop();
      await proxy?.stop();
      await database.close();
    },
  };
}
