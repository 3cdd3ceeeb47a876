import { expect, test } from "bun:test";
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import * as pg from "./pg.ts";
import * as sqlite from "./sqlite.ts";

// The stores are typed against sqlite.ts and run unchanged on pg.ts; that only holds while both
// files declare the same tables with the same column names.
test("sqlite and pg schemas declare the same tables and columns", () => {
  const describe = (schema: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(schema).map(([key, table]) => [
        key,
        {
          name: getTableName(table as Table),
          columns: Object.fromEntries(
            Object.entries(getTableColumns(table as Table)).map(([k, c]) => [k, [c.name, c.notNull]]),
          ),
        },
      ]),
    );
  expect(describe(pg)).toEqual(describe(sqlite));
});
