import { afterAll, describe } from "bun:test";
import { knownDataset } from "../testing/known-dataset.ts";
import { liveEvents } from "../testing/live-events.ts";
import { storeContract } from "../testing/store-contract.ts";
import { ClickHouseAnalyticsStore } from "./clickhouse-store.ts";

// PIER_TEST_CLICKHOUSE_URL overrides; the default is a local clickhouse-server (Debian package).
const url = process.env.PIER_TEST_CLICKHOUSE_URL ?? "http://127.0.0.1:8123";
const DAY = 86_400_000;
const now = Date.now();
const firstDay = (Math.floor(now / DAY) - 5) * DAY;

async function reachable(): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available && process.env.CI === "true")
  throw new Error(
    `ClickHouse is required in CI but ${url} does not answer (.ci/run must start clickhouse-server).`,
  );
if (!available) console.warn(`skipping ClickHouse store tests: nothing answers at ${url}`);

let opened: ClickHouseAnalyticsStore | undefined;
async function open() {
  if (!opened) {
    opened = await ClickHouseAnalyticsStore.open({
      url,
      database: `pier_analytics_test_${process.pid}_${Math.floor(Math.random() * 1e6)}`,
    });
    const records = knownDataset("shop", firstDay);
    for (let i = 0; i < records.length; i += 500) await opened.write(records.slice(i, i + 500));
    await opened.write(liveEvents("shop", now));
  }
  return { store: opened, now, firstDay };
}

afterAll(async () => {
  await opened?.dropDatabase();
  await opened?.close();
});

describe.skipIf(!available)("clickhouse store", () => {
  storeContract("clickhouse", open);
});
