import { NotFoundError } from "@pier/core";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { CertificateManager } from "@pier/tls";
import { apiRoutes } from "./contract.ts";

/** Certificate status per domain and a forced renewal, for operators and tests. */
export function certificateRoutes(group: RouteGroup, tls: CertificateManager): void {
  serveRoute(group, apiRoutes.listCertificates, () => ({ acme: tls.acmeEnabled, certificates: tls.list() }));
  serveRoute(group, apiRoutes.renewCertificate, async ({ params }) => {
    if (!tls.status(params.host)) throw new NotFoundError("Certificate for", params.host);
    return { certificate: await tls.forceRenew(params.host) };
  });
}
