/**
 * Managed services benchmark: backup and restore throughput of a PostgreSQL database of about
 * 1 GB (rows generated here), and pier's peak RSS meanwhile, next to a database ten times smaller:
 * backups are streamed, so pier's memory must not grow with the database. Writes the "Managed
 * services" section of docs/performance.md.
 *
 *   make build && bun bench/services/run.ts   (needs dockerd and pier-base/postgres:15 from
 *                                             scripts/base-images/services.sh; BENCH_SERVICES_GB)
 */
import { readdirSync, readFileSync } from "node:fs";
import { createDockerClient } from "@pier/deploy";
import { api, deployEnv } from "../../test/e2e/deploy-fixtures.ts";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const image = process.env.PIER_SERVICE_IMAGE_POSTGRES_15 || "pier-base/postgres:15";
const docker = createDockerClient();
if (
  !(await docker
    .getImage(image)
    .inspect()
    .catch(() => null))
) {
  console.error(`bench/services needs dockerd and ${image} (scripts/base-images/services.sh)`);
  process.exit(1);
}
const targetGb = Number(process.env.BENCH_SERVICES_GB ?? 1);
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
// A fresh pier for each size: the allocator keeps freed memory for 60 s (docs/operations.md,
// Memory), so a second measurement in the same process would start from the first one's peak.
const startBenchPier = () =>
  startPier({
    env: { PIER_ADMIN_TOKEN: token, ...deployEnv(), PIER_SERVICE_IMAGE_POSTGRES_15: image },
    args: ["--proxy-workers", "1"],
  });
let pier = await startBenchPier();
let call = api(pier.url, token);

/** RSS of pier and its children (`pier serve` re-executes itself with allocator settings on Linux). */
function treeRss(pid: number): number {
  let total = 0;
  try {
    total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      for (const child of children ? children.split(" ") : []) total += treeRss(Number(child));
    }
  } catch {
    // the process ended
  }
  return total;
}

/** Samples the peak RSS every 50 ms while `run` runs. */
async function withPeakRss<T>(run: () => Promise<T>): Promise<{ result: T; peak: number; ms: number }> {
  let peak = treeRss(pier.proc.pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pier.proc.pid));
  }, 50);
  const started = performance.now();
  try {
    const result = await run();
    return { result, peak: Math.max(peak, treeRss(pier.proc.pid)), ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

async function psql(service: string, sql: string): Promise<string> {
  const exec = await docker.getContainer(`pier-svc-${service}`).exec({
    Cmd: ["psql", "-U", service.replaceAll("-", "_"), "-d", service.replaceAll("-", "_"), "-qAtc", sql],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  let out = "";
  docker.modem.demuxStream(
    stream,
    { write: (chunk: Buffer) => (out += chunk.toString()) } as never,
    process.stderr,
  );
  // The exec's stream does not always end with the command: its state says when it is done.
  while ((await exec.inspect()).Running) await Bun.sleep(200);
  return out.trim();
}

const mb = (bytes: number) => bytes / 1024 / 1024;
interface Row {
  label: string;
  dbBytes: number;
  backup: { ms: number; peak: number; stored: number; raw: number };
  restore: { ms: number; peak: number };
}

async function measure(label: string, gb: number): Promise<Row & { idle: number }> {
  await pier.stop();
  pier = await startBenchPier();
  call = api(pier.url, token);
  const name = `bench-${label}`;
  const created = await call("POST", "/api/v1/services", {
    name,
    kind: "postgres",
    version: "15",
    memory: "2g",
  });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`);
  // About 206 bytes a row on disk; md5 text compresses about as well as typical table data.
  const rows = Math.round((gb * 1024 ** 3) / 206);
  console.log(`${label}: generating ${rows.toLocaleString()} rows`);
  await psql(
    name,
    `CREATE TABLE events (id bigint primary key, at timestamptz not null, kind int not null, payload text not null);
     INSERT INTO events SELECT g, now() - g * interval '1 second', g % 17,
       md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text)
       FROM generate_series(1, ${rows}) g;`,
  );
  const dbBytes = Number(await psql(name, `SELECT pg_database_size(current_database())`));
  console.log(`${label}: database ${mb(dbBytes).toFixed(0)} MiB`);
  await Bun.sleep(2000);
  const idle = treeRss(pier.proc.pid);
  const backup = await withPeakRss(() =>
    call<{ backup: { id: string; sizeBytes: number; rawBytes: number } }>(
      "POST",
      `/api/v1/services/${name}/backups`,
      {},
    ),
  );
  if (backup.result.status !== 201) throw new Error(`backup: ${JSON.stringify(backup.result.body)}`);
  const { id, sizeBytes, rawBytes } = backup.result.body.backup;
  console.log(
    `${label}: backup ${(backup.ms / 1000).toFixed(1)} s, peak RSS ${mb(backup.peak).toFixed(0)} MiB`,
  );
  await psql(name, "DROP TABLE events");
  const restore = await withPeakRss(() => call("POST", `/api/v1/services/${name}/restore`, { backup: id }));
  if (restore.result.status !== 200) throw new Error(`restore: ${JSON.stringify(restore.result.body)}`);
  const count = Number(await psql(name, "SELECT count(*) FROM events"));
  if (count !== rows) throw new Error(`restored ${count} rows, expected ${rows}`);
  console.log(
    `${label}: restore ${(restore.ms / 1000).toFixed(1)} s, peak RSS ${mb(restore.peak).toFixed(0)} MiB`,
  );
  await call("DELETE", `/api/v1/services/${name}?confirm=${name}&purge=true`);
  return {
    label,
    idle,
    dbBytes,
    backup: { ms: backup.ms, peak: backup.peak, stored: sizeBytes, raw: rawBytes },
    restore: { ms: restore.ms, peak: restore.peak },
  };
}

try {
  const results = [await measure("small", targetGb / 10), await measure("large", targetGb)];
  const lines = results.map(
    (r) =>
      `| ${mb(r.dbBytes).toFixed(0)} MiB | ${(r.backup.ms / 1000).toFixed(1)} s (${(mb(r.dbBytes) / (r.backup.ms / 1000)).toFixed(0)} MiB/s) | ${mb(r.backup.raw).toFixed(0)} → ${mb(r.backup.stored).toFixed(0)} MiB | ${mb(r.idle).toFixed(0)} MiB | ${mb(r.backup.peak).toFixed(0)} MiB | ${(r.restore.ms / 1000).toFixed(1)} s (${(mb(r.dbBytes) / (r.restore.ms / 1000)).toFixed(0)} MiB/s) | ${mb(r.restore.peak).toFixed(0)} MiB |`,
  );
  writePerformanceSection(
    "Managed services",
    `\`make bench-services\` (bench/services/run.ts): a PostgreSQL 15 service (${image}) filled with generated rows, then \`POST /api/v1/services/NAME/backups\` (pg_dump -Fc -Z0 through docker exec, gzip level 1, SHA-256, to the data dir) and \`POST /api/v1/services/NAME/restore\` (checksum check, then pg_restore into a scratch database that replaces the live one). Throughput is the database's size on disk over the wall time of the call. RSS is pier's (the serving process and its parent), sampled every 50 ms; each size runs in a fresh pier. ${machineLine()}.

| database | backup | dump → stored | pier RSS before | pier peak RSS (backup) | restore | pier peak RSS (restore) |
| --- | --- | --- | --- | --- | --- | --- |
${lines.join("\n")}

The dump streams from the container's exec connection through gzip and the hash to the file with backpressure at every step (packages/services/src/docker/demux.ts), so pier's memory stays the same for a database ten times larger; the time goes to pg_dump, gzip and pg_restore.`,
  );
  console.log(lines.join("\n"));
} finally {
  await pier.stop();
}
