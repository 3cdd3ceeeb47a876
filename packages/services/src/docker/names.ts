/**
 * Names and labels of what pier creates on the Docker Engine for services. Pure. Docker names
 * allow [a-zA-Z0-9_.-]; service and app names are already [a-z0-9-].
 */
export const serviceLabels = {
  service: "pier.service",
  kind: "pier.service.kind",
  /** Which pier (data dir) created it: the same key as deploy's, so two piers on one Engine tell theirs apart. */
  instance: "pier.instance",
  /** On an app's network: the app it is for (the same key as on the app's containers). */
  app: "pier.app",
  /** Short-lived helpers (volume snapshots, restores): swept at start. */
  helper: "pier.service.helper",
  /**
   * Which pier created a service's container, data volume or helper. Not `pier.instance`: deploy's
   * replica watch and the logs collector follow every container carrying that one as an app's replica.
   */
  serviceInstance: "pier.service.instance",
} as const;

export const serviceContainerName = (service: string) => `pier-svc-${service}`;
export const serviceVolumeName = (service: string) => `pier-svc-${service}-data`;
/** Each service sits alone on its own network until linked: nothing else on the Engine reaches it. */
export const serviceNetworkName = (service: string) => `pier-svc-${service}`;
/** The private network an app's replicas share with the services linked to it. */
export const appNetworkPrefix = "pier-app-";
export const appNetworkName = (app: string) => `${appNetworkPrefix}${app}`;

/**
 * An app network's labels. Networks made before pier labelled them have none: only `apps delete`
 * removes those (by exact name), never the sweep, which cannot tell them from another pier's.
 */
export const appNetworkLabels = (app: string, instance: string): Record<string, string> => ({
  [serviceLabels.instance]: instance,
  [serviceLabels.app]: app,
});
