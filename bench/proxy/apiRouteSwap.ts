/**
 * Route swap through the API with 10,000 routes stored: the wall time of `POST /api/v1/routes`
 * (store the route, collect the table from every route provider, diff, publish, wait for every
 * worker's ack) and of `DELETE /api/v1/routes/:id`, against the compiled binary.
 *   make build && bun bench/proxy/apiRouteSwap.ts [--runs 100]
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startPier } from "../../test/support/pier-process.ts";
import { percentile } from "./routeSwap.ts";

export interface ApiRouteSwapFigures {
  create: number[];
  remove: number[];
  /** The proxy pool's own part of each create: from the publish call to the last ack. */
  poolAck: number[];
}

const TOKEN = "pier_bench_route_swap_token_0123456789";

export async function measureApiRouteSwap(
  routes: number,
  runs: number,
  workers: number,
): Promise<ApiRouteSwapFigures> {
  // Stored straight into the database: 10,000 POSTs would each publish a growing table.
  const seed = await startPier({ args: ["--proxy-workers", "0"] });
  await seed.stop();
  const db = new Database(join(seed.dataDir, "pier.db"));
  const insert = db.prepare(
    "INSERT INTO routes (id, host, path_prefix, upstreams, options) VALUES (?, ?, '/', ?, '{}')",
  );
  db.transaction(() => {
    for (let i = 0; i < routes; i++)
      insert.run(`rt_bench${i}`, `app${i}.bench.test`, `["http://127.0.0.1:${10_000 + (i % 1000)}"]`);
  })();
  db.close();

  const pier = await startPier({
    dataDir: seed.dataDir,
    args: ["--proxy-workers", String(workers)],
    env: { PIER_ADMIN_TOKEN: TOKEN, PIER_LOG_LEVEL: "warn" },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const res = await fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { route?: { id: string }; published?: { ackMs: number } };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return { ms: performance.now() - started, json };
  };
  const figures: ApiRouteSwapFigures = { create: [], remove: [], poolAck: [] };
  try {
    for (let i = 0; i < runs + 5; i++) {
      const created = await call("POST", "/api/v1/routes", {
        host: `new${i}.bench.test`,
        upstreams: [`http://127.0.0.1:${20_000 + i}`],
      });
      const removed = await call("DELETE", `/api/v1/routes/${created.json.route!.id}`);
      if (i < 5) continue; // warm-up
      figures.create.push(created.ms);
      figures.remove.push(removed.ms);
      figures.poolAck.push(created.json.published!.ackMs);
    }
  } finally {
    await pier.stop();
  }
  return figures;
}

export function describeApiRouteSwap(f: ApiRouteSwapFigures, routes: number, workers: number): string {
  const fmt = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${percentile(xs, 100).toFixed(1)} ms`;
  return (
    `Through the API of the compiled binary with ${routes.toLocaleString("en")} routes stored and ${workers} workers (${f.create.length} runs each; wall time of the HTTP call, which answers after every worker acknowledged): ` +
    `\`POST /api/v1/routes\` ${fmt(f.create)} (of which the proxy pool's publish-to-last-ack ${fmt(f.poolAck)}); \`DELETE /api/v1/routes/:id\` ${fmt(f.remove)}.`
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "100" }, routes: { type: "string", default: "10000" } },
  });
  const workers = navigator.hardwareConcurrency;
  const routes = Number(values.routes);
  console.log(
    describeApiRouteSwap(await measureApiRouteSwap(routes, Number(values.runs), workers), routes, workers),
  );
}
