/** What the log view asks the store for; "" means not narrowed. */
export interface LogFilters {
  grep: string;
  level: "" | "debug" | "info" | "warn" | "error";
  since: "" | "15m" | "1h" | "6h" | "24h" | "7d";
  release: string;
}

export const noFilters: LogFilters = { grep: "", level: "", since: "24h", release: "" };

/** The query of `GET /api/v1/logs/:app` and its `/tail` for these filters (pure). */
export function logQuery(filters: LogFilters, extra: Record<string, string | number> = {}): URLSearchParams {
  const query = new URLSearchParams();
  const grep = filters.grep.trim();
  if (grep) query.set("grep", grep);
  if (filters.level) query.set("level", filters.level);
  if (filters.since) query.set("since", filters.since);
  if (filters.release.trim()) query.set("release", filters.release.trim());
  for (const [key, value] of Object.entries(extra)) query.set(key, String(value));
  return query;
}

/** Lines shown at most: the oldest go first when live lines come in. */
export const keepLines = 2000;

/** Appends live lines to what is shown, oldest first, without repeating an id; keeps `keep`. */
export function appendLines<T extends { id: number }>(
  shown: readonly T[],
  incoming: readonly T[],
  keep = keepLines,
): T[] {
  const last = shown.at(-1)?.id ?? 0;
  const fresh = incoming.filter((l) => l.id > last);
  if (fresh.length === 0) return shown as T[];
  const merged = [...shown, ...fresh];
  return merged.length > keep ? merged.slice(merged.length - keep) : merged;
}
