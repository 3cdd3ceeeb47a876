import { ConflictError, NotFoundError, newId } from "@pier/core";
import { type AppRow, isUniqueViolation } from "@pier/db";
import type { ApiEnv } from "@pier/http";
import { findAppOr404, readBody, readParam, requireScope } from "@pier/http";
import { Hono } from "hono";
import type { ApiDeps } from "../context.ts";
import { addDomainBody, createAppBody, hostSchema } from "../schemas.ts";

function presentApp(app: AppRow) {
  return { id: app.id, name: app.name, defaultBranch: app.defaultBranch, createdAt: app.createdAt };
}

export function appRoutes(deps: ApiDeps) {
  const app = new Hono<ApiEnv>();

  app.get("/", requireScope("read"), async (c) => {
    const apps = await deps.stores.apps.list();
    return c.json({ apps: apps.map(presentApp) });
  });

  app.post("/", requireScope("write"), async (c) => {
    const body = await readBody(c, createAppBody);
    try {
      const row = await deps.stores.apps.create({ id: newId("app"), ...body });
      return c.json({ app: presentApp(row) }, 201);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`An app named "${body.name}" already exists.`);
      throw error;
    }
  });

  app.get("/:name", requireScope("read"), async (c) => {
    const row = await findAppOr404(deps.stores, c.req.param("name"));
    const domains = await deps.stores.domains.listForApp(row.id);
    return c.json({ app: { ...presentApp(row), domains: domains.map((d) => d.host) } });
  });

  app.delete("/:name", requireScope("write"), async (c) => {
    const row = await findAppOr404(deps.stores, c.req.param("name"));
    await deps.stores.apps.deleteByName(row.name);
    return c.json({ ok: true, name: row.name });
  });

  app.get("/:name/domains", requireScope("read"), async (c) => {
    const row = await findAppOr404(deps.stores, c.req.param("name"));
    const domains = await deps.stores.domains.listForApp(row.id);
    return c.json({
      domains: domains.map((d) => ({
        host: d.host,
        createdAt: d.createdAt,
        tls: deps.certificates?.status(d.host) ?? null,
      })),
    });
  });

  app.post("/:name/domains", requireScope("write"), async (c) => {
    const row = await findAppOr404(deps.stores, c.req.param("name"));
    const body = await readBody(c, addDomainBody);
    try {
      const domain = await deps.stores.domains.add({ id: newId("dom"), appId: row.id, host: body.host });
      // A self-signed certificate at once, a real one in the background when ACME is on.
      await deps.certificates?.ensure(domain.host);
      await deps.onDomainsChanged?.();
      return c.json({ domain: { host: domain.host, app: row.name, createdAt: domain.createdAt } }, 201);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`The domain ${body.host} is already attached to an app.`);
      throw error;
    }
  });

  app.delete("/:name/domains/:host", requireScope("write"), async (c) => {
    await findAppOr404(deps.stores, c.req.param("name"));
    const host = readParam(c.req.param("host"), hostSchema, "host");
    if (!(await deps.stores.domains.remove(host))) throw new NotFoundError("Domain", host);
    await deps.certificates?.remove(host);
    await deps.onDomainsChanged?.();
    return c.json({ ok: true, host });
  });

  app.get("/:name/deployments", requireScope("read"), async (c) => {
    const row = await findAppOr404(deps.stores, c.req.param("name"));
    const deployments = await deps.stores.deployments.listForApp(row.id);
    return c.json({ deployments });
  });

  return app;
}
