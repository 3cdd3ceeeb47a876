import type { LoginRateLimiter } from "@pier/auth";
import type { Logger } from "@pier/core";
import type { Stores } from "@pier/db";
import type { OriginOf } from "@pier/http";
import type { RouteConflict, RouteSpec } from "@pier/proxy";
import type { DomainStatus } from "@pier/tls";
import type { SetupGate } from "./setup-code.ts";

/** Route changes go through this port so the API never knows how proxies receive them. */
export interface RoutePublisher {
  /**
   * Resolves once every proxy worker runs the new table; rejects with a PierError otherwise.
   * `conflicts`: routes left out because another route claims their host.
   */
  publish(): Promise<{ version: number; ackMs: number; conflicts?: RouteConflict[] }>;
  /** Every route the next publish would send. */
  collect?(): Promise<RouteSpec[]>;
}

/** Certificates for app domains: the API asks, packages/tls answers. */
export interface CertificatePort {
  ensure(host: string): Promise<unknown>;
  status(host: string): DomainStatus | null;
  remove(host: string): Promise<unknown>;
}

export interface ApiDeps {
  stores: Stores;
  logger: Logger;
  version: string;
  loginLimiter: LoginRateLimiter;
  routePublisher?: RoutePublisher;
  certificates?: CertificatePort;
  /** Domains decide routes; whoever builds app routes republishes when they change. */
  onDomainsChanged?: () => Promise<{ conflicts?: RouteConflict[] } | undefined>;
  /** Apps answer at APP.BASE_DOMAIN: no custom domain may take such a host. */
  baseDomain?: string;
  sessionTtlMs?: number;
  /** The first-admin setup code; without it, setup needs an admin token. */
  setup?: SetupGate;
  /** Named in the 507 a write answers when the disk holding it is full. */
  dataDir?: string;
  /**
   * Where a request comes from (login limits key by the client address): pier's own proxy
   * workers and --trusted-proxies are believed, anyone else is their TCP peer.
   */
  originOf?: OriginOf;
}
