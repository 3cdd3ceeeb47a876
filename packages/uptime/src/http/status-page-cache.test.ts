import { expect, test } from "bun:test";
import type { StatusPages } from "../status-page/status-pages.ts";
import { publicStatusHandlers } from "./status-pages-routes.ts";

test("public status pages are revalidated on every view: no stale outage after recovery", async () => {
  let state = "Major outage";
  const pages = {
    render: async () => ({ html: `<h1>${state}</h1>`, model: { overall: state } }),
  } as unknown as StatusPages;
  const handlers = publicStatusHandlers(pages);
  const first = await handlers.bySlug(new Request("http://pier/status/shop"))!;
  expect(first.headers.get("cache-control")).toBe("public, no-cache");
  const etag = first.headers.get("etag")!;
  const again = await handlers.bySlug(
    new Request("http://pier/status/shop", { headers: { "if-none-match": etag } }),
  )!;
  expect(again.status).toBe(304);
  state = "All systems operational";
  const recovered = await handlers.bySlug(
    new Request("http://pier/status/shop", { headers: { "if-none-match": etag } }),
  )!;
  expect(recovered.status).toBe(200);
  expect(await recovered.text()).toContain("operational");
  const json = await handlers.bySlug(new Request("http://pier/status/shop.json"))!;
  expect(json.headers.get("cache-control")).toBe("public, no-cache");
  expect(await json.json()).toEqual({ overall: "All systems operational" });
});
