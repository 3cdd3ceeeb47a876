import { expect, test } from "bun:test";
import { previewSlug } from "./preview-slug.ts";

test("branch names become DNS-safe preview labels", () => {
  expect(previewSlug("feature/Login-Page", "shop")).toBe("feature-login-page");
  expect(previewSlug("fix--double__under", "shop")).toBe("fix-double-under");
  expect(previewSlug("///", "shop")).toBe("branch");
});

test("long branches are cut to fit one DNS label with the app, keeping them apart", () => {
  const a = previewSlug(`feature/${"x".repeat(80)}-a`, "my-app");
  const b = previewSlug(`feature/${"x".repeat(80)}-b`, "my-app");
  expect(`${a}--my-app`.length).toBeLessThanOrEqual(63);
  expect(a).not.toBe(b);
  expect(a).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
});
