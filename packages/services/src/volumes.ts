import { NotFoundError } from "@pier/core";
import type { ServiceBackups } from "./backups.ts";
import type { ServicesContext } from "./context.ts";
import { BackupUnusableError } from "./errors.ts";
import type { BackupRow } from "./store.ts";

/** Docker's label on the volumes the deploy engine creates for `[[volumes]]` (see @pier/deploy). */
const appLabel = "pier.volume.app";
const nameLabel = "pier.volume.name";

/**
 * Apps' named volumes (created by the deploy engine for `[[volumes]]`): listing, snapshots and
 * restores. The helper that reads or writes a volume uses the image of a container that mounts
 * it (an app release, so it is on this machine) or the app's newest image.
 */
export class AppVolumes {
  constructor(
    private readonly ctx: ServicesContext,
    private readonly backups: ServiceBackups,
  ) {}

  dockerName(app: string, volume: string): string {
    return this.ctx.deps.capabilities.appRuntime?.volumeName(app, volume) ?? `pier-vol-${app}-${volume}`;
  }

  async list(): Promise<{ app: string; name: string; volume: string; createdAt: string | null }[]> {
    const { Volumes } = await this.ctx.docker.listVolumes({ filters: { label: [appLabel] } });
    return (Volumes ?? [])
      .map((v) => ({
        app: v.Labels?.[appLabel] ?? "",
        name: v.Labels?.[nameLabel] ?? v.Name,
        volume: v.Name,
        createdAt: (v as { CreatedAt?: string }).CreatedAt ?? null,
      }))
      .sort((a, b) => `${a.app}/${a.name}`.localeCompare(`${b.app}/${b.name}`));
  }

  private async locate(app: string, volume: string): Promise<{ dockerVolume: string; image: string }> {
    const dockerVolume = this.dockerName(app, volume);
    const docker = this.ctx.docker;
    try {
      await docker.getVolume(dockerVolume).inspect();
    } catch {
      throw new NotFoundError("Volume", `${app}/${volume}`);
    }
    const users = await docker.listContainers({ all: true, filters: { volume: [dockerVolume] } });
    const image =
      users[0]?.Image ??
      (await docker.listImages({ filters: { reference: [`pier/${app}`] } }))[0]?.RepoTags?.[0];
    if (!image) throw new NotFoundError("Image of app", app);
    return { dockerVolume, image };
  }

  async backup(app: string, volume: string): Promise<BackupRow> {
    const { dockerVolume, image } = await this.locate(app, volume);
    return this.backups.backupVolume(app, volume, dockerVolume, image);
  }

  async restore(app: string, volume: string, backupId: string): Promise<void> {
    const { dockerVolume, image } = await this.locate(app, volume);
    const backup = await this.backups.find(backupId);
    if (backup.volume !== dockerVolume)
      throw new BackupUnusableError(`Backup ${backupId} is not a snapshot of ${app}/${volume}.`);
    await this.backups.restoreAppVolume(backup, dockerVolume, image);
  }
}
