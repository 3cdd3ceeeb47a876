import { statSync } from "node:fs";
import { join } from "node:path";
import { type Logger, ValidationError } from "@pier/core";
import type { Stores } from "@pier/db";
import {
  DeployQueue,
  ensureImage,
  loadOrCreateInstanceId,
  parseMemory,
  tailContainerLogs,
} from "@pier/deploy";
import type { Capabilities } from "@pier/platform";
import type { SecretBox } from "@pier/secrets";
import type Docker from "dockerode";
import type { BackupStorage } from "./backup/storage.ts";
import { serviceContainerName } from "./docker/names.ts";
import { refuseForeign } from "./docker/ownership.ts";
import {
  type ServiceContainerSpec,
  startServiceContainer,
  waitHealthy,
} from "./docker/service-containers.ts";
import { ServiceNotFoundError, ServiceStartError } from "./errors.ts";
import type { Credentials, ServiceKind } from "./kinds.ts";
import type { ServicesSettings } from "./settings.ts";
import type { LinkRow, ServiceRow, ServicesStore } from "./store.ts";

/** What the services subsystem's parts share (services, links, backups, the watch). */
export class ServicesContext {
  /** One operation per service at a time: a backup never races a restore, restart or upgrade. */
  private readonly queue = new DeployQueue();
  private instanceId: string | undefined;

  constructor(
    readonly deps: {
      store: ServicesStore;
      stores: Stores;
      secretBox: SecretBox;
      docker: () => Docker;
      settings: ServicesSettings;
      dataDir: string;
      logger: Logger;
      capabilities: Readonly<Capabilities>;
      storage: BackupStorage;
      /** How long a new or restarted container may take to pass its health check. */
      healthyTimeoutMs?: number;
    },
  ) {}

  get store() {
    return this.deps.store;
  }
  get docker(): Docker {
    return this.deps.docker();
  }
  get logger() {
    return this.deps.logger;
  }
  /**
   * This pier's id: `pier.instance` on the networks it sweeps, `pier.service.instance` on its
   * service containers, volumes and helpers.
   */
  get instance(): string {
    this.instanceId ??= loadOrCreateInstanceId(this.deps.dataDir);
    return this.instanceId;
  }

  /**
   * Who created the services recorded before pier kept that: this pier, unless this process had to
   * make the data dir's instance id. `pier backup restore` drops the id, so such a data dir is a
   * restored copy (of a backup older than the record): its services' unlabelled containers may be
   * the original pier's, running on this Engine, and "unknown" keeps this one off them.
   */
  unrecordedCreator(): string {
    const instance = this.instance;
    const made = statSync(join(this.deps.dataDir, "instance-id")).mtimeMs;
    return made >= performance.timeOrigin ? "unknown" : instance;
  }

  /**
   * Throws ServiceElsewhereError when the service's container or volume is another pier's. Checked
   * once where an operation starts; the container primitives below take it as done. With `app`:
   * for a deploy of that app, linked to the service.
   */
  async refuseForeign(row: ServiceRow, app?: string): Promise<void> {
    await refuseForeign(this.docker, row, this.instance, app);
  }

  exclusive<T>(service: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(service, task);
  }

  isBusy(service: string): boolean {
    return this.queue.isBusy(service);
  }

  async find(name: string): Promise<ServiceRow> {
    const row = await this.store.services.find(name);
    if (!row) throw new ServiceNotFoundError(name);
    return row;
  }

  async credentials(row: ServiceRow): Promise<Credentials> {
    return JSON.parse(await this.deps.secretBox.decrypt(row.credentialsSealed)) as Credentials;
  }

  async sealCredentials(credentials: Credentials): Promise<string> {
    return this.deps.secretBox.encrypt(JSON.stringify(credentials));
  }

  /** The service's links, by whether their app still exists. */
  private async splitLinks(row: ServiceRow): Promise<{ live: LinkRow[]; gone: LinkRow[] }> {
    const live: LinkRow[] = [];
    const gone: LinkRow[] = [];
    for (const link of await this.store.links.forService(row.id))
      ((await this.deps.stores.apps.findById(link.appId)) ? live : gone).push(link);
    return { live, gone };
  }

  /**
   * Links of apps that still exist, for display. Links of deleted apps are left for the sweep, which
   * drops their preview databases and network with them.
   */
  async liveLinks(row: ServiceRow): Promise<LinkRow[]> {
    return (await this.splitLinks(row)).live;
  }

  /** Apps linked to the service; links of apps deleted since are dropped on the way. */
  async linkedApps(row: ServiceRow): Promise<string[]> {
    const { live, gone } = await this.splitLinks(row);
    for (const link of gone) await this.store.links.remove(link.id);
    return live.map((link) => link.appName);
  }

  /** A clean shutdown that keeps the container: started again it is on the same networks. */
  async stopContainer(row: ServiceRow): Promise<void> {
    try {
      await this.docker.getContainer(serviceContainerName(row.name)).stop({ t: 30 });
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw error;
    }
  }

  /**
   * Starts (or restarts) the container pier already has, recreating it only when it is gone, and
   * waits for its health check. The same container keeps its name on every network; a new one
   * would also get a new address there, which apps that cache DNS lookups dial for a while.
   */
  async startAgain(row: ServiceRow, options: { restart?: boolean } = {}): Promise<void> {
    const docker = this.docker;
    const container = docker.getContainer(serviceContainerName(row.name));
    try {
      if (options.restart) await container.restart({ t: 30 });
      else await container.start();
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code === 404) return this.startContainer(row);
      if (code !== 304) throw error;
    }
    await waitHealthy(docker, row.name, this.deps.healthyTimeoutMs ?? 120_000, () =>
      tailContainerLogs(docker, serviceContainerName(row.name), 20),
    ).catch((error: Error) => {
      throw new ServiceStartError(error.message);
    });
  }

  /** Creates and starts the container of `row` and waits for its health check; removes it on failure. */
  async startContainer(
    row: ServiceRow,
    options: { image?: string; commandOverride?: string[]; apps?: string[] } = {},
  ): Promise<void> {
    const docker = this.docker;
    const image = options.image ?? row.image;
    await ensureImage(docker, image).catch((error: Error) => {
      throw new ServiceStartError(
        `${error.message}. On a machine without a registry, build a local image and point pier at it with PIER_SERVICE_IMAGE_${row.kind.toUpperCase()}_${row.version.replaceAll(".", "_")}=IMAGE.`,
      );
    });
    const spec: ServiceContainerSpec = {
      name: row.name,
      kind: row.kind as ServiceKind,
      image,
      credentials: await this.credentials(row),
      memoryBytes: row.memoryBytes,
      healthIntervalMs: this.deps.settings.healthIntervalMs,
      apps: options.apps ?? (await this.linkedApps(row)),
      commandOverride: options.commandOverride,
    };
    const containerName = serviceContainerName(row.name);
    try {
      await startServiceContainer(docker, spec, this.instance);
      await waitHealthy(docker, row.name, this.deps.healthyTimeoutMs ?? 120_000, () =>
        tailContainerLogs(docker, containerName, 20),
      );
    } catch (error) {
      // A name taken by a container that is not this one (409) is left alone.
      if ((error as { statusCode?: number }).statusCode !== 409)
        await docker
          .getContainer(containerName)
          .remove({ force: true })
          .catch(() => {});
      if ((error as { statusCode?: number }).statusCode === 409) {
        throw new ServiceStartError(
          `A container named ${containerName} exists already on this Docker Engine (another pier, or a leftover): remove it with docker rm -f ${containerName}.`,
        );
      }
      throw error instanceof ServiceStartError ? error : new ServiceStartError((error as Error).message);
    }
  }
}

/** 32 letters and digits: safe in URLs, shells and SQL without quoting, ~190 bits. */
export function generatePassword(length = 32): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = "";
  for (const byte of bytes) {
    // 248 = 4 * 62: values above are dropped so every character is equally likely.
    if (byte < 248) out += alphabet[byte % 62];
    if (out.length === length) break;
  }
  return out.length === length ? out : generatePassword(length);
}

/** `--memory 512m` -> bytes; "none" -> null. */
export function memoryBytes(value: string): number | null {
  if (value === "none") return null;
  const bytes = parseMemory(value);
  if (bytes === null || bytes < 32 * 1024 * 1024) {
    throw new ValidationError(
      `memory "${value}" is too small or unreadable: give at least 32m, e.g. 512m or 1g`,
    );
  }
  return bytes;
}
