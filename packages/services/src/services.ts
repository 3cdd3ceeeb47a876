import { ConflictError, newId, ValidationError } from "@pier/core";
import { tailContainerLogs } from "@pier/deploy";
import { clientCommand } from "./commands.ts";
import { generatePassword, memoryBytes, type ServicesContext } from "./context.ts";
import { serviceContainerName, serviceNetworkName, serviceVolumeName } from "./docker/names.ts";
import {
  type ContainerState,
  inspectService,
  removeNetwork,
  removeServiceContainer,
  removeVolume,
} from "./docker/service-containers.ts";
import {
  DockerUnavailableError,
  ServiceElsewhereError,
  ServiceNameTakenError,
  UnsupportedVersionError,
} from "./errors.ts";
import type { CreateServiceInput, UpdateServiceInput } from "./http/schemas.ts";
import {
  type Credentials,
  kindSpec,
  type ServiceKind,
  sqlIdentifier,
  upgradeDecision,
  versionSeries,
} from "./kinds.ts";
import { connectionUrl } from "./links.ts";
import { type ServiceView, serviceView } from "./presenters.ts";
import { serviceImage } from "./settings.ts";
import type { ServiceRow } from "./store.ts";

/** Creating, changing, restarting and deleting services; what the API and the CLI show of them. */
export class ServiceManager {
  constructor(private readonly ctx: ServicesContext) {}

  /** The version a kind runs when none is asked for, checked against the series pier knows. */
  resolveVersion(kind: ServiceKind, version: string | undefined): { version: string; series: string } {
    const spec = kindSpec(kind);
    const wanted = version ?? spec.defaultVersion;
    const series = versionSeries(kind, wanted);
    if (!series) throw new UnsupportedVersionError(spec.label, wanted, spec.series);
    return { version: wanted, series };
  }

  /**
   * Container, volume, network and sealed credentials; answers once the health check passes.
   * Anything that fails on the way is removed again: a failed create leaves nothing behind.
   */
  async create(input: CreateServiceInput, options: { restoring?: boolean } = {}): Promise<ServiceRow> {
    const kind = input.kind;
    const { version, series } = this.resolveVersion(kind, input.version);
    if (await this.ctx.store.services.find(input.name)) throw new ServiceNameTakenError(input.name);
    await this.ctx.docker.ping().catch(() => {
      throw new DockerUnavailableError();
    });
    await this.refuseLeftovers(input.name);
    const spec = kindSpec(kind);
    const identifier = sqlIdentifier(input.name);
    const credentials: Credentials = {
      user: identifier,
      password: generatePassword(),
      database: identifier,
      rootPassword: generatePassword(),
    };
    const backup = input.backup ?? {};
    const row = await this.ctx.store.services
      .insert({
        id: newId("svc"),
        name: input.name,
        kind,
        version,
        image: serviceImage(kind, version, series),
        memoryBytes: memoryBytes(input.memory ?? spec.defaultMemory),
        credentialsSealed: await this.ctx.sealCredentials(credentials),
        createdByInstance: this.ctx.instance,
        status: "creating",
        backupSchedule: backup.schedule ?? null,
        backupKeep: backup.keep ?? 7,
        backupTarget: backup.target && backup.target !== "local" ? backup.target : null,
        backupEncrypt: backup.encrypt ?? false,
      })
      .catch((error) => {
        // Two creates of one name at once: the unique index decides.
        if (/unique|duplicate/i.test(String(error))) throw new ServiceNameTakenError(input.name);
        throw error;
      });
    try {
      await this.ctx.exclusive(row.name, () => this.ctx.startContainer(row, { apps: [] }));
    } catch (error) {
      await this.destroy(row, { purge: true, bestEffort: true });
      throw error;
    }
    this.ctx.logger.info("service created", {
      service: row.name,
      kind,
      version,
      restoring: options.restoring,
    });
    return (await this.ctx.store.services.update(row.id, { status: "running", lastError: null }))!;
  }

  /**
   * A container or data volume of this name on the Engine is not ours to take over or remove: one
   * of another pier, or the volume a deleted service left (initialised with other credentials).
   */
  private async refuseLeftovers(name: string): Promise<void> {
    const docker = this.ctx.docker;
    const container = serviceContainerName(name);
    const volume = serviceVolumeName(name);
    const exists = (inspect: Promise<unknown>) =>
      inspect.then(
        () => true,
        () => false,
      );
    if (await exists(docker.getContainer(container).inspect()))
      throw new ConflictError(
        `A container named ${container} exists on this Docker Engine already (another pier, or a leftover): pick another name, or remove it with docker rm -f ${container}.`,
      );
    if (await exists(docker.getVolume(volume).inspect()))
      throw new ConflictError(
        `The data volume ${volume} of an earlier service named ${name} is still here (it was deleted without --purge): pick another name, or remove the volume first with docker volume rm ${volume}.`,
      );
  }

  async update(name: string, input: UpdateServiceInput): Promise<ServiceRow> {
    const row = await this.ctx.find(name);
    const kind = row.kind as ServiceKind;
    const changes: Partial<ServiceRow> = {};
    if (input.backup) {
      if (input.backup.schedule !== undefined) changes.backupSchedule = input.backup.schedule;
      if (input.backup.keep !== undefined) changes.backupKeep = input.backup.keep;
      if (input.backup.target !== undefined)
        changes.backupTarget = input.backup.target === "local" ? null : input.backup.target;
      if (input.backup.encrypt !== undefined) changes.backupEncrypt = input.backup.encrypt;
    }
    let recreate = false;
    if (input.memory !== undefined) {
      changes.memoryBytes = memoryBytes(input.memory);
      recreate = changes.memoryBytes !== row.memoryBytes;
    }
    if (input.version !== undefined && input.version !== row.version) {
      const { version, series } = this.resolveVersion(kind, input.version);
      const decision = upgradeDecision(kind, row.version, version, row.name);
      if (!decision.ok) throw new ConflictError(decision.message);
      changes.version = version;
      changes.image = serviceImage(kind, version, series);
      recreate = true;
    }
    if (!recreate) return (await this.ctx.store.services.update(row.id, changes))!;
    return this.ctx.exclusive(row.name, async () => {
      await this.ctx.refuseForeign(row);
      const next = { ...row, ...changes } as ServiceRow;
      // Same volume, new container: the data files are read by the new version as they are.
      await removeServiceContainer(this.ctx.docker, row.name);
      try {
        await this.ctx.startContainer(next);
      } catch (error) {
        this.ctx.logger.warn("service change failed; starting the previous container again", {
          service: row.name,
          error,
        });
        await this.ctx.startContainer(row).catch(() => {});
        throw error;
      }
      return (await this.ctx.store.services.update(row.id, {
        ...changes,
        status: "running",
        lastError: null,
      }))!;
    });
  }

  async restart(name: string): Promise<ServiceRow> {
    const row = await this.ctx.find(name);
    return this.ctx.exclusive(row.name, async () => {
      await this.ctx.refuseForeign(row);
      await this.ctx.startAgain(row, { restart: true });
      return (await this.ctx.store.services.update(row.id, { status: "running", lastError: null }))!;
    });
  }

  /** `confirm` must repeat the name; linked apps must be unlinked first (they would lose their database). */
  async remove(name: string, confirm: string, purge: boolean): Promise<{ volumeKept: string | null }> {
    const row = await this.ctx.find(name);
    if (confirm !== name)
      throw new ValidationError(`Type the service's name to delete it: confirm=${name} (got "${confirm}").`);
    const apps = await this.ctx.linkedApps(row);
    if (apps.length) {
      throw new ConflictError(
        `${name} is linked to ${apps.join(", ")}; unlink first (pier services unlink ${name} --app ${apps[0]}).`,
      );
    }
    const { forgotten } = await this.ctx.exclusive(row.name, () => this.destroy(row, { purge }));
    this.ctx.logger.info("service deleted", { service: name, purge });
    // Another pier's volume is not this one's to point at for `docker volume rm`.
    return { volumeKept: purge || forgotten ? null : serviceVolumeName(name) };
  }

  /**
   * Container, network, (volume) and row. After a failed create everything is tried and the row
   * goes whatever the Engine says: a service that never worked must not stay listed. Another
   * pier's container and volume of the same name stay: without --purge only the row goes.
   */
  private async destroy(
    row: ServiceRow,
    options: { purge: boolean; bestEffort?: boolean },
  ): Promise<{ forgotten: boolean }> {
    if (!options.bestEffort) {
      const foreign = await this.ctx.refuseForeign(row).then(
        () => null,
        (error) => {
          if (error instanceof ServiceElsewhereError) return error;
          throw error;
        },
      );
      if (foreign && options.purge) throw foreign;
      if (foreign) {
        this.ctx.logger.warn("service forgotten; its container and volume are another pier's and stay", {
          service: row.name,
        });
        await this.ctx.store.services.remove(row.id);
        return { forgotten: true };
      }
    }
    const docker = this.ctx.docker;
    const step = (work: Promise<unknown>) =>
      options.bestEffort
        ? work.catch((error) =>
            this.ctx.logger.warn("leftover of a failed service", { service: row.name, error }),
          )
        : work;
    try {
      await step(removeServiceContainer(docker, row.name));
      await step(removeNetwork(docker, serviceNetworkName(row.name)));
      if (options.purge) await step(removeVolume(docker, serviceVolumeName(row.name)));
    } finally {
      if (options.bestEffort) await this.ctx.store.services.remove(row.id);
    }
    if (!options.bestEffort) await this.ctx.store.services.remove(row.id);
    return { forgotten: false };
  }

  async state(row: ServiceRow): Promise<ContainerState | null> {
    return inspectService(this.ctx.docker, row.name).catch(() => null);
  }

  async view(row: ServiceRow): Promise<ServiceView> {
    const [state, links, backups] = await Promise.all([
      this.state(row),
      this.ctx.liveLinks(row),
      this.ctx.store.backups.list({ serviceName: row.name, limit: 20 }),
    ]);
    const last = backups.find((b) => b.source === "service");
    const lastScheduled = backups.find((b) => b.trigger === "schedule");
    return serviceView(row, state, links, last, lastScheduled?.startedAt ?? null);
  }

  async list(): Promise<ServiceView[]> {
    return Promise.all((await this.ctx.store.services.list()).map((row) => this.view(row)));
  }

  async logs(name: string, tail: number): Promise<string[]> {
    const row = await this.ctx.find(name);
    return tailContainerLogs(this.ctx.docker, serviceContainerName(row.name), tail);
  }

  /** The container and client of `connect`; `url` as reached at `at` (an --expose address). */
  async connectInfo(
    name: string,
    at?: { host: string; port: number },
  ): Promise<{ container: string; command: string[]; url: string }> {
    const row = await this.ctx.find(name);
    await this.ctx.refuseForeign(row);
    const credentials = await this.ctx.credentials(row);
    const kind = row.kind as ServiceKind;
    return {
      container: serviceContainerName(row.name),
      command: clientCommand(kind, credentials),
      url: at
        ? connectionUrl(kind, credentials, at.host, credentials.database, at.port)
        : connectionUrl(kind, credentials, row.name),
    };
  }
}
