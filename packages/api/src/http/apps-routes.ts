import { ConflictError, newId, PierError } from "@pier/core";
import { type AppRow, isUniqueViolation } from "@pier/db";
import { findAppOr404, type RouteGroup, serveRoute } from "@pier/http";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

function presentApp(app: AppRow) {
  return { id: app.id, name: app.name, defaultBranch: app.defaultBranch, createdAt: app.createdAt };
}

export function appRoutes(group: RouteGroup, deps: ApiDeps): void {
  serveRoute(group, apiRoutes.listApps, async () => ({
    apps: (await deps.stores.apps.list()).map(presentApp),
  }));

  serveRoute(group, apiRoutes.createApp, async ({ body }) => {
    try {
      const row = await deps.stores.apps.create({ id: newId("app"), ...body });
      return { app: presentApp(row) };
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`An app named "${body.name}" already exists.`);
      throw error;
    }
  });

  serveRoute(group, apiRoutes.getApp, async ({ params }) => {
    const row = await findAppOr404(deps.stores, params.name);
    const domains = await deps.stores.domains.listForApp(row.id);
    return { app: { ...presentApp(row), domains: domains.map((d) => d.host) } };
  });

  serveRoute(group, apiRoutes.deleteApp, async ({ params }) => {
    const row = await findAppOr404(deps.stores, params.name);
    await deps.stores.apps.deleteByName(row.name);
    return { ok: true as const, name: row.name };
  });

  serveRoute(group, apiRoutes.listDomains, async ({ params }) => {
    const row = await findAppOr404(deps.stores, params.name);
    const domains = await deps.stores.domains.listForApp(row.id);
    return {
      domains: domains.map((d) => ({
        host: d.host,
        createdAt: d.createdAt,
        tls: deps.certificates?.status(d.host) ?? null,
      })),
    };
  });

  serveRoute(group, apiRoutes.addDomain, async ({ params, body }) => {
    const row = await findAppOr404(deps.stores, params.name);
    let domain: Awaited<ReturnType<typeof deps.stores.domains.add>>;
    try {
      domain = await deps.stores.domains.add({ id: newId("dom"), appId: row.id, host: body.host });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const owner = await deps.stores.domains.findByHost(body.host);
      throw new ConflictError(
        owner?.appId === row.id
          ? `The domain ${body.host} is attached to ${row.name} already.`
          : `The domain ${body.host} is attached to another app: remove it there first (pier domains remove ${body.host} --app OTHER).`,
      );
    }
    try {
      // A self-signed certificate at once, a real one in the background when ACME is on.
      await deps.certificates?.ensure(domain.host);
    } catch (error) {
      // No domain without its certificate: the row goes again, so a retry starts clean.
      await deps.stores.domains.remove(row.id, domain.host);
      throw error;
    }
    await deps.onDomainsChanged?.();
    return { domain: { host: domain.host, app: row.name, createdAt: domain.createdAt } };
  });

  serveRoute(group, apiRoutes.removeDomain, async ({ params }) => {
    const row = await findAppOr404(deps.stores, params.name);
    if (!(await deps.stores.domains.remove(row.id, params.host)))
      throw new PierError("not_found", `The domain ${params.host} is not attached to ${row.name}.`, 404);
    await deps.certificates?.remove(params.host);
    await deps.onDomainsChanged?.();
    return { ok: true as const, host: params.host };
  });
}
