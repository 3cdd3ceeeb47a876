import type { ApiDeps, ApiEnv } from "@pier/api";
import type { ServeConfig } from "@pier/config";
import type { Logger } from "@pier/core";
import type { Database, Stores } from "@pier/db";
import type { ProxyPool } from "@pier/proxy";
import type { SecretBox } from "@pier/secrets";
import type { CertificateManager } from "@pier/tls";
import type { Server } from "bun";
import type { Hono, MiddlewareHandler } from "hono";
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
  apiDeps: ApiDeps;
  /** The console's Hono app: modules add their own routes (`/api/v1/...`, `/_pier/...`). */
  console: Hono<ApiEnv>;
  /** Bearer-token or session authentication, as the core API uses it. */
  authenticate: MiddlewareHandler<ApiEnv>;
  routes: RouteRegistry;
  proxy: ProxyPool | undefined;
  tls: CertificateManager;
  consoleUrl: string;
  addRawHandler(handler: RawHandler): void;
}

export interface StartedModule {
  stop?(): Promise<void>;
}

/** One subsystem wired into `pier serve` (deploy, errors, analytics, uptime, ai-gateway, dashboard). */
export interface PierModule {
  name: string;
  start(context: PierContext): Promise<StartedModule>;
}
