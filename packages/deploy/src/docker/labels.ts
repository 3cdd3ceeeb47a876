/** Labels pier puts on every image and container it creates; adoption after a restart relies on them. */
export const labelKeys = {
  app: "pier.app",
  env: "pier.env",
  deployment: "pier.deployment",
  replica: "pier.replica",
  port: "pier.port",
  /** Which pier (data dir) owns a container: two piers on one Engine must not adopt or remove each other's. */
  instance: "pier.instance",
  /** When an image was built, in epoch ms: the Engine's own Created has whole seconds only. */
  builtAt: "pier.built-at",
  /** On one-off containers (release command, pier run, cron): what started it. Never routed. */
  oneOff: "pier.one-off",
} as const;

export function pierLabels(values: {
  app: string;
  deploymentId: string;
  env?: string;
  replica?: number;
  port?: number;
  instance?: string;
}): Record<string, string> {
  const labels: Record<string, string> = {
    [labelKeys.app]: values.app,
    [labelKeys.deployment]: values.deploymentId,
  };
  if (values.env !== undefined) labels[labelKeys.env] = values.env;
  if (values.replica !== undefined) labels[labelKeys.replica] = String(values.replica);
  if (values.port !== undefined) labels[labelKeys.port] = String(values.port);
  if (values.instance !== undefined) labels[labelKeys.instance] = values.instance;
  return labels;
}

/**
 * The Docker volume of an app's `[[volumes]]` entry: one per app and name, shared by its
 * environments' replicas and kept across releases, rollbacks and the app's deletion.
 */
export function appVolumeName(app: string, volume: string): string {
  return `pier-vol-${app}-${volume}`;
}
