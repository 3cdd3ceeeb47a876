import { expect, test } from "bun:test";
import { schemaShape } from "@pier/db";
import * as pg from "./pg.ts";
import * as sqlite from "./sqlite.ts";

test("analytics settings: sqlite and pg schemas declare the same columns", () => {
  expect(schemaShape(pg)).toEqual(schemaShape(sqlite));
});
