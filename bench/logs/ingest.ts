import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createDockerClient } from "@pier/deploy";
import { SqliteLogStore } from "@pier/logs";
import { startPier } from "../../test/support/pier-process.ts";

export interface IngestFigures {
  lines: number;
  stored: number;
  seconds: number;
  linesPerSecond: number;
  peakRssMb: number;
  idleRssMb: number;
  otlp: { seconds: number; records: number; recordsPerSecond: number; statuses: Record<string, number> };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : 0;
}

/**
 * The compiled binary collecting one container that writes `lines` JSON lines as fast as awk
 * can print them (Docker's json-file driver in between), then OTLP/JSON exports of 500 records
 * from 4 concurrent senders for `otlpSeconds`. Counts what logs.db holds at the end.
 */
export async function ingestBenchmark(
  binary: string,
  lines: number,
  otlpSeconds: number,
): Promise<IngestFigures> {
  const token = `pier_benchlogs${crypto.randomUUID().replaceAll("-", "")}`;
  const pier = await startPier({ binary, env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "1"] });
  const docker = createDockerClient();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  let container: Awaited<ReturnType<typeof docker.createContainer>> | undefined;
  try {
    await call("POST", "/api/v1/apps", { name: "flood" });
    const instance = readFileSync(join(pier.dataDir, "instance-id"), "utf8").trim();
    const idleRssMb = rssMb(pier.proc.pid);
    const program = `BEGIN{for(i=1;i<=${lines};i++) printf "{\\"level\\":\\"info\\",\\"msg\\":\\"request\\",\\"method\\":\\"GET\\",\\"path\\":\\"/cart\\",\\"status\\":200,\\"req\\":%d}\\n", i; print "flood-done"}`;
    container = await docker.createContainer({
      Image: process.env.PIER_BASE_IMAGE_DEBIAN || "pier-base/debian:bookworm",
      Cmd: ["awk", program],
      Labels: {
        "pier.app": "flood",
        "pier.env": "production",
        "pier.deployment": "dep_bench",
        "pier.replica": "0",
        "pier.instance": instance,
      },
    });
    let peakRssMb = idleRssMb;
    const sampler = setInterval(() => {
      peakRssMb = Math.max(peakRssMb, rssMb(pier.proc.pid));
    }, 250);
    const began = performance.now();
    await container.start();
    const deadline = Date.now() + 900_000;
    for (;;) {
      const found = (await call("GET", "/api/v1/logs/flood?grep=flood-done&limit=1")) as { lines: unknown[] };
      if (found.lines.length > 0) break;
      if (Date.now() > deadline) throw new Error("the last line was not stored within 15 minutes");
      await Bun.sleep(250);
    }
    const seconds = (performance.now() - began) / 1000;
    clearInterval(sampler);

    const project = (await call("PUT", "/api/v1/errors/apps/flood/project")) as {
      project: { id: number; publicKey: string };
    };
    // The project's rate limit would measure the limiter, not the store.
    await call("PATCH", `/api/v1/errors/projects/${project.project.id}`, { rateLimitPerMinute: 10_000_000 });
    const batch = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "flood" } }] },
          scopeLogs: [
            {
              logRecords: Array.from({ length: 500 }, (_, i) => ({
                timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                severityNumber: 9,
                body: { stringValue: `otlp record ${i} GET /cart 200` },
                attributes: [{ key: "req", value: { intValue: String(i) } }],
              })),
            },
          ],
        },
      ],
    });
    const statuses: Record<string, number> = {};
    let records = 0;
    const otlpBegan = performance.now();
    const stopAt = Date.now() + otlpSeconds * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < stopAt) {
          const res = await fetch(`${pier.url}/v1/logs`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-pier-key": project.project.publicKey },
            body: batch,
          });
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.ok) records += 500;
        }
      }),
    );
    const otlpElapsed = (performance.now() - otlpBegan) / 1000;
    await pier.stop();
    const store = new SqliteLogStore(join(pier.dataDir, "logs.db"));
    const stored = store.count("flood") - records;
    store.close();
    return {
      lines: lines + 1,
      stored,
      seconds,
      linesPerSecond: (lines + 1) / seconds,
      peakRssMb,
      idleRssMb,
      otlp: { seconds: otlpElapsed, records, recordsPerSecond: records / otlpElapsed, statuses },
    };
  } finally {
    await container?.remove({ force: true }).catch(() => {});
    await pier.stop().catch(() => 0);
  }
}
