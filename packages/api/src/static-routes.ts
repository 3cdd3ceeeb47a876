import type { RouteRow } from "@pier/db";
import { type RouteSpec, routeSpecSchema } from "@pier/proxy/spec";

function specOf(row: RouteRow): RouteSpec {
  return routeSpecSchema.parse({
    ...row.options,
    id: row.id,
    host: row.host,
    pathPrefix: row.pathPrefix,
    upstreams: row.upstreams,
    appId: row.appId ?? undefined,
  });
}

/**
 * Static route rows are never updated (only created and deleted), so their parsed specs are kept
 * by id: a publish with 10,000 stored routes reads the ids and parses only the new rows, and the
 * proxy's differ sees the same objects again (a map lookup each instead of a serialisation).
 */
export function cachedStaticRoutes(store: {
  listIds(): Promise<string[]>;
  getMany(ids: string[]): Promise<RouteRow[]>;
}): () => Promise<RouteSpec[]> {
  let cache = new Map<string, RouteSpec>();
  return async () => {
    const ids = await store.listIds();
    const missing = ids.filter((id) => !cache.has(id));
    const next = new Map<string, RouteSpec>();
    for (const id of ids) {
      const spec = cache.get(id);
      if (spec !== undefined) next.set(id, spec);
    }
    for (const row of await store.getMany(missing)) next.set(row.id, specOf(row));
    cache = next;
    return [...next.values()];
  };
}
