import { expect, test } from "bun:test";
import { pierOpenApi, routeGroups } from "./index.ts";

test("the whole API makes one OpenAPI document: no two routes share a name or a method and path", () => {
  const document = pierOpenApi("test") as { paths: Record<string, Record<string, { operationId: string }>> };
  const operations = Object.values(document.paths).flatMap((byMethod) => Object.values(byMethod));
  const routes = Object.values(routeGroups).flatMap((group) => Object.keys(group));
  expect(operations).toHaveLength(routes.length);
});

test("every route is under /api/v1, says what it does and who may call it", () => {
  for (const group of Object.values(routeGroups)) {
    for (const [name, route] of Object.entries(group)) {
      expect(route.path, name).toStartWith("/api/v1/");
      expect(route.summary.length, name).toBeGreaterThan(5);
      expect(["read", "deploy", "write", "admin", "public", "self"], name).toContain(route.access);
    }
  }
});
