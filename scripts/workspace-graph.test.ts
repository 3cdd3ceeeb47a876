import { expect, test } from "bun:test";
import { findCycles, importedPackages, isTestFile } from "./workspace-graph.ts";

test("importedPackages finds bare specifiers of every import form, scoped names whole", () => {
  const text = `
import { z } from "zod";
import type { Hono } from "hono";
export { x } from "@pier/core";
import "@pier/db/side-effect";
const lazy = await import("@pier/proxy");
import { a } from "./local.ts";
import { join } from "node:path";
import { serve } from "bun";
import { Database } from "bun:sqlite";
// import { fake } from "commented-out";
/* import { also } from "block-comment"; */
const url = "http://example.com"; // a URL is not a comment start inside a string
`;
  expect([...importedPackages(text)].sort()).toEqual([
    "@pier/core",
    "@pier/db",
    "@pier/proxy",
    "hono",
    "zod",
  ]);
});

test("isTestFile: tests, testing helpers, scripts and drizzle configs", () => {
  expect(isTestFile("src/a.test.ts")).toBe(true);
  expect(isTestFile("testing/fake.ts")).toBe(true);
  expect(isTestFile("scripts/embed.ts")).toBe(true);
  expect(isTestFile("drizzle.pg.config.ts")).toBe(true);
  expect(isTestFile("src/testing.ts")).toBe(false);
  expect(isTestFile("src/store.ts")).toBe(false);
});

test("findCycles reports each cycle once and nothing for a DAG", () => {
  const dag = new Map([
    ["a", new Set(["b", "c"])],
    ["b", new Set(["c"])],
    ["c", new Set<string>()],
  ]);
  expect(findCycles(dag)).toEqual([]);
  const cyclic = new Map([
    ["analytics", new Set(["api"])],
    ["api", new Set(["proxy"])],
    ["proxy", new Set(["analytics"])],
    ["db", new Set<string>()],
  ]);
  expect(findCycles(cyclic)).toEqual([["analytics", "api", "proxy", "analytics"]]);
});
