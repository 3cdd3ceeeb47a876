import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { jsonApi, type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// The error-tracking pages of the dashboard in Chromium: the issue list, an issue with its stack
// trace, breadcrumbs and tags, and resolving it, checked against the API.
const enabled = chromiumAvailable();
const token = `pier_errdash${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
let browser: Browser;
let page: Page;

const api = jsonApi(() => pier, token);

const event = (user: string) => ({
  level: "error",
  platform: "node",
  release: "shop@1.4.0",
  environment: "production",
  user: { id: user },
  tags: { region: "eu-west" },
  breadcrumbs: [{ timestamp: Date.now() / 1000, category: "http", message: "POST /api/cart 500" }],
  exception: {
    values: [
      {
        type: "TypeError",
        value: "Cannot read properties of undefined (reading 'price')",
        stacktrace: {
          frames: [
            {
              filename: "/app/node_modules/express/lib/router.js",
              function: "handle",
              lineno: 284,
              in_app: false,
            },
            {
              filename: "/app/src/cart.ts",
              function: "totalPrice",
              lineno: 42,
              colno: 17,
              in_app: true,
              pre_context: ["export function totalPrice(items) {"],
              context_line: "  return items.reduce((sum, i) => sum + i.product.price, 0);",
              post_context: ["}"],
            },
          ],
        },
      },
    ],
  },
});

beforeAll(async () => {
  if (!enabled) return;
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  watchPage(page);
});
afterAll(async () => {
  await browser?.close();
  await pier?.stop();
}, 20_000);

test("the Errors page lists issues; an issue shows its stack trace, breadcrumbs, tags and can be resolved", async () => {
  if (!enabled) return;
  const { project } = await api<{ project: { id: number; publicKey: string } }>(
    "POST",
    "/api/v1/errors/projects",
    {
      name: "shop",
    },
  );
  for (const user of ["u1", "u2"]) {
    const res = await fetch(`${pier.url}/api/${project.id}/store/?sentry_key=${project.publicKey}`, {
      method: "POST",
      body: JSON.stringify(event(user)),
    });
    expect(res.status).toBe(200);
  }

  await page.goto(pier.url);
  await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
  await page.getByLabel("Setup code").fill(pier.setupCode());
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await page.getByRole("heading", { name: "Apps" }).waitFor();

  await page.getByRole("link", { name: "Errors", exact: true }).click();
  const row = page.getByTestId("error-issues").getByRole("row", { name: /TypeError/ });
  await row.waitFor();
  expect(await row.textContent()).toContain("totalPrice(/app/src/cart.ts)");
  expect(await row.getByRole("cell").nth(2).textContent()).toBe("shop"); // the project column
  await page.getByLabel("Level").selectOption("warning");
  await page.getByText("No issues match these filters.").waitFor();
  await page.getByLabel("Level").selectOption("error");
  await page.getByLabel("Search titles").fill("cannot read");
  await row.waitFor();
  await shoot(page, "flow-error-issues");

  await row.getByRole("link").click();
  await page.getByTestId("issue-title").waitFor();
  expect(await page.getByTestId("issue-title").textContent()).toBe(
    "TypeError: Cannot read properties of undefined (reading 'price')",
  );
  const trace = page.getByTestId("stack-trace");
  expect(await trace.locator("li.frame.in-app").count()).toBe(1);
  expect(await trace.locator("li.frame").count()).toBe(1); // library frames hidden by default
  expect(await trace.textContent()).toContain("i.product.price");
  await trace.getByLabel("show library frames").check();
  expect(await trace.locator("li.frame").count()).toBe(2);
  expect(await page.getByTestId("breadcrumbs").textContent()).toContain("POST /api/cart 500");
  await page.getByTestId("issue-events-chart").locator("canvas").waitFor();
  await page.getByTestId("issue-events").getByRole("button", { name: "Show" }).first().click();
  await page
    .getByTestId("event-detail")
    .getByRole("heading", { name: /^Event / })
    .waitFor();
  expect(await page.getByTestId("event-detail").textContent()).toContain("i.product.price");
  expect(await page.getByTestId("issue-tags").textContent()).toContain("eu-west (100%)");
  await shoot(page, "flow-error-issue");

  await page.getByRole("button", { name: "Resolve" }).click();
  await page.getByTestId("issue-status").getByText("resolved").waitFor();
  const id = new URL(page.url()).pathname.split("/").at(-1)!;
  const { issue } = await api<{ issue: { status: string; usersCount: number } }>(
    "GET",
    `/api/v1/errors/issues/${id}`,
  );
  expect(issue).toMatchObject({ status: "resolved", usersCount: 2 });

  // Bulk: a second issue, then everything unresolved ignored at once from the list.
  const other = {
    ...event("u3"),
    exception: { values: [{ type: "RangeError", value: "Invalid array length" }] },
  };
  const res = await fetch(`${pier.url}/api/${project.id}/store/?sentry_key=${project.publicKey}`, {
    method: "POST",
    body: JSON.stringify(other),
  });
  expect(res.status).toBe(200);
  await page.getByRole("link", { name: "Errors", exact: true }).click();
  await page
    .getByTestId("error-issues")
    .getByRole("row", { name: /RangeError/ })
    .waitFor();
  await page.getByLabel("Select all shown").check();
  await page.getByRole("button", { name: "Ignore selected" }).click();
  await page.getByText("No unresolved issues.", { exact: false }).waitFor();
  const ignored = await api<{ issues: { title: string }[] }>("GET", "/api/v1/errors/issues?status=ignored");
  expect(ignored.issues.map((i) => i.title)).toEqual(["RangeError: Invalid array length"]);

  // At phone width the list scrolls no page sideways.
  const narrow = await browser.newContext({
    viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState(),
  });
  const phone = await narrow.newPage();
  await phone.goto(`${pier.url}/errors/issues/${id}`);
  await phone.getByTestId("issue-title").waitFor();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shoot(phone, "flow-error-issue");
  await narrow.close();
});
