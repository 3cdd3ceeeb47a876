import { afterAll, describe, expect, test } from "bun:test";
import { testClickHouse } from "../../../test/support/clickhouse.ts";
import { createBatchWriter } from "./batch-writer.ts";
import { openClickHouse } from "./open.ts";
import { selectRows } from "./select-rows.ts";

/** A write that records each batch and can be made to fail or to wait. */
function fakeWrite() {
  const batches: number[][] = [];
  let failNext: Error | null = null;
  let gate: Promise<void> = Promise.resolve();
  return {
    batches,
    failNext(error: Error) {
      failNext = error;
    },
    hold() {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    async write(rows: number[]) {
      await gate;
      if (failNext) {
        const error = failNext;
        failNext = null;
        throw error;
      }
      batches.push(rows);
    },
  };
}

describe("batching (no server)", () => {
  test("rows wait for a flush; a full batch goes out from the add that filled it", async () => {
    const sink = fakeWrite();
    const writer = createBatchWriter({ write: sink.write, maxBatch: 3, flushIntervalMs: 60_000 });
    await writer.add(1);
    await writer.add(2);
    expect(sink.batches).toEqual([]);
    expect(writer.pending).toBe(2);
    await writer.add(3);
    expect(sink.batches).toEqual([[1, 2, 3]]);
    await writer.add(4);
    await writer.flush();
    expect(sink.batches).toEqual([[1, 2, 3], [4]]);
    await writer.close();
  });

  test("batches go out one at a time, in order, and flush waits for the one in flight", async () => {
    const sink = fakeWrite();
    const writer = createBatchWriter({ write: sink.write, flushIntervalMs: 60_000 });
    const release = sink.hold();
    await writer.add(1);
    const first = writer.flush();
    await writer.add(2);
    const second = writer.flush();
    // Nothing pending, but a read must still wait for the batches in flight.
    let settled = false;
    const empty = writer.flush().then(() => {
      settled = true;
    });
    await Bun.sleep(5);
    expect(settled).toBe(false);
    release();
    await Promise.all([first, second, empty]);
    expect(sink.batches).toEqual([[1], [2]]);
    await writer.close();
  });

  test("a failed batch rejects its flush only: the next batch is written and later flushes resolve", async () => {
    const sink = fakeWrite();
    const writer = createBatchWriter({ write: sink.write, flushIntervalMs: 60_000 });
    sink.failNext(new Error("table gone"));
    await writer.add(1);
    await expect(writer.flush()).rejects.toThrow("table gone");
    await writer.flush();
    await writer.add(2);
    await writer.flush();
    expect(sink.batches).toEqual([[2]]);
    await writer.close();
  });

  test("the timer sends pending rows and reports its failures to onError, once each", async () => {
    const sink = fakeWrite();
    const errors: unknown[] = [];
    const writer = createBatchWriter({
      write: sink.write,
      flushIntervalMs: 10,
      onError: (error) => errors.push(error),
    });
    sink.failNext(new Error("server down"));
    await writer.add(1);
    await Bun.sleep(60);
    expect(errors.map((e) => (e as Error).message)).toEqual(["server down"]);
    await writer.add(2);
    await Bun.sleep(40);
    expect(sink.batches).toEqual([[2]]);
    expect(errors).toHaveLength(1);
    await writer.close();
  });

  test("close stops the timer and sends what is pending", async () => {
    const sink = fakeWrite();
    const writer = createBatchWriter({ write: sink.write, flushIntervalMs: 10 });
    await writer.add(1);
    await writer.close();
    expect(sink.batches).toEqual([[1]]);
    await writer.add(2);
    await Bun.sleep(40);
    expect(sink.batches).toEqual([[1]]);
    expect(writer.pending).toBe(1);
  });
});

const clickhouse = await testClickHouse("clickhouse_batch");
afterAll(() => clickhouse.dropDatabases());

describe.skipIf(!clickhouse.available)("on a real ClickHouse", () => {
  test("rows inserted in batches are read back after a flush; a failed insert does not stop the next", async () => {
    const database = clickhouse.freshDatabase();
    const { client } = await openClickHouse(clickhouse.url, {
      database,
      schema: (db) => [`CREATE TABLE IF NOT EXISTS ${db}.n (v UInt32) ENGINE = MergeTree() ORDER BY v`],
    });
    let table = `${database}.n`;
    const writer = createBatchWriter<{ v: number }>({
      write: (values) => client.insert({ table, format: "JSONEachRow", values }),
      maxBatch: 100,
      flushIntervalMs: 60_000,
    });
    try {
      for (let v = 1; v <= 250; v++) await writer.add({ v });
      expect(writer.pending).toBe(50);
      await writer.flush();
      const [sum] = await selectRows<{ n: string; total: string }>(
        client,
        `SELECT count() AS n, sum(v) AS total FROM ${database}.n`,
      );
      expect(sum).toEqual({ n: "250", total: String((250 * 251) / 2) });

      table = `${database}.missing`;
      await writer.add({ v: 1000 });
      await expect(writer.flush()).rejects.toThrow(/missing/);
      table = `${database}.n`;
      await writer.add({ v: 1001 });
      await writer.flush();
      expect(await clickhouse.query(`SELECT groupArray(v) FROM ${database}.n WHERE v > 250`)).toBe("[1001]");
    } finally {
      await writer.close().catch(() => {});
      await client.close();
    }
  });
});
