import { expect, test } from "bun:test";
import { schemaShape } from "@pier/db";
import * as pg from "./pg.ts";
import * as sqlite from "./sqlite.ts";

// The store is typed against sqlite.ts and runs unchanged on pg.ts; that only holds while both
// files declare the same tables with the same column names.
test("sqlite and pg schemas declare the same tables and columns", () => {
  expect(schemaShape(pg)).toEqual(schemaShape(sqlite));
});
