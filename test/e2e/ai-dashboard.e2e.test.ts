import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeProvider, startFakeOpenAi } from "@pier/ai-gateway/testing";
import type { Browser, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// The dashboard's AI page in Chromium: configure a provider and issue a key by clicking, call the
// gateway with that key, and see the spend appear.
const admin = { email: "ai-admin@example.com", password: "correct horse battery" };
const enabled = chromiumAvailable();
let pier: PierProcess;
let provider: FakeProvider;
let browser: Browser;
let page: Page;

async function sessionCookie(): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

describe.skipIf(!enabled)("AI page in the dashboard", () => {
  beforeAll(async () => {
    provider = startFakeOpenAi();
    pier = await startPier({ args: ["--proxy-workers", "0"] });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    watchPage(page);
    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await pier?.stop();
    provider?.stop();
  });

  test("add a provider, issue a key, and see the spend of a call", async () => {
    await page.getByRole("link", { name: "AI", exact: true }).click();
    await page.getByRole("heading", { name: "AI gateway" }).waitFor();
    await page.getByText("No AI requests in this period.").waitFor();

    await page.locator("input[name=provider-name]").fill("local");
    await page.getByLabel("Kind").selectOption("openai-compatible");
    await page.locator("input[name=provider-base-url]").fill(`${provider.url}/v1`);
    await page.locator("input[name=provider-models]").fill("gpt-4o-mini");
    await page.getByRole("button", { name: "Save provider" }).click();
    await page.getByTestId("ai-providers").getByText("local/gpt-4o-mini").waitFor();

    await page.locator("input[name=ai-key-name]").fill("browser");
    await page.locator("input[name=ai-key-budget]").fill("5");
    await page.getByRole("button", { name: "Issue key" }).click();
    const secret = (await page.getByTestId("new-ai-key").locator("pre").textContent())?.trim() ?? "";
    expect(secret).toStartWith("pier_ai_");
    await page.getByTestId("ai-keys").getByText("$5.00/month").waitFor();

    const res = await fetch(`${pier.url}/ai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "local/gpt-4o-mini",
        messages: [{ role: "user", content: "from the browser test" }],
      }),
    });
    expect(res.status).toBe(200);

    await page.locator("input[name=alias-name]").fill("smart");
    await page.locator("textarea[name=alias-targets]").fill("local/gpt-4o-mini\nlocal/gpt-4o");
    await page.getByRole("button", { name: "Save alias" }).click();
    await page.getByTestId("ai-aliases").getByText("local/gpt-4o", { exact: true }).waitFor();
    const { aliases } = (await (
      await fetch(`${pier.url}/api/v1/ai/aliases`, { headers: { cookie: await sessionCookie() } })
    ).json()) as { aliases: { name: string; targets: string[] }[] };
    expect(aliases).toEqual([{ name: "smart", targets: ["local/gpt-4o-mini", "local/gpt-4o"] }]);

    await page.reload();
    await page.getByTestId("spend-by-model").getByText("local/gpt-4o-mini").waitFor();
    expect(await page.getByTestId("ai-spend-total").textContent()).toContain("1requests");
    await page.getByTestId("ai-spend-chart").locator("canvas").waitFor();
    // The key's usage against its budget and limits.
    expect(await page.getByTestId("ai-keys").textContent()).toContain("spent this month");
    expect(await page.getByTestId("ai-keys").textContent()).toContain("1 requests");
    await shoot(page, "flow-ai-gateway");
  });
});
