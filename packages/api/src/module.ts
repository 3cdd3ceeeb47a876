import type { PierModule } from "@pier/platform";
import { certificateRoutes } from "./routes/certificates.ts";
import { proxyStatusRoutes } from "./routes/proxy-status.ts";
import { settingsRoutes } from "./routes/settings.ts";
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
    console.route("/api/v1/certificates", certificateRoutes(tls, authenticate));
    console.route("/api/v1/proxy", proxyStatusRoutes(proxy, config, authenticate));
    console.route(
      "/api/v1/settings",
      settingsRoutes(stores, authenticate, {
        baseDomain: config.baseDomain,
        acmeEmail: process.env.PIER_ACME_EMAIL || null,
        acmeEnabled: tls.acmeEnabled,
      }),
    );
    // Domains attached before this start (or while ACME was off) get their certificate now.
    for (const domain of await stores.domains.listAll()) await tls.ensure(domain.host).catch(() => {});
    return {};
  },
};
