import type { IngestGrant } from "@pier/platform";
import type { ProjectRow } from "../store/tables.ts";
import type { KeyRateLimiter } from "./rate-limit.ts";

interface ProjectsByKey {
  get(id: number): Promise<ProjectRow | undefined>;
  byPublicKey(key: string): Promise<ProjectRow | undefined>;
}

const KEY = /^[0-9a-f]{32}$/;

/**
 * A project's public key authenticates other ingest streams too (OTLP traces, logs): the same key
 * as its DSN, so an app's SDKs need one secret. Each stream has its own bucket at the project's
 * rate, so traces cannot use up the budget of error events. Keys map to ids in memory; the id's
 * row (cached by the store, dropped on rotation) is checked again, so a rotated key stops at once.
 */
export function ingestKeyGrant(projects: ProjectsByKey, limiter: KeyRateLimiter) {
  const idByKey = new Map<string, number>();
  return async function authorizeIngest(key: string, stream: string): Promise<IngestGrant> {
    if (!KEY.test(key)) return { ok: false, reason: "invalid_key" };
    const cachedId = idByKey.get(key);
    let project = cachedId === undefined ? undefined : await projects.get(cachedId);
    if (project?.publicKey !== key) {
      idByKey.delete(key);
      project = await projects.byPublicKey(key);
      if (!project) return { ok: false, reason: "invalid_key" };
      if (idByKey.size > 10_000) idByKey.clear();
      idByKey.set(key, project.id);
    }
    const retryAfterSeconds = limiter.take(`${stream}:${key}`, project.rateLimitPerMinute);
    if (retryAfterSeconds > 0) return { ok: false, reason: "rate_limited", retryAfterSeconds };
    return { ok: true, projectId: project.id, appId: project.appId, name: project.name };
  };
}
