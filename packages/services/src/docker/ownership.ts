import type Docker from "dockerode";
import { ServiceElsewhereError } from "../errors.ts";
import { serviceContainerName, serviceLabels, serviceVolumeName } from "./names.ts";

/**
 * Whose a service's container or data volume is, from its `pier.service.instance` label. Pure.
 * Unlabelled ones were made before pier labelled them: they are the pier's that created the
 * service (its row's `createdByInstance`), never a restored copy's, which has a new instance id.
 * Returns the other pier's instance, or null when it is ours.
 */
export function foreignOwner(
  label: string | undefined,
  createdByInstance: string | null,
  ours: string,
): string | null {
  if (label !== undefined) return label === ours ? null : label;
  return createdByInstance === ours ? null : (createdByInstance ?? "unknown");
}

/** The labels service containers and volumes are created with. */
export const serviceOwnerLabels = (service: string, instance: string): Record<string, string> => ({
  [serviceLabels.service]: service,
  [serviceLabels.serviceInstance]: instance,
});

const statusCode = (error: unknown) => (error as { statusCode?: number }).statusCode;

async function labelsOf(inspect: Promise<{ Labels?: Record<string, string> | null }>) {
  try {
    return (await inspect).Labels ?? {};
  } catch (error) {
    if (statusCode(error) === 404) return null;
    throw error;
  }
}

/**
 * Throws ServiceElsewhereError when the container or data volume named for `service` on this
 * Engine is another pier's (see foreignOwner); missing ones are fine (this pier creates its own).
 * With `app`, the check is for a deploy of that app linked to the service, and the error says so.
 */
export async function refuseForeign(
  docker: Docker,
  service: { name: string; createdByInstance: string | null },
  ours: string,
  app?: string,
): Promise<void> {
  const container = serviceContainerName(service.name);
  const volume = serviceVolumeName(service.name);
  const [containerLabels, volumeLabels] = await Promise.all([
    labelsOf(
      docker
        .getContainer(container)
        .inspect()
        .then((info) => ({ Labels: info.Config.Labels })),
    ),
    labelsOf(docker.getVolume(volume).inspect()),
  ]);
  for (const [kind, what, labels] of [
    ["container", container, containerLabels],
    ["volume", volume, volumeLabels],
  ] as const) {
    if (!labels) continue;
    const other = foreignOwner(labels[serviceLabels.serviceInstance], service.createdByInstance, ours);
    if (!other) continue;
    throw app
      ? ServiceElsewhereError.forLinkedApp(app, service.name, `${kind} ${what}`, other, ours)
      : ServiceElsewhereError.forService(service.name, what, other, ours);
  }
}
