import { NotFoundError } from "@pier/core";
import { type ApiEnv, requireScope } from "@pier/http";
import type { CertificateManager } from "@pier/tls";
import { Hono, type MiddlewareHandler } from "hono";

/** Certificate status per domain and a forced renewal, for operators and tests. */
export function certificateRoutes(tls: CertificateManager, authenticate: MiddlewareHandler<ApiEnv>) {
  const api = new Hono<ApiEnv>();
  api.use("*", authenticate);
  api.get("/", requireScope("read"), (c) => c.json({ acme: tls.acmeEnabled, certificates: tls.list() }));
  api.post("/:host/renew", requireScope("admin"), async (c) => {
    const host = c.req.param("host");
    if (!tls.status(host)) throw new NotFoundError("Certificate for", host);
    return c.json({ certificate: await tls.forceRenew(host) });
  });
  return api;
}
