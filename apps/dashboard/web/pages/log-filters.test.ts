import { expect, test } from "bun:test";
import { appendLines, logQuery, noFilters } from "./log-filters.ts";

test("logQuery sends only what narrows the search", () => {
  expect(logQuery(noFilters).toString()).toBe("since=24h");
  expect(
    logQuery({ grep: " boom ", level: "error", since: "", release: "dep_1" }, { limit: 500 }).toString(),
  ).toBe("grep=boom&level=error&release=dep_1&limit=500");
});

test("appendLines adds newer lines once and keeps the newest", () => {
  const line = (id: number) => ({ id });
  expect(appendLines([line(1), line(2)], [line(2), line(3)])).toEqual([line(1), line(2), line(3)]);
  const shown = [line(1)];
  expect(appendLines(shown, [line(1)])).toBe(shown);
  expect(appendLines([line(1), line(2)], [line(3), line(4)], 3)).toEqual([line(2), line(3), line(4)]);
});
