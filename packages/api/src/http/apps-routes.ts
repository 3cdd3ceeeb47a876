import { ConflictError, newId, PierError } from "@pier/core";
import { type AppRow, isUniqueViolation } from "@pier/db";
import { findAppOr404, type RouteGroup, serveRoute } from "@pier/http";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";
import { generatedHostApp } from "./generated-hosts.ts";

function presentApp(app: AppRow) {
  return { id: app.id, name: app.name, defaultBranch: app.defaultBranch, createdAt: app.createdAt };
}

export function appRoutes(group: RouteGroup, deps: ApiDeps): void {
  serveRoute(group, apiRoutes.listApps, async () => ({
    apps: (await deps.stores.apps.list()).map(presentApp),
  }));

  serveRoute(group, apiRoutes.createApp, async ({ body }) => {
    await refuseNameOfDomain(deps, body.name);
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
    await refuseTakenHost(deps, row, body.host);
    let domain: Awaited<ReturnType<typeof deps.stores.domains.add>>;
    try {
      domain = await deps.stores.domains.add({ id: newId("dom"), appId: row.id, host: body.host });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Added meanwhile by another request: the same answers as the check above.
      await refuseTakenHost(deps, row, body.host);
      throw error;
    }
    try {
      // A self-signed certificate at once, a real one in the background when ACME is on.
      await deps.certificates?.ensure(domain.host);
    } catch (error) {
      // No domain without its certificate: the row goes again, so a retry starts clean.
      await deps.stores.domains.remove(row.id, domain.host);
      throw error;
    }
    // The row is what the routes are built from, so it is stored first; it is only kept once the
    // proxy serves it: stored but unrouted, it would be in (and fail) every later publish.
    const undo = async () => {
      await deps.stores.domains.remove(row.id, domain.host);
      await deps.certificates?.remove(domain.host).catch(() => {});
    };
    let published: Awaited<ReturnType<NonNullable<ApiDeps["onDomainsChanged"]>>>;
    try {
      published = await deps.onDomainsChanged?.();
    } catch (error) {
      await undo();
      throw error;
    }
    const lost = published?.conflicts?.find((c) => c.host === domain.host && c.dropped.appId === row.id);
    if (lost) {
      await undo();
      await deps.onDomainsChanged?.().catch(() => {});
      throw new ConflictError(
        `The domain ${domain.host} is served by ${await routeOwner(deps, lost.kept)} already; nothing was changed.`,
      );
    }
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

/** "the app NAME", or the route's id for a route no app owns (a static route, the console). */
async function routeOwner(deps: ApiDeps, route: { id: string; appId?: string | null }): Promise<string> {
  const app = route.appId ? await deps.stores.apps.findById(route.appId) : undefined;
  return app ? `the app ${app.name}` : `the route ${route.id}`;
}

/**
 * 409 unless `host` is free for `app`: not an app's or preview's generated host, not another
 * app's domain, not routed by anything else.
 */
async function refuseTakenHost(deps: ApiDeps, app: AppRow, host: string): Promise<void> {
  const generated = deps.baseDomain ? generatedHostApp(host, deps.baseDomain) : null;
  const generatedFor = generated ? await deps.stores.apps.findByName(generated.app) : undefined;
  if (generated && generatedFor) {
    const whose = generatedFor.id === app.id ? app.name : `the app ${generatedFor.name}`;
    throw new ConflictError(
      `${host} is the address pier gives ${generated.preview ? `a preview of ${whose}` : whose}: choose a domain outside ${deps.baseDomain}, or another name under it.`,
    );
  }
  const attached = await deps.stores.domains.findByHost(host);
  if (attached?.appId === app.id)
    throw new ConflictError(`The domain ${host} is attached to ${app.name} already.`);
  if (attached) {
    const owner = (await deps.stores.apps.findById(attached.appId))?.name ?? attached.appId;
    throw new ConflictError(
      `The domain ${host} is attached to the app ${owner}: remove it there first (pier domains remove ${host} --app ${owner}).`,
    );
  }
  const routed = (await deps.routePublisher?.collect?.())?.find((route) => route.host === host);
  if (routed)
    throw new ConflictError(
      `${host} is served by ${await routeOwner(deps, routed)} already: remove that first, or choose another domain.`,
    );
}

/** 409 when APP.BASE_DOMAIN, or a preview host of the app, is another app's custom domain. */
async function refuseNameOfDomain(deps: ApiDeps, name: string): Promise<void> {
  if (!deps.baseDomain) return;
  const base = deps.baseDomain;
  const taken = (await deps.stores.domains.listAll()).find(
    (domain) => generatedHostApp(domain.host, base)?.app === name,
  );
  if (!taken) return;
  const owner = (await deps.stores.apps.findById(taken.appId))?.name ?? taken.appId;
  throw new ConflictError(
    `An app named "${name}" would answer at ${taken.host}, which is a custom domain of the app ${owner}: choose another name, or remove the domain first (pier domains remove ${taken.host} --app ${owner}).`,
  );
}
