import type { ServeConfig } from "@pier/config";
import type { Logger } from "@pier/core";
import type { Database, Stores } from "@pier/db";
import type { EgressFetch, EgressPolicy } from "@pier/egress";
import type { ApiEnv, OriginOf } from "@pier/http";
import type { ProxyPool } from "@pier/proxy";
import type { SecretBox } from "@pier/secrets";
import type { CertificateManager } from "@pier/tls";
import type { Server } from "bun";
import type { Hono, MiddlewareHandler } from "hono";
import type { Capabilities } from "./capabilities.ts";
import type { PrimaryRole } from "./primary-role.ts";
import type { RequestActivity } from "./request-activity.ts";
import type { RouteRegistry } from "./route-registry.ts";

/** A handler that sees the raw request before Hono; returns null when the request is not its own. */
export type RawHandler = (
  request: Request,
  server: Server<unknown>,
) => Response | null | Promise<Response | null>;

/** Everything a subsystem needs from the running platform. Modules get this, never globals. */
export interface PierContext {
  config: ServeConfig;
  logger: Logger;
  database: Database;
  stores: Stores;
  secretBox: SecretBox;
  /** The console's Hono app: modules add their own routes (`/api/v1/...`, `/_pier/...`). */
  console: Hono<ApiEnv>;
  /** Bearer-token or session authentication, as the core API uses it. */
  authenticate: MiddlewareHandler<ApiEnv>;
  routes: RouteRegistry;
  proxy: ProxyPool | undefined;
  /** When requests last reached each app through the proxy (idle environments sleep by it). */
  activity?: RequestActivity;
  tls: CertificateManager;
  consoleUrl: string;
  /**
   * How user-typed targets are reached (monitors, webhooks, SMTP, AI providers): the policy of
   * which addresses are refused, and a fetch that applies it to every address it dials.
   */
  egress: { policy: EgressPolicy; fetch: EgressFetch };
  /**
   * Where a console request comes from: the client behind pier's own proxy workers (which prove
   * it with a per-start secret), behind a --trusted-proxies proxy, or the TCP peer. Ingest routes
   * believe X-Pier-App/-Host only when `viaEdge`.
   */
  originOf: OriginOf;
  /** The secret the proxy workers add to what they forward here (see originOf). */
  edgeSecret: string;
  addRawHandler(handler: RawHandler): void;
  /**
   * What modules offer each other (error DSNs, notifications, app monitors, …). A module provides
   * its capability while it runs; users look it up at call time, so start order does not matter
   * and a subsystem that is not running is simply absent. Except during start-up: a module started
   * before another does not see its capability yet (see modulesStarted).
   */
  capabilities: Readonly<Capabilities>;
  /**
   * Settles once every module's start returned: from then on each running subsystem provides its
   * capability, and one that is absent is not running. Work a module begins during its own start
   * and that needs other modules' capabilities (a live release started again at start-up needs its
   * linked services' URLs) waits for it first. A module's start must not await it: it would wait
   * for itself.
   */
  modulesStarted: Promise<void>;
  /** Offers a capability until the returned function withdraws it (on stop). */
  provide<K extends keyof Capabilities>(name: K, capability: NonNullable<Capabilities[K]>): () => void;
  /**
   * Work only one pier process may do on this database (schedulers, repairs after a restart) goes
   * through `primary.run`: it runs while this process holds the role, which moves to the next
   * process during an upgrade's hand-over (docs/architecture.md, Upgrades).
   */
  primary: PrimaryRole;
}

export interface StartedModule {
  stop?(): Promise<void>;
}

/** One subsystem wired into `pier serve` (deploy, errors, analytics, uptime, ai-gateway, dashboard). */
export interface PierModule {
  name: string;
  start(context: PierContext): Promise<StartedModule>;
}
