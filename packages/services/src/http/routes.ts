import { Readable } from "node:stream";
import { ConflictError, ValidationError } from "@pier/core";
import { commandSession } from "@pier/deploy";
import { keepOpen, type RouteGroup, type SocketSession, serveRoute } from "@pier/http";
import type { Server } from "bun";
import type { ServiceBackups } from "../backups.ts";
import type { ServicesContext } from "../context.ts";
import { inspectService } from "../docker/service-containers.ts";
import { forwardTcp } from "../expose.ts";
import type { ServiceLinks } from "../linking.ts";
import { backupView } from "../presenters.ts";
import type { ServiceManager } from "../services.ts";
import type { ServiceRow } from "../store.ts";
import type { AppVolumes } from "../volumes.ts";
import { servicesRoutes as r } from "./contract.ts";

export interface ServicesApi {
  ctx: ServicesContext;
  manager: ServiceManager;
  links: ServiceLinks;
  backups: ServiceBackups;
  volumes: AppVolumes;
}

/** `/api/v1/services`. */
export function servicesRoutes(group: RouteGroup, api: ServicesApi): void {
  const { ctx, manager, links, backups } = api;

  serveRoute(group, r.listServices, async () => ({ services: await manager.list() }));

  serveRoute(group, r.createService, async ({ body }, c) => {
    keepOpen(c.env, c.req.raw);
    return { service: await manager.view(await manager.create(body)) };
  });

  serveRoute(group, r.getService, async ({ params }) => {
    const row = await ctx.find(params.service);
    const rows = await ctx.store.backups.list({ serviceName: row.name, limit: 50 });
    return { service: await manager.view(row), backups: rows.map(backupView) };
  });

  serveRoute(group, r.updateService, async ({ params, body }, c) => {
    keepOpen(c.env, c.req.raw);
    return { service: await manager.view(await manager.update(params.service, body)) };
  });

  serveRoute(group, r.deleteService, async ({ params, query }) => {
    const purge = query.purge === "true" || query.purge === "1";
    const { volumeKept } = await manager.remove(params.service, query.confirm, purge);
    return { deleted: true as const, volumeKept };
  });

  serveRoute(group, r.restartService, async ({ params }, c) => {
    keepOpen(c.env, c.req.raw);
    return { service: await manager.view(await manager.restart(params.service)) };
  });

  serveRoute(group, r.serviceLogs, async ({ params, query }) => {
    const lines = await manager.logs(params.service, query.tail);
    return new Response(lines.length ? `${lines.join("\n")}\n` : "", {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });

  serveRoute(group, r.linkService, async ({ params, body }) => {
    const { link, restarting } = await links.link(params.service, body.app, body.envVar);
    return { link: { app: link.appName, envVar: link.envVar, previews: [] }, restarting };
  });

  serveRoute(group, r.unlinkService, async ({ params }) => {
    const { restarting } = await links.unlink(params.service, params.app);
    return { ok: true as const, restarting };
  });

  serveRoute(group, r.connectService, async ({ params, query }, c) => {
    const { container, command } = await manager.connectInfo(params.service);
    const session = commandSession(
      ctx.docker,
      { kind: "exec", containerId: container, command },
      { tty: query.tty === "1", cols: query.cols, rows: query.rows },
    );
    const server = c.env as unknown as Server<SocketSession>;
    session.stillValid = c.get("principal").stillValid;
    if (!server.upgrade(c.req.raw, { data: session }))
      throw new ValidationError("This route speaks WebSocket: connect with pier services connect.");
    return new Response(null, { status: 101 });
  });

  serveRoute(group, r.exposeService, async ({ params, body }, c) => {
    const row = await ctx.find(params.service);
    const state = await inspectService(ctx.docker, row.name);
    if (!state.address) throw new Error(`${row.name} is not running (${state.health}); start it first`);
    const [hostname, port] = body.address.split(":") as [string, string];
    const { port: servicePort } = await manager.view(row);
    const forward = openForward(
      { hostname, port: Number(port) },
      { hostname: state.address, port: servicePort },
    );
    const { url } = await manager.connectInfo(row.name, { host: hostname, port: forward.port });
    keepOpen(c.env, c.req.raw);
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          encoder.encode(
            `${row.name} is reachable at ${url} until this request ends (${body.minutes} min at most)\n`,
          ),
        );
        const close = () => {
          clearTimeout(timer);
          clearInterval(beat);
          forward.close();
          try {
            controller.close();
          } catch {}
        };
        const timer = setTimeout(close, body.minutes * 60_000);
        const beat = setInterval(() => {
          try {
            controller.enqueue(encoder.encode("."));
          } catch {
            close();
          }
        }, 5_000);
        c.req.raw.signal.addEventListener("abort", close, { once: true });
      },
    });
    return new Response(stream, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });

  serveRoute(group, r.listBackups, async ({ params }) => {
    const row = await ctx.find(params.service);
    const rows = await ctx.store.backups.list({ serviceName: row.name, limit: 200 });
    return { backups: rows.map(backupView) };
  });

  serveRoute(group, r.createBackup, async ({ params, body }, c) => {
    keepOpen(c.env, c.req.raw);
    const backup = await backups.backupService(params.service, {
      trigger: "manual",
      snapshot: body.snapshot,
    });
    if (backup.status !== "ok") {
      return c.json(
        { error: { code: "backup_failed", message: `Backup ${backup.id} failed: ${backup.error}` } },
        502,
      );
    }
    return { backup: backupView(backup) };
  });

  serveRoute(group, r.downloadBackup, async ({ params }, c) => {
    keepOpen(c.env, c.req.raw);
    const backup = await backups.find(params.backup, params.service);
    const { stream, filename } = await backups.download(backup);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${filename}"`,
      },
    });
  });

  serveRoute(group, r.restoreService, async ({ params, body }, c) => {
    keepOpen(c.env, c.req.raw);
    // Any backup may go into any service of its kind (a copy of production into staging); a
    // deleted service's backups stay listed under its name and go into a new one with `to`.
    const backup = await backups.find(body.backup);
    let row: ServiceRow;
    if (body.to) {
      const kind = backup.kind as "postgres" | "mysql" | "mariadb" | "redis";
      const version = body.version ?? backup.version;
      backups.checkCompatible(backup, { kind: backup.kind, version, name: body.to });
      row = await manager.create({ name: body.to, kind, version }, { restoring: true });
      try {
        await backups.restoreInto(row, backup);
      } catch (error) {
        // Nothing half-created: the new service goes again.
        await manager.remove(row.name, row.name, true).catch(() => {});
        throw error;
      }
    } else {
      row = await ctx.find(params.service);
      backups.checkCompatible(backup, row);
      await backups.restoreInto(row, backup);
    }
    ctx.logger.info("service restored", { service: row.name, backup: backup.id });
    return { service: await manager.view(row), restoredFrom: backupView(backup) };
  });
}

/** `/api/v1/volumes`: apps' named volumes and their snapshots. */
export function volumesRoutes(group: RouteGroup, api: ServicesApi): void {
  const { ctx } = api;

  serveRoute(group, r.listVolumes, async () => ({ volumes: await api.volumes.list() }));

  serveRoute(group, r.listVolumeBackups, async ({ params }) => {
    const rows = await ctx.store.backups.list({ appName: params.app, limit: 200 });
    const volume = api.volumes.dockerName(params.app, params.volume);
    return { backups: rows.filter((b) => b.volume === volume).map(backupView) };
  });

  serveRoute(group, r.backupVolume, async ({ params }, c) => {
    keepOpen(c.env, c.req.raw);
    const backup = await api.volumes.backup(params.app, params.volume);
    if (backup.status !== "ok") {
      return c.json(
        { error: { code: "backup_failed", message: `Backup ${backup.id} failed: ${backup.error}` } },
        502,
      );
    }
    return { backup: backupView(backup) };
  });

  serveRoute(group, r.restoreVolume, async ({ params, body }, c) => {
    keepOpen(c.env, c.req.raw);
    await api.volumes.restore(params.app, params.volume, body.backup);
    return { ok: true as const };
  });
}

/** forwardTcp, with a port taken on the server said so plainly. */
function openForward(...args: Parameters<typeof forwardTcp>): ReturnType<typeof forwardTcp> {
  try {
    return forwardTcp(...args);
  } catch (error) {
    const { hostname, port } = args[0];
    throw new ConflictError(
      `${hostname}:${port} cannot be listened on at the server (${(error as Error).message}); pick another port.`,
    );
  }
}
