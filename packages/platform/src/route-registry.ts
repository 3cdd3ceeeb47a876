import { type Logger, PierError } from "@pier/core";
import type { ProxyPool, RouteConflict, RouteSpec } from "@pier/proxy";

/** Something that owns part of the route table: static routes, deployed apps, status pages. */
export type RouteProvider = () => Promise<RouteSpec[]> | RouteSpec[];

/**
 * The proxy gets one table made of every provider's routes. Publishes are serialised so two
 * changes racing each other can never leave the older table live.
 */
export class RouteRegistry {
  private readonly providers = new Map<string, RouteProvider>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly proxy: ProxyPool | undefined,
    private readonly logger?: Logger,
  ) {}

  register(name: string, provider: RouteProvider): void {
    this.providers.set(name, provider);
  }

  async collect(): Promise<RouteSpec[]> {
    const parts = await Promise.all([...this.providers.values()].map((provider) => provider()));
    return parts.flat();
  }

  /**
   * A route that conflicts with another is left out rather than failing the publish (see
   * resolveRouteConflicts); it is logged here, and callers adding a route check `conflicts` to
   * refuse their own change.
   */
  publish(): Promise<{ version: number; ackMs: number; conflicts: RouteConflict[] }> {
    const run = async () => {
      if (!this.proxy) {
        throw new PierError(
          "proxy_disabled",
          "The proxy is not running (pier serve --proxy-workers 0).",
          409,
        );
      }
      const routes = await this.collect();
      try {
        const published = await this.proxy.publishRoutes(routes);
        for (const conflict of published.conflicts)
          this.logger?.error("route left out: another route claims its host", {
            host: conflict.host,
            pathPrefix: conflict.pathPrefix,
            kept: conflict.kept.id,
            dropped: conflict.dropped.id,
            fix: "remove the custom domain or static route that duplicates the other one",
          });
        return published;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ROUTE_CONFLICT") throw new PierError("route_conflict", (error as Error).message, 409);
        if (code === "ROUTE_ACK_TIMEOUT")
          throw new PierError("route_publish_timeout", (error as Error).message, 503);
        throw error;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }
}
