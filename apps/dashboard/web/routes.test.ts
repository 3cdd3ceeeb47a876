import { describe, expect, test } from "bun:test";
import { navSections, parseRoute, routeHref, settingsTabs, visibleSettingsTabs } from "./routes.ts";

describe("dashboard routes", () => {
  test("known pages parse and round-trip to the same href", () => {
    for (const href of [
      "/",
      "/new",
      "/settings",
      "/login",
      "/setup",
      "/apps/shop",
      "/apps/shop?tab=env",
      "/apps/shop?tab=settings",
      "/settings?tab=users",
      "/uptime/monitors/mon_1a",
      `/errors/projects/7/replays/${"ab".repeat(16)}`,
    ]) {
      const [pathname, search] = href.split("?");
      const route = parseRoute(pathname!, search ? `?${search}` : "");
      expect(route).not.toBeNull();
      expect(routeHref(route!)).toBe(href);
    }
  });

  test("unknown tabs fall back to deployments, trailing slashes are ignored", () => {
    expect(parseRoute("/apps/shop/", "?tab=nope")).toEqual({ page: "app", name: "shop", tab: "deployments" });
    expect(parseRoute("/settings", "?tab=nope")).toEqual({ page: "settings" });
    expect(parseRoute("/settings", "?tab=general")).toEqual({ page: "settings" });
  });

  test("every page belongs to at most one section of the navigation", () => {
    const pages = navSections.flatMap((s) => s.pages);
    expect(new Set(pages).size).toBe(pages.length);
  });

  test("paths owned by the API, git and ingest are not dashboard pages", () => {
    for (const path of [
      "/api/v1/apps",
      "/git/shop.git/info/refs",
      "/_pier/script.js",
      "/healthz",
      "/apps/Bad_Name",
      "/apps/a/b",
      "/errors/projects/x/replays/abc",
    ]) {
      expect(parseRoute(path)).toBeNull();
    }
  });

  test("a member sees the settings sections whose calls need no admin", () => {
    expect(visibleSettingsTabs(true)).toEqual([...settingsTabs]);
    expect(visibleSettingsTabs(false)).toEqual(["general", "certificates", "notifications", "routes"]);
  });
});
