import type { AppRow } from "@pier/db";
import { isUniqueViolation } from "@pier/db";
import type { PierContext } from "@pier/platform";
import type { z } from "zod";
import type { projectView } from "./http/contract.ts";
import type { ErrorsService } from "./service.ts";
import type { ProjectRow } from "./store/tables.ts";

export interface AppProjects {
  ensure(app: Pick<AppRow, "id" | "name">): Promise<ProjectRow>;
  describe(project: ProjectRow): Promise<z.input<typeof projectView>>;
  /** DSN for the SDK inside or in front of an app: through an app host's `/_pier/` when given. */
  dsn(project: ProjectRow, appHost?: string | null): string;
}

/** Projects that belong to apps, and the DSNs pier hands out for them. */
export function appProjects(ctx: PierContext, service: ErrorsService): AppProjects {
  const console = new URL(ctx.consoleUrl);
  const httpPort = ctx.config.httpPort === 80 ? "" : `:${ctx.config.httpPort}`;

  function dsn(project: ProjectRow, appHost?: string | null): string {
    if (appHost)
      return service.dsn(project, { protocol: "http", host: `${appHost}${httpPort}`, path: "/_pier" });
    return service.dsn(project, {
      protocol: console.protocol === "https:" ? "https" : "http",
      host: console.host,
      path: console.pathname.replace(/\/$/, ""),
    });
  }

  return {
    dsn,
    async ensure(app) {
      const existing = await service.projects.byApp(app.id);
      if (existing) return existing;
      try {
        return await service.projects.create({ name: app.name, appId: app.id });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Either a concurrent ensure won, or a standalone project already uses the app's name.
        const raced = await service.projects.byApp(app.id);
        if (raced) return raced;
        return service.projects.create({ name: `${app.name}-app-${app.id.slice(-4)}`, appId: app.id });
      }
    },
    async describe(project) {
      const hosts = project.appId
        ? (await ctx.stores.domains.listForApp(project.appId)).map((d) => d.host)
        : [];
      return {
        id: project.id,
        name: project.name,
        appId: project.appId,
        platform: project.platform,
        publicKey: project.publicKey,
        rateLimitPerMinute: project.rateLimitPerMinute,
        webhookUrl: project.webhookUrl,
        webhookSecretSet: project.webhookSecretSealed !== null,
        scrubbing: { enabled: project.scrubData, fields: project.scrubFields, dropIp: project.scrubIp },
        createdAt: project.createdAt.getTime(),
        dsn: dsn(project),
        appHostDsns: Object.fromEntries(hosts.map((h) => [h, dsn(project, h)])),
        stats: service.stats.get(project.id),
      };
    },
  };
}
