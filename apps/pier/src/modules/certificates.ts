import { type ApiEnv, authenticate, requireScope } from "@pier/api";
import { NotFoundError } from "@pier/core";
import { Hono } from "hono";
import type { PierModule } from "../platform/module.ts";

/** Certificate status per domain and a forced renewal, for operators and tests. */
export const certificatesModule: PierModule = {
  name: "certificates",
  async start({ console, apiDeps, tls, stores }) {
    const api = new Hono<ApiEnv>();
    api.use("*", authenticate(apiDeps));
    api.get("/", requireScope("read"), (c) => c.json({ acme: tls.acmeEnabled, certificates: tls.list() }));
    api.post("/:host/renew", requireScope("admin"), async (c) => {
      const host = c.req.param("host");
      if (!tls.status(host)) throw new NotFoundError("Certificate for", host);
      return c.json({ certificate: await tls.forceRenew(host) });
    });
    console.route("/api/v1/certificates", api);
    // Domains attached before this start (or while ACME was off) get their certificate now.
    for (const domain of await stores.domains.listAll()) await tls.ensure(domain.host).catch(() => {});
    return {};
  },
};
