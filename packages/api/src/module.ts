import { routeGroup } from "@pier/http";
import { internalConsoleUrl, type PierModule } from "@pier/platform";
import { routeSpecSchema } from "@pier/proxy/spec";
import { certificateRoutes } from "./http/certificates-routes.ts";
import { platformHealthRoutes } from "./http/platform-health-routes.ts";
import { proxyStatusRoutes } from "./http/proxy-status-routes.ts";
import { settingsRoutes } from "./http/settings-routes.ts";
import { cachedStaticRoutes } from "./static-routes.ts";

/**
 * The control plane's own pieces beside the core routes `createApi` mounts: static routes in the
 * route table, certificates, proxy status and platform settings.
 */
export const apiModule: PierModule = {
  name: "api",
  async start({ config, console, authenticate, routes, stores, tls, proxy, database, capabilities }) {
    // Routes created through `POST /api/v1/routes`: fixed upstreams, no deployment behind them.
    routes.register("static", cachedStaticRoutes(stores.routes));
    const group = routeGroup("/api/v1", authenticate);
    certificateRoutes(group, tls);
    proxyStatusRoutes(group, proxy, config);
    platformHealthRoutes(group, { config, tls, database, capabilities });
    settingsRoutes(group, stores, {
      baseDomain: config.baseDomain,
      acmeEmail: process.env.PIER_ACME_EMAIL || null,
      acmeEnabled: tls.acmeEnabled,
    });
    console.route("/api/v1", group.app);
    if (config.consoleHost) {
      // The console on the HTTPS port under its own name: tokens and passwords no longer travel in
      // clear to :7070. Plain HTTP on that name is redirected; pushes and uploads may be large and
      // deploy logs long, so the route's limits are the console's own.
      const route = routeSpecSchema.parse({
        id: "console",
        host: config.consoleHost,
        upstreams: [internalConsoleUrl(config)],
        redirectHttps: true,
        maxBodyBytes: 1024 ** 3,
        upstreamTimeoutMs: 3_600_000,
      });
      routes.register("console", () => [route]);
      await tls.ensure(config.consoleHost).catch(() => {});
    }
    // Domains attached before this start (or while ACME was off) get their certificate now.
    for (const domain of await stores.domains.listAll()) await tls.ensure(domain.host).catch(() => {});
    return {};
  },
};
