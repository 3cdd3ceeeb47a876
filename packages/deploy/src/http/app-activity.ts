import type { DeploymentRow } from "@pier/db";
import { diffEnvVersions, type EnvChanges } from "../engine/env-vars.ts";

/**
 * Requests per bucket for a sparkline: `buckets` buckets of `bucketMs` ending with the one that
 * holds `now`, oldest first; the minutes given are summed into them. Pure.
 */
export function bucketCounts(
  minutes: { minute: Date; requests: number }[],
  buckets: number,
  bucketMs: number,
  now: number,
): number[] {
  const counts = new Array<number>(buckets).fill(0);
  const end = Math.floor(now / bucketMs) * bucketMs;
  const start = end - (buckets - 1) * bucketMs;
  for (const { minute, requests } of minutes) {
    const at = minute.getTime();
    if (at < start || at >= end + bucketMs) continue;
    const index = Math.floor((at - start) / bucketMs);
    counts[index] = (counts[index] ?? 0) + requests;
  }
  return counts;
}

/** The bucket width for a window: 48 buckets over a day, whole minutes, at least one. Pure. */
export function bucketMinutesFor(hours: number): number {
  return Math.max(1, Math.round((hours * 60) / 48));
}

/** What changed in env vars between two deployments, or null when either predates env versions. Pure. */
export function envChangesBetween(from: DeploymentRow, to: DeploymentRow): EnvChanges | null {
  const a = from.meta.envVersions as Record<string, number> | undefined;
  const b = to.meta.envVersions as Record<string, number> | undefined;
  if (!a || !b) return null;
  return diffEnvVersions(a, b);
}
