import type { Stores } from "@pier/db";
import type { SecretBox } from "@pier/secrets";

/** Set by pier for every replica; an app's own value would silently lose. */
export const reservedEnvKeys = new Set(["PORT", "HOST"]);

export const maskedValue = "••••••";

/**
 * The env of one environment: app-wide values, then that environment's overrides. Decrypted here,
 * right before the replicas start, and nowhere else.
 */
export async function resolveEnvVars(
  stores: Stores,
  secretBox: SecretBox,
  appId: string,
  environment: string,
): Promise<Record<string, string>> {
  const rows = await stores.envVars.listForApp(appId);
  const out: Record<string, string> = {};
  for (const scope of ["", environment]) {
    for (const row of rows) {
      if (row.environment === scope) out[row.key] = await secretBox.decrypt(row.valueSealed);
    }
  }
  return out;
}

export interface EnvVarView {
  key: string;
  value: string;
  secret: boolean;
  /** "" for every environment. */
  environment: string;
  updatedAt: Date;
}

export async function listEnvVars(
  stores: Stores,
  secretBox: SecretBox,
  appId: string,
): Promise<EnvVarView[]> {
  const rows = await stores.envVars.listForApp(appId);
  return Promise.all(
    rows.map(async (row) => ({
      key: row.key,
      value: row.secret ? maskedValue : await secretBox.decrypt(row.valueSealed),
      secret: row.secret,
      environment: row.environment,
      updatedAt: row.updatedAt,
    })),
  );
}

/**
 * When each variable an environment gets was last set (epoch ms), recorded with a release so two
 * releases can be compared by key without keeping any value: a changed time is a changed variable.
 */
export function envVersions(
  rows: { key: string; environment: string; updatedAt: Date }[],
  environment: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const scope of ["", environment]) {
    for (const row of rows) if (row.environment === scope) out[row.key] = row.updatedAt.getTime();
  }
  return out;
}

export interface EnvChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Keys added, removed and set again between two releases' envVersions. Pure. */
export function diffEnvVersions(from: Record<string, number>, to: Record<string, number>): EnvChanges {
  const added = Object.keys(to).filter((k) => !(k in from));
  const removed = Object.keys(from).filter((k) => !(k in to));
  const changed = Object.keys(to).filter((k) => k in from && from[k] !== to[k]);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}
