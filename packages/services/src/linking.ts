import { ConflictError, NotFoundError, newId } from "@pier/core";
import { dumpCommand, mysqlIdent, mysqlStatement, pgIdent, psql, restoreCommand } from "./commands.ts";
import type { ServicesContext } from "./context.ts";
import { execChecked, execOutput } from "./docker/exec.ts";
import { appNetworkName, appNetworkPrefix, serviceContainerName, serviceLabels } from "./docker/names.ts";
import {
  connectToNetwork,
  disconnectFromNetwork,
  ensureAppNetwork,
  networkInstance,
  removeNetwork,
} from "./docker/service-containers.ts";
import { type Credentials, kindSpec, type ServiceKind } from "./kinds.ts";
import { connectionUrl, type PreviewDatabase, previewDatabaseName } from "./links.ts";
import type { LinkRow, ServiceRow } from "./store.ts";

export interface EnvironmentRef {
  name: string;
  kind: "production" | "preview";
}

/**
 * Links between services and apps: the private network they share and the connection URL in the
 * app's env (read by the deploy engine through the `services` capability at every deploy, so a
 * rollback or restart gets them too). Linking and unlinking restart the app's live releases.
 */
export class ServiceLinks {
  constructor(private readonly ctx: ServicesContext) {}

  async link(
    name: string,
    appName: string,
    envVar?: string,
  ): Promise<{ link: LinkRow; restarting: string[] }> {
    const row = await this.ctx.find(name);
    const app = await this.ctx.deps.stores.apps.findByName(appName);
    if (!app) throw new NotFoundError("App", appName);
    if (await this.ctx.store.links.find(row.id, app.id))
      throw new ConflictError(`${name} is linked to ${appName} already.`);
    const variable = envVar ?? kindSpec(row.kind as ServiceKind).linkVar;
    for (const other of await this.ctx.store.links.forApp(app.id)) {
      if (other.envVar === variable) {
        throw new ConflictError(
          `${appName} gets ${variable} from another service already; give this link another name (--var REDIS_URL, --var CACHE_URL…).`,
        );
      }
    }
    await this.ctx.refuseForeign(row);
    const docker = this.ctx.docker;
    const network = await ensureAppNetwork(docker, app.name, this.ctx.instance);
    await connectToNetwork(docker, serviceContainerName(row.name), network, row.name);
    const link = await this.ctx.store.links.insert({
      id: newId("lnk"),
      serviceId: row.id,
      appId: app.id,
      appName: app.name,
      envVar: variable,
    });
    this.ctx.logger.info("service linked", { service: name, app: appName, envVar: variable });
    return { link, restarting: await this.restartApp(app.name) };
  }

  async unlink(name: string, appName: string): Promise<{ restarting: string[] }> {
    const row = await this.ctx.find(name);
    const link = (await this.ctx.store.links.forService(row.id)).find((l) => l.appName === appName);
    if (!link) throw new NotFoundError(`Link of ${name} to app`, appName);
    await this.dropPreviewsOf(row, link);
    await this.ctx.store.links.remove(link.id);
    const restarting = await this.restartApp(appName);
    // After the restart the app's replicas no longer need the service; until then they keep it.
    await disconnectFromNetwork(
      this.ctx.docker,
      serviceContainerName(row.name),
      appNetworkName(appName),
    ).catch((error) => this.ctx.logger.warn("service not disconnected from the app's network", { error }));
    return { restarting };
  }

  private async restartApp(app: string): Promise<string[]> {
    const deploy = this.ctx.deps.capabilities.appRuntime;
    if (!deploy) return [];
    return deploy.restartApp(app).catch((error) => {
      this.ctx.logger.warn("app not restarted after a service link change", { app, error });
      return [];
    });
  }

  /**
   * The app's linked services, each checked to be this pier's. On a Docker Engine shared with the
   * pier this one was restored from, a service's name (its DNS alias in DATABASE_URL) and the app's
   * network are the original's: an app started with them would use the original's live database.
   */
  private async ownLinkedServices(links: LinkRow[]): Promise<{ link: LinkRow; row: ServiceRow }[]> {
    const linked: { link: LinkRow; row: ServiceRow }[] = [];
    for (const link of links) {
      const row = await this.ctx.store.services.findById(link.serviceId);
      if (!row) continue;
      await this.ctx.refuseForeign(row, link.appName);
      linked.push({ link, row });
    }
    return linked;
  }

  /**
   * The Docker networks an app's replicas join (created when missing). Throws ServiceElsewhereError
   * when a linked service or the network is another pier's; an unlabelled network (made before the
   * labels) is joined only once every linked service is found to be ours.
   */
  async networksFor(appId: string): Promise<string[]> {
    const links = await this.ctx.store.links.forApp(appId);
    if (!links.length) return [];
    await this.ownLinkedServices(links);
    return [await ensureAppNetwork(this.ctx.docker, links[0]!.appName, this.ctx.instance)];
  }

  /**
   * The env an environment of an app gets from its links. A preview gets a database of its own
   * when pier.toml says `[preview] database = "empty"` or `"copy"` (a copy of production's, made on
   * its first deploy); `"shared"` (the default) uses production's. Throws ServiceElsewhereError when
   * a linked service is another pier's: the deploy fails rather than use that pier's database.
   */
  async envFor(
    appId: string,
    environment: EnvironmentRef,
    preview: PreviewDatabase,
  ): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const { link, row } of await this.ownLinkedServices(await this.ctx.store.links.forApp(appId))) {
      const credentials = await this.ctx.credentials(row);
      const kind = row.kind as ServiceKind;
      let database = credentials.database;
      if (environment.kind === "preview" && preview !== "shared") {
        database = await this.ensurePreview(row, link, credentials, environment.name, preview);
      }
      env[link.envVar] = connectionUrl(kind, credentials, row.name, database);
    }
    return env;
  }

  private async ensurePreview(
    row: ServiceRow,
    link: LinkRow,
    credentials: Credentials,
    environment: string,
    mode: "empty" | "copy",
  ): Promise<string> {
    if (link.previews[environment]) return link.previews[environment];
    const database = previewDatabaseName(row.kind as ServiceKind, credentials, environment, link.previews);
    await this.ctx.exclusive(row.name, async () => {
      await this.ctx.refuseForeign(row);
      const docker = this.ctx.docker;
      const container = serviceContainerName(row.name);
      const kind = row.kind as ServiceKind;
      if (kind === "postgres") {
        await execChecked(
          docker,
          container,
          psql(credentials, `CREATE DATABASE ${pgIdent(database)} OWNER ${pgIdent(credentials.user)}`),
        );
        if (mode === "copy") {
          await execChecked(docker, container, restoreCommand("postgres", credentials, database), {
            stdin: execOutput(docker, container, dumpCommand("postgres", credentials)),
          });
        }
      } else if (kind === "redis") {
        await execChecked(docker, container, ["redis-cli", "-n", database, "FLUSHDB"]);
        if (mode === "copy") {
          const copy =
            "for _, key in ipairs(redis.call('KEYS', '*')) do redis.call('COPY', key, key, 'DB', ARGV[1], 'REPLACE') end return 1";
          await execChecked(docker, container, ["redis-cli", "EVAL", copy, "0", database]);
        }
      } else {
        await execChecked(
          docker,
          container,
          mysqlStatement(
            kind,
            `CREATE DATABASE ${mysqlIdent(database)}; GRANT ALL ON ${mysqlIdent(database)}.* TO '${credentials.user}'@'%'`,
          ),
        );
        if (mode === "copy") {
          await execChecked(docker, container, restoreCommand(kind, credentials, database), {
            stdin: execOutput(docker, container, dumpCommand(kind, credentials)),
          });
        }
      }
    });
    await this.ctx.store.links.setPreviews(link.id, { ...link.previews, [environment]: database });
    this.ctx.logger.info("preview database created", { service: row.name, environment, database, mode });
    return database;
  }

  /**
   * Best effort, as the link goes anyway: its preview databases, unless the service is another
   * pier's (then they are that pier's to drop).
   */
  private async dropPreviewsOf(row: ServiceRow, link: LinkRow): Promise<void> {
    const databases = Object.values(link.previews);
    if (!databases.length) return;
    const ours = await this.ctx.refuseForeign(row).then(
      () => true,
      () => false,
    );
    if (ours) for (const database of databases) await this.dropPreview(row, database).catch(() => {});
  }

  /** In the service's queue, after checking it is this pier's: a removed environment, the sweep. */
  private dropPreviewQueued(row: ServiceRow, database: string): Promise<void> {
    return this.ctx.exclusive(row.name, async () => {
      await this.ctx.refuseForeign(row);
      await this.dropPreview(row, database);
    });
  }

  /** The caller has checked the service is this pier's. */
  private async dropPreview(row: ServiceRow, database: string): Promise<void> {
    const docker = this.ctx.docker;
    const container = serviceContainerName(row.name);
    const kind = row.kind as ServiceKind;
    const credentials = await this.ctx.credentials(row);
    if (kind === "postgres")
      await execChecked(
        docker,
        container,
        psql(credentials, `DROP DATABASE IF EXISTS ${pgIdent(database)} WITH (FORCE)`),
      );
    else if (kind === "redis") await execChecked(docker, container, ["redis-cli", "-n", database, "FLUSHDB"]);
    else
      await execChecked(
        docker,
        container,
        mysqlStatement(kind, `DROP DATABASE IF EXISTS ${mysqlIdent(database)}`),
      );
  }

  /**
   * A preview environment was removed (its branch deleted): its databases are dropped now, so a
   * branch pushed again soon after starts from a new one. One that cannot be dropped stays recorded
   * for the sweep to try again.
   */
  async environmentRemoved(appId: string, environment: string): Promise<void> {
    for (const link of await this.ctx.store.links.forApp(appId)) {
      const database = link.previews[environment];
      if (database === undefined) continue;
      const row = await this.ctx.store.services.findById(link.serviceId);
      if (!row) continue;
      try {
        await this.dropPreviewQueued(row, database);
      } catch (error) {
        this.ctx.logger.warn("preview database not dropped; the sweep tries again", {
          service: row.name,
          database,
          error,
        });
        continue;
      }
      const { [environment]: _dropped, ...kept } = link.previews;
      await this.ctx.store.links.setPreviews(link.id, kept);
      this.ctx.logger.info("preview database dropped", { service: row.name, environment, database });
    }
  }

  /** An app was deleted (its replicas are gone): its links, preview databases and network go now. */
  async appRemoved(appId: string, appName: string): Promise<void> {
    for (const link of await this.ctx.store.links.forApp(appId)) await this.dropLinkOfDeletedApp(link);
    await this.removeAppNetwork(appName);
  }

  /** The service stays, and leaves the app's network. */
  private async dropLinkOfDeletedApp(link: LinkRow): Promise<void> {
    const row = await this.ctx.store.services.findById(link.serviceId);
    if (row) {
      await this.dropPreviewsOf(row, link);
      await disconnectFromNetwork(
        this.ctx.docker,
        serviceContainerName(row.name),
        appNetworkName(link.appName),
      ).catch(() => {});
    }
    await this.ctx.store.links.remove(link.id);
  }

  /** Ours, or unlabelled (made before pier labelled networks); another pier's of the same app name stays. */
  private async removeAppNetwork(app: string): Promise<void> {
    const network = appNetworkName(app);
    const docker = this.ctx.docker;
    try {
      const owner = await networkInstance(docker, network);
      if (owner !== null && owner !== this.ctx.instance) return;
      if (await removeNetwork(docker, network)) return;
      this.ctx.logger.warn(
        owner
          ? "network of a deleted app is still in use; the sweep removes it later"
          : `network of a deleted app is still in use; it predates pier's network labels, so the sweep leaves it: remove it with docker network rm ${network} once its containers are gone`,
        { network },
      );
    } catch (error) {
      this.ctx.logger.warn("network of a deleted app not removed; the sweep tries again", { network, error });
    }
  }

  /**
   * App networks whose app is gone: left in use at the deletion, or orphaned while pier was down.
   * Only this pier's (labelled with its instance): another pier on this Engine (a restored copy, a
   * test instance) has apps this one does not know. Unlabelled ones, made before pier labelled its
   * networks, may be another's too: only `apps delete` removes those, by their exact name.
   */
  private async sweepAppNetworks(): Promise<void> {
    const networks = await this.ctx.docker.listNetworks({
      filters: { name: [appNetworkPrefix], label: [`${serviceLabels.instance}=${this.ctx.instance}`] },
    });
    for (const network of networks) {
      if (!network.Name.startsWith(appNetworkPrefix)) continue;
      if (await this.ctx.deps.stores.apps.findByName(network.Name.slice(appNetworkPrefix.length))) continue;
      await removeNetwork(this.ctx.docker, network.Name).catch(() => false);
    }
  }

  /** Preview databases whose environment is gone (branch deleted, app deleted) are dropped. */
  async sweepPreviews(): Promise<number> {
    let dropped = 0;
    for (const link of await this.ctx.store.links.all()) {
      if (!(await this.ctx.deps.stores.apps.findById(link.appId))) {
        await this.dropLinkOfDeletedApp(link);
        continue;
      }
      const names = Object.keys(link.previews);
      if (!names.length) continue;
      const row = await this.ctx.store.services.findById(link.serviceId);
      if (!row) continue;
      const kept: Record<string, string> = {};
      for (const [environment, database] of Object.entries(link.previews)) {
        if (await this.ctx.deps.stores.environments.findByName(link.appId, environment)) {
          kept[environment] = database;
          continue;
        }
        await this.dropPreviewQueued(row, database)
          .then(() => dropped++)
          .catch((error) => {
            kept[environment] = database;
            this.ctx.logger.warn("preview database not dropped", { service: row.name, database, error });
          });
      }
      await this.ctx.store.links.setPreviews(link.id, kept);
    }
    await this.sweepAppNetworks().catch((error) =>
      this.ctx.logger.warn("networks of deleted apps not swept", { error }),
    );
    return dropped;
  }
}
