import { kindSpec, type ServiceKind } from "./kinds.ts";

/**
 * The image of a kind and version: `PIER_SERVICE_IMAGE_<KIND>_<VERSION>` (dots as `_`, e.g.
 * `PIER_SERVICE_IMAGE_MARIADB_10_11=pier-base/mariadb:10.11`), else the same setting for the
 * version's series (`PIER_SERVICE_IMAGE_POSTGRES_16` also serves 16.4), else the official image
 * tagged with the version. Machines without a registry point these at local images.
 */
export function serviceImage(
  kind: ServiceKind,
  version: string,
  series: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const key = (v: string) => `PIER_SERVICE_IMAGE_${kind.toUpperCase()}_${v.replaceAll(".", "_")}`;
  return env[key(version)] || env[key(series)] || `${kindSpec(kind).officialImage}:${version}`;
}

export interface ServicesSettings {
  /** How long a service may stay down (exited or unhealthy) before the channels hear of it. */
  downAfterMs: number;
  /** Health check cadence of the containers (Docker's HEALTHCHECK). */
  healthIntervalMs: number;
  /**
   * S3-compatible storage for `s3://` backup targets: the same PIER_BACKUP_S3_* settings as
   * platform backups (@pier/backup); Bun's S3 client falls back to S3_* and AWS_*.
   */
  s3: {
    endpoint?: string;
    region?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
  };
}

export function servicesSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): ServicesSettings {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    downAfterMs: number(env.PIER_SERVICE_DOWN_AFTER_MS, 15_000),
    healthIntervalMs: number(env.PIER_SERVICE_HEALTH_INTERVAL_MS, 5_000),
    s3: {
      endpoint: env.PIER_BACKUP_S3_ENDPOINT || undefined,
      region: env.PIER_BACKUP_S3_REGION || undefined,
      accessKeyId: env.PIER_BACKUP_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.PIER_BACKUP_S3_SECRET_ACCESS_KEY || undefined,
      sessionToken: env.PIER_BACKUP_S3_SESSION_TOKEN || undefined,
    },
  };
}
