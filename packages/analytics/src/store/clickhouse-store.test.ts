import { afterAll, describe } from "bun:test";
import { testClickHouse } from "../../../../test/support/clickhouse.ts";
import { knownDataset } from "../testing/known-dataset.ts";
import { liveEvents } from "../testing/live-events.ts";
import { storeContract } from "../testing/store-contract.ts";
import { ClickHouseAnalyticsStore } from "./clickhouse-store.ts";

const clickhouse = await testClickHouse("analytics_test");
const DAY = 86_400_000;
const now = Date.now();
const firstDay = (Math.floor(now / DAY) - 5) * DAY;

let opened: ClickHouseAnalyticsStore | undefined;
async function open() {
  if (!opened) {
    opened = await ClickHouseAnalyticsStore.open({
      url: clickhouse.url,
      database: clickhouse.freshDatabase(),
    });
    const records = knownDataset("shop", firstDay);
    for (let i = 0; i < records.length; i += 500) await opened.write(records.slice(i, i + 500));
    await opened.write(liveEvents("shop", now));
  }
  return { store: opened, now, firstDay };
}

afterAll(async () => {
  await opened?.close();
  await clickhouse.dropDatabases();
});

describe.skipIf(!clickhouse.available)("clickhouse store", () => {
  storeContract("clickhouse", open);
});
