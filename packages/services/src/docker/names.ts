/**
 * Names and labels of what pier creates on the Docker Engine for services. Pure. Docker names
 * allow [a-zA-Z0-9_.-]; service and app names are already [a-z0-9-].
 */
export const serviceLabels = {
  service: "pier.service",
  kind: "pier.service.kind",
  instance: "pier.instance",
  /** Short-lived helpers (volume snapshots, restores): swept at start. */
  helper: "pier.service.helper",
} as const;

export const serviceContainerName = (service: string) => `pier-svc-${service}`;
export const serviceVolumeName = (service: string) => `pier-svc-${service}-data`;
/** Each service sits alone on its own network until linked: nothing else on the Engine reaches it. */
export const serviceNetworkName = (service: string) => `pier-svc-${service}`;
/** The private network an app's replicas share with the services linked to it. */
export const appNetworkName = (app: string) => `pier-app-${app}`;
