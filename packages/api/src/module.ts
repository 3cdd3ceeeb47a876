import { routeGroup } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { certificateRoutes } from "./http/certificates-routes.ts";
import { proxyStatusRoutes } from "./http/proxy-status-routes.ts";
import { settingsRoutes } from "./http/settings-routes.ts";
import { cachedStaticRoutes } from "./static-routes.ts";

/**
 * The control plane's own pieces beside the core routes `createApi` mounts: static routes in the
 * route table, certificates, proxy status and platform settings.
 */
export const apiModule: PierModule = {
  name: "api",
  async start({ config, console, authenticate, routes, stores, tls, proxy }) {
    // Routes created through `POST /api/v1/routes`: fixed upstreams, no deployment behind them.
    routes.register("static", cachedStaticRoutes(stores.routes));
    const group = routeGroup("/api/v1", authenticate);
    certificateRoutes(group, tls);
    proxyStatusRoutes(group, proxy, config);
    settingsRoutes(group, stores, {
      baseDomain: config.baseDomain,
      acmeEmail: process.env.PIER_ACME_EMAIL || null,
      acmeEnabled: tls.acmeEnabled,
    });
    console.route("/api/v1", group.app);
    // Domains attached before this start (or while ACME was off) get their certificate now.
    for (const domain of await stores.domains.listAll()) await tls.ensure(domain.host).catch(() => {});
    return {};
  },
};
