import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createDockerClient, listPierContainers } from "@pier/deploy";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import {
  chromiumAvailable,
  horizontalOverflow,
  launchChromium,
  retryOnNetworkChange,
  shoot,
  variantContext,
  variants,
  watchPage,
} from "./dashboard-browser.ts";
import { requireDocker } from "./deploy-fixtures.ts";

// The dashboard through the compiled binary, driven by Debian's Chromium: what a user clicks,
// checked against what the API then says. One pier and one browser for the whole file.
const adminToken = `pier_dash${crypto.randomUUID().replaceAll("-", "")}`;
const admin = { email: "admin@example.com", password: "correct horse battery" };
const enabled = chromiumAvailable();
// Only the image deploy needs Docker (and the local Bun base image to build its image from).
const dockerReady = enabled && (await requireDocker());
const imageApp = `hello-${crypto.randomUUID().slice(0, 8)}`;
const imageTag = `pier-e2e/${imageApp}:1`;
let pier: PierProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

function bearer(path: string, init: RequestInit = {}, token = adminToken) {
  return fetch(`${pier.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
}

async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  return (await (await bearer(path)).json()) as T;
}

function siteDir(title: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "pier-dash-site-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${title}</title><h1>${title}</h1>`);
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

function tarGz(dir: string): Uint8Array {
  const tar = Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tar.stdout;
}

async function deploySite(app: string, title: string, branch?: string): Promise<string> {
  const res = await bearer(`/api/v1/apps/${app}/deploy${branch ? `?branch=${branch}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/gzip" },
    body: new Uint8Array(tarGz(siteDir(title))),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { deployment: { id: string } }).deployment.id;
}

async function waitForStatus(id: string, wanted: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (Date.now() < deadline) {
    status = (await json<{ deployment: { status: string } }>(`/api/v1/deployments/${id}`)).deployment.status;
    if (status === wanted) return;
    await Bun.sleep(100);
  }
  throw new Error(`${id} is ${status}, not ${wanted}`);
}

function git(cwd: string, ...args: string[]) {
  const run = Bun.spawnSync(["git", ...args], {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Ann Dev",
      GIT_AUTHOR_EMAIL: "ann@example.com",
      GIT_COMMITTER_NAME: "Ann Dev",
      GIT_COMMITTER_EMAIL: "ann@example.com",
    },
  });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout.toString().trim();
}

/** Runs `act` and answers the id of the deployment the request matching `url` started. */
async function started(url: string, act: () => Promise<unknown>): Promise<string> {
  const answer = page.waitForResponse((r) => r.url().includes(url) && r.request().method() === "POST");
  await act();
  const response = await answer;
  expect(response.status()).toBe(202);
  return ((await response.json()) as { deployment: { id: string } }).deployment.id;
}

/** The detail panel once it shows `id`, live. */
async function liveDetail(id: string) {
  const detail = page.getByTestId("deployment-detail");
  await detail.locator(`[data-deployment='${id}']`).waitFor({ timeout: 15_000 });
  await detail.locator(".badge", { hasText: "Live" }).first().waitFor({ timeout: 30_000 });
  return detail;
}

/**
 * A small image that serves HTTP, built here from the local Bun base image (no registry is
 * reachable in the test run): a Bun server on $PORT that names the path it was asked for.
 */
async function buildHelloImage(tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pier-dash-image-"));
  const base = process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1";
  writeFileSync(
    join(dir, "server.ts"),
    `Bun.serve({ port: Number(process.env.PORT), hostname: process.env.HOST, fetch: (r) => new Response("hello from an image at " + new URL(r.url).pathname) });\n`,
  );
  writeFileSync(
    join(dir, "Dockerfile"),
    `FROM ${base}\nCOPY server.ts /app/server.ts\nCMD ["bun", "/app/server.ts"]\n`,
  );
  const docker = createDockerClient();
  const stream = await docker.buildImage(Readable.from([Buffer.from(tarOf(dir))]), { t: tag });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (error) => (error ? reject(error) : resolve()),
      (event: { error?: string }) => event.error && reject(new Error(event.error)),
    ),
  );
}

function tarOf(dir: string): Uint8Array {
  const tar = Bun.spawnSync(["tar", "-cf", "-", "-C", dir, "."]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tar.stdout;
}

/** `count` requests to `app` through pier's proxy (on 127.0.0.1). */
async function traffic(app: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/?visit=${i}`, {
      headers: { host: `${app}.localhost` },
    });
    await res.arrayBuffer();
  }
}

/** Waits (at most `timeoutMs`) until `read` answers a text `accept` takes; answers it. */
async function readUntil(
  read: () => Promise<string | null>,
  accept: (text: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let now = "";
  while (Date.now() < deadline) {
    now = (await read()) ?? "";
    if (accept(now)) return now;
    await Bun.sleep(250);
  }
  throw new Error(`still "${now}" after ${timeoutMs} ms`);
}

describe.skipIf(!enabled)("dashboard in Chromium against pier serve", () => {
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = watchPage(await context.newPage());
  });
  afterAll(async () => {
    await browser?.close();
    // Deleting the app removes its containers; the image was this suite's own.
    if (dockerReady && pier) await bearer(`/api/v1/apps/${imageApp}`, { method: "DELETE" }).catch(() => {});
    await pier?.stop();
    if (dockerReady)
      await createDockerClient()
        .getImage(imageTag)
        .remove({ force: true })
        .catch(() => {});
  });

  test("first run: the dashboard asks for an admin account and signs the new admin in", async () => {
    // The apps list is prefetched at boot, before the session is known. Its 401 is held back until
    // the setup screen shows: arriving late, it must not turn that screen into the login form
    // (it did, about one first load in twenty, leaving a new user no way to create the admin).
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/v1/apps-overview", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    const lateAnswer = page.waitForResponse("**/api/v1/apps-overview");
    release();
    expect((await lateAnswer).status()).toBe(401);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    expect(await page.getByRole("heading", { name: "Welcome to pier" }).isVisible()).toBe(true);
    await page.unroute("**/api/v1/apps-overview");
    await shoot(page, "flow-setup");
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill("short");
    // The browser's own minlength check would stop the form; skip it to see the API's message.
    await page.locator("input[name=password]").evaluate((el) => el.removeAttribute("minlength"));
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("at least 10 characters");
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    expect(await page.getByTestId("user-email").textContent()).toBe(admin.email);
    expect((await (await fetch(`${pier.url}/api/v1/auth/setup`)).json()).needsSetup).toBe(false);
    // An empty pier says what to do next.
    expect(await page.getByTestId("apps-empty").textContent()).toContain("Create your first app");
  });

  test("a wrong password shows an error; the right one logs in", async () => {
    const fresh = await browser.newContext();
    const login = await fresh.newPage();
    await login.goto(pier.url);
    await login.getByRole("heading", { name: "Log in to pier" }).waitFor();
    await login.getByLabel("Email").fill(admin.email);
    await login.getByLabel("Password").fill("not the password");
    await login.getByRole("button", { name: "Log in" }).click();
    expect(await login.getByRole("alert").textContent()).toContain("Wrong email or password");
    await login.getByLabel("Password").fill(admin.password);
    await login.getByRole("button", { name: "Log in" }).click();
    await login.getByRole("heading", { name: "Apps" }).waitFor();
    await fresh.close();
  });

  test("create an app and see the exact deploy commands, with a deploy token filled in", async () => {
    await page.getByRole("link", { name: "New app" }).click();
    await page.getByLabel("Name").fill("shop");
    await page.getByRole("button", { name: "Create app" }).click();
    await page.waitForURL(`${pier.url}/apps/shop`);
    const instructions = page.getByTestId("deploy-instructions");
    const host = `127.0.0.1:${pier.consolePort}`;
    expect(await instructions.textContent()).toContain(
      `git remote add pier http://x:TOKEN@${host}/git/shop.git`,
    );
    expect(await instructions.textContent()).toContain("pier deploy --app shop");
    await instructions.getByRole("button", { name: "Create one for shop now" }).click();
    await instructions.getByText("A deploy token was created").waitFor();
    const remote = await instructions.locator("pre").first().textContent();
    expect(/x:(\S+)@/.exec(remote ?? "")?.[1]).toMatch(/^pier_/);
    const { tokens } = await json<{ tokens: { name: string; scopes: string[]; apps: string[] | null }[] }>(
      "/api/v1/tokens",
    );
    expect(tokens.find((t) => t.name === "deploy-shop")).toMatchObject({
      scopes: ["deploy"],
      apps: ["shop"],
    });
  });

  test("API errors are shown: a duplicate app name", async () => {
    await page.goto(`${pier.url}/new`);
    await page.getByLabel("Name").fill("shop");
    await page.getByRole("button", { name: "Create app" }).click();
    expect(await page.getByRole("alert").textContent()).toContain('An app named "shop" already exists');
  });

  test("the overview updates live when a deploy goes through: status in words, who deployed, activity", async () => {
    await page.goto(pier.url);
    const row = page.locator("tr[data-app='shop']");
    await row.locator(".badge", { hasText: "Not deployed" }).waitFor();
    const began = Date.now();
    await deploySite("shop", "Shop v1");
    // The deploy-events stream brings it, well before the 15 s poll would.
    await row.locator(".badge", { hasText: "Live" }).waitFor({ timeout: 10_000 });
    expect(Date.now() - began).toBeLessThan(8_000);
    expect(await row.textContent()).toContain("by token PIER_ADMIN_TOKEN");
    await row.locator("svg[role=img]").waitFor();
    const health = page.getByTestId("platform-health");
    await health.getByTestId("health-pier").waitFor();
    expect(await health.getByTestId("health-docker").textContent()).toMatch(
      /Reachable|Not reachable|not running/,
    );
    expect(await health.getByTestId("health-disk").textContent()).toContain("free of");
    await shoot(page, "flow-overview");
  });

  test("traffic to an app moves the home's request figures and its Metrics tab without a reload", async () => {
    await page.goto(pier.url);
    const row = page.locator("tr[data-app='shop']");
    await row.locator(".badge", { hasText: "Live" }).waitFor();
    const total = page
      .getByTestId("figures")
      .locator(".figure", { hasText: "requests in 24 h" })
      .locator("b");
    const perApp = row.locator("td[data-label='Requests'] .num");
    const before = Number(
      await readUntil(
        () => total.textContent(),
        (t) => /^\d+$/.test(t),
        10_000,
      ),
    );
    // Proof that neither a reload nor the page's 60 s poll brought the new figures: a marker on the
    // window that a reload would lose, and no request for the activity while waiting.
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    let polled = 0;
    const countPolls = (request: { url(): string }) => {
      if (request.url().includes("/api/v1/apps-activity")) polled++;
    };
    page.on("request", countPolls);
    await traffic("shop", 30);
    // The stream looks at the activity every 10 s; the proxy reports requests within a second.
    const after = Number(
      await readUntil(
        () => total.textContent(),
        (t) => Number(t) >= before + 30,
        25_000,
      ),
    );
    // The app's own row moved with the total (pier's monitors of the apps may add a check or two).
    const own = Number(/(\d+) in 24 h/.exec((await perApp.textContent()) ?? "")?.[1]);
    expect(own).toBeGreaterThanOrEqual(30);
    expect(own).toBeLessThanOrEqual(after);
    page.off("request", countPolls);
    expect(polled).toBe(0);
    expect(await page.evaluate(() => "stillTheSamePage" in window)).toBe(true);

    await page.goto(`${pier.url}/apps/shop?tab=metrics`);
    const perMinute = page.getByTestId("metrics-summary").locator("b").first();
    const rate = await readUntil(
      () => perMinute.textContent(),
      (t) => t !== "",
      10_000,
    );
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    await traffic("shop", 60);
    await readUntil(
      () => perMinute.textContent(),
      (t) => t !== rate,
      25_000,
    );
    expect(await page.evaluate(() => "stillTheSamePage" in window)).toBe(true);
  });

  test("settings: base domain and ACME email are saved, bad input is explained, placeholders are examples", async () => {
    await page.goto(`${pier.url}/settings`);
    const field = page.getByLabel("Base domain");
    expect(await field.getAttribute("placeholder")).toMatch(/^e\.g\. /);
    await field.fill("bad domain!");
    await page.getByRole("button", { name: "Save settings" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("host name");
    await field.fill("apps.example.com");
    await page.getByLabel("ACME email").fill("ops@example.com");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    const saved = await json<{ settings: unknown }>("/api/v1/settings");
    expect(saved.settings).toEqual({ baseDomain: "apps.example.com", acmeEmail: "ops@example.com" });
    // Back to the default: the rest of the suite reaches apps at APP.localhost.
    await field.fill("");
    await page.getByLabel("ACME email").fill("");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
  });

  test("a token limited to one app: created once, shown once, scoped, revoked", async () => {
    await page.goto(`${pier.url}/settings?tab=tokens`);
    await page.getByLabel("Name").fill("ci-shop");
    await page.getByLabel("Scope").selectOption("deploy");
    await page.locator("input[name=token-app][value=shop]").check();
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").locator("pre").textContent())?.trim() ?? "";
    expect((await bearer("/api/v1/apps/shop/deployments", {}, token)).status).toBe(200);
    expect((await bearer("/api/v1/tokens", {}, token)).status).toBe(403);
    const listed = await json<{ tokens: { name: string; apps: string[] | null }[] }>("/api/v1/tokens");
    expect(listed.tokens.find((t) => t.name === "ci-shop")?.apps).toEqual(["shop"]);
    await page.getByTestId("new-token").getByRole("button", { name: "Done" }).click();
    const row = page.locator("tr[data-token='ci-shop']");
    expect(await row.textContent()).toContain("shop");
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke" }).click(); // the confirmation
    await row.waitFor({ state: "detached" });
    expect((await bearer("/api/v1/apps", {}, token)).status).toBe(401);
  });

  test("add an environment variable (secret stays masked)", async () => {
    await page.goto(`${pier.url}/apps/shop?tab=env`);
    await page.getByLabel("Key").fill("API_KEY");
    await page.locator("#env-value").fill("s3cr3t-value");
    await page.getByLabel("Secret").check();
    await page.getByRole("button", { name: "Add" }).click();
    const row = page.locator("tr[data-env-key='API_KEY']");
    await row.waitFor();
    expect(await row.textContent()).not.toContain("s3cr3t-value");
    const { env } = await json<{ env: { key: string; secret: boolean }[] }>("/api/v1/apps/shop/env");
    expect(env.find((e) => e.key === "API_KEY")?.secret).toBe(true);
  });

  test("deploy a folder from the browser: packed here, uploaded, live, with its step timings", async () => {
    await page.goto(`${pier.url}/apps/shop`);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const panel = page.getByTestId("deploy-panel");
    await panel.getByRole("button", { name: "Upload" }).click();
    const dir = siteDir("Shop from the browser");
    mkdirSync(join(dir, "node_modules", "left-out"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "left-out", "index.js"), "nope");
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "assets", "app.js"), "console.log('hi')");
    await panel.getByTestId("folder-input").setInputFiles(dir);
    expect(await panel.getByTestId("upload-summary").textContent()).toContain("2 files");
    const id = await started("/api/v1/apps/shop/deploy", () =>
      panel.getByRole("button", { name: "Upload and deploy" }).click(),
    );
    const detail = await liveDetail(id);
    expect(await detail.textContent()).toContain(`by ${admin.email}`);
    await detail.getByTestId("deploy-timings").getByText("Health check").waitFor();
    const served = await fetch(`http://127.0.0.1:${pier.httpPort}/assets/app.js`, {
      headers: { host: "shop.localhost" },
    });
    expect(await served.text()).toBe("console.log('hi')");
    await shoot(page, "flow-deployed-from-browser");
  });

  test("an archive dropped on the page deploys as it is", async () => {
    await page.goto(`${pier.url}/apps/shop`);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const panel = page.getByTestId("deploy-panel");
    await panel.getByRole("button", { name: "Upload" }).click();
    await panel.getByTestId("dropzone").waitFor();
    await page.evaluate(
      (data) => {
        const file = new File([new Uint8Array(data)], "site.tar.gz", { type: "application/gzip" });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        const zone = document.querySelector("[data-testid=dropzone]")!;
        zone.dispatchEvent(
          new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      },
      Array.from(tarGz(siteDir("Dropped archive"))),
    );
    expect(await panel.getByTestId("upload-summary").textContent()).toContain("site.tar.gz");
    const id = await started("/api/v1/apps/shop/deploy", () =>
      panel.getByRole("button", { name: "Upload and deploy" }).click(),
    );
    await liveDetail(id);
    const served = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "shop.localhost" } });
    expect(await served.text()).toContain("Dropped archive");
  });

  test("a deploy's log streams into the page; a rollback says what it put back; compare shows the env change", async () => {
    await page.goto(`${pier.url}/apps/shop`);
    await page.locator("tr[data-deployment]").first().waitFor();
    const second = await deploySite("shop", "Shop v3");
    const row = page.locator(`tr[data-deployment='${second}']`);
    await row.locator(".badge", { hasText: "Live" }).waitFor({ timeout: 30_000 });
    const detail = page.getByTestId("deployment-detail");
    await detail.locator(`[data-deployment='${second}']`).waitFor();
    const log = detail.locator("pre", { hasText: second });
    await log.waitFor({ timeout: 15_000 });
    expect(((await log.textContent()) ?? "").length).toBeGreaterThan(20);

    await page.getByRole("button", { name: "Compare releases" }).click();
    const compare = page.getByTestId("compare");
    const { deployments } = await json<{ deployments: { id: string }[] }>("/api/v1/apps/shop/deployments");
    await compare.getByLabel(/^From/).selectOption(deployments.at(-1)!.id);
    await compare.getByLabel(/^To/).selectOption(second);
    expect(await compare.getByTestId("env-changes").textContent()).toContain("API_KEY");

    const older = page.locator("tr[data-deployment]").filter({ hasText: "Replaced" }).first();
    const olderId = (await older.getAttribute("data-deployment"))!;
    await older.getByRole("button", { name: "Roll back to this" }).click();
    await older.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.getByText("Rollback started").waitFor();
    await detail.getByText(`Put back the release of ${olderId}`).waitFor({ timeout: 30_000 });
    await page
      .locator("tr[data-deployment] .badge", { hasText: "Rolled back" })
      .first()
      .waitFor({ timeout: 10_000 });
    expect(await page.locator("tr[data-deployment] .badge", { hasText: "rolled_back" }).count()).toBe(0);
  });

  test("a running deploy is cancelled from the page; the release before keeps serving", async () => {
    const dir = siteDir("Never healthy", {
      "pier.toml": '[health]\npath = "/not-there"\n\n[deploy]\ntimeout = "40s"\n',
    });
    const res = await bearer("/api/v1/apps/shop/deploy", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: new Uint8Array(tarGz(dir)),
    });
    const { deployment } = (await res.json()) as { deployment: { id: string } };
    await page.goto(`${pier.url}/apps/shop#${deployment.id}`);
    const detail = page.getByTestId("deployment-detail");
    await detail.locator(".badge", { hasText: "Starting" }).first().waitFor({ timeout: 15_000 });
    await detail.getByRole("button", { name: "Cancel deploy" }).click();
    await detail.getByRole("button", { name: "Stop it" }).click();
    await waitForStatus(deployment.id, "cancelled", 15_000);
    await detail.locator(".badge", { hasText: "Cancelled" }).first().waitFor();
    const live = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "shop.localhost" } });
    expect(live.status).toBe(200);
  });

  test("redeploy a pushed branch and deploy a commit from the page: commit, author and who", async () => {
    const token = (
      await (
        await bearer("/api/v1/tokens", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "push", scopes: ["deploy"] }),
        })
      ).json()
    ).token as string;
    const repo = siteDir("Shop from git");
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "First page of the shop");
    const first = git(repo, "rev-parse", "HEAD");
    writeFileSync(join(repo, "index.html"), "<h1>Second</h1>");
    git(repo, "commit", "-q", "-am", "Second page");
    git(repo, "push", "-q", `http://x:${token}@127.0.0.1:${pier.consolePort}/git/shop.git`, "main");

    await page.goto(`${pier.url}/apps/shop`);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const panel = page.getByTestId("deploy-panel");
    await panel.getByText("Second page").waitFor();
    const redeploy = await started("/deploy/git", () =>
      panel.getByRole("button", { name: "Redeploy main" }).click(),
    );
    const detail = await liveDetail(redeploy);
    expect(await detail.textContent()).toContain("Second page (Ann Dev)");
    expect(await detail.textContent()).toContain(`by ${admin.email}`);

    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await panel.getByRole("button", { name: "Branch or commit" }).click();
    await panel.getByLabel("Branch or commit").fill(first.slice(0, 10));
    const commit = await started("/deploy/git", () =>
      panel.getByRole("button", { name: "Deploy", exact: true }).click(),
    );
    expect(await (await liveDetail(commit)).textContent()).toContain("First page of the shop");
  });

  test("a preview is promoted to production with the same build", async () => {
    const preview = await deploySite("shop", "Shop feature", "feature-x");
    await waitForStatus(preview, "live");
    await page.goto(`${pier.url}/apps/shop?tab=previews`);
    const row = page.locator("tr[data-environment='feature-x']");
    await row.getByRole("button", { name: "Promote to production" }).click();
    const promoted = await started("/promote", () =>
      row.getByRole("button", { name: "Promote", exact: true }).click(),
    );
    const detail = await liveDetail(promoted);
    expect(await detail.textContent()).toContain(`Promoted from ${preview}`);
    const live = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "shop.localhost" } });
    expect(await live.text()).toContain("Shop feature");
  });

  test.skipIf(!dockerReady)(
    "deploy an image by reference from the Image tab: used from this machine without a pull, live behind the proxy",
    async () => {
      await buildHelloImage(imageTag);
      await bearer("/api/v1/apps", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: imageApp }),
      });
      await page.goto(`${pier.url}/apps/${imageApp}`);
      await page.getByRole("button", { name: "Deploy", exact: true }).click();
      const panel = page.getByTestId("deploy-panel");
      await panel.getByRole("button", { name: "Image" }).click();
      await panel.getByLabel("Image", { exact: true }).fill(imageTag);
      const id = await started(`/api/v1/apps/${imageApp}/deploy/image`, () =>
        panel.getByRole("button", { name: "Deploy image" }).click(),
      );
      const detail = await liveDetail(id);
      // The finished log is read once the detail shows the deployment live.
      const finished = detail.locator("pre", { hasText: `Image ${imageTag}` });
      await finished.waitFor({ timeout: 15_000 });
      const log = (await finished.textContent()) ?? "";
      expect(log).toContain(`Image ${imageTag}`);
      expect(log).not.toContain("Pulling");
      const served = await fetch(`http://127.0.0.1:${pier.httpPort}/from-the-proxy`, {
        headers: { host: `${imageApp}.localhost` },
      });
      expect(served.status).toBe(200);
      expect(await served.text()).toBe("hello from an image at /from-the-proxy");
      // Its replicas are reachable from this machine only: every published port is on 127.0.0.1.
      const docker = createDockerClient();
      const replicas = await listPierContainers(docker, { app: imageApp });
      expect(replicas.length).toBeGreaterThan(0);
      for (const replica of replicas) {
        const { NetworkSettings } = await docker.getContainer(replica.containerId).inspect();
        const bindings = Object.values(NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []);
        expect(bindings.length).toBeGreaterThan(0);
        expect(bindings.map((b) => b.HostIp)).toEqual(bindings.map(() => "127.0.0.1"));
      }
      await shoot(page, "flow-deployed-image");
    },
    120_000,
  );

  test("users: invite a member (temporary password shown once), they sign in, an admin removes them", async () => {
    await page.goto(`${pier.url}/settings?tab=users`);
    await page.getByLabel("Email").fill("dev@example.com");
    await page.getByRole("button", { name: "Invite" }).click();
    const password =
      (await page.getByTestId("temporary-password").locator("pre").textContent())?.trim() ?? "";
    expect(password.length).toBeGreaterThanOrEqual(20);
    const other = await browser.newContext();
    const dev = watchPage(await other.newPage());
    await dev.goto(pier.url);
    await dev.getByRole("heading", { name: "Log in to pier" }).waitFor();
    await dev.getByLabel("Email").fill("dev@example.com");
    await dev.getByLabel("Password").fill(password);
    await dev.getByRole("button", { name: "Log in" }).click();
    // Signed in, or the reason why not (the alert) in the failure.
    await dev
      .getByRole("heading", { name: "Apps" })
      .or(dev.getByRole("alert"))
      .first()
      .waitFor({ timeout: 20_000 });
    expect(
      await dev.getByRole("alert").count(),
      (await dev.getByRole("alert").allTextContents()).join(),
    ).toBe(0);
    await page.getByTestId("temporary-password").getByRole("button", { name: "Done" }).click();
    const row = page.locator("tr[data-user='dev@example.com']");
    await row.getByLabel("Role of dev@example.com").selectOption("admin");
    for (let i = 0; i < 50; i++) {
      const { users } = await json<{ users: { email: string; role: string }[] }>("/api/v1/users");
      if (users.find((u) => u.email === "dev@example.com")?.role === "admin") break;
      await Bun.sleep(100);
    }
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByRole("button", { name: "Remove" }).click();
    await row.waitFor({ state: "detached" });
    const status = await retryOnNetworkChange("GET /api/v1/apps", () =>
      dev.evaluate(async () => (await fetch("/api/v1/apps")).status),
    );
    expect(status).toBe(401);
    await other.close();
  });

  test("notifications with per-event filters, a static route, and certificates that do not call self-signed trusted", async () => {
    await page.goto(`${pier.url}/settings?tab=notifications`);
    await page.getByLabel("Name").fill("ops-hook");
    await page.getByLabel("Kind").selectOption("webhook");
    await page.getByLabel("URL").fill("https://hooks.example.com/pier");
    const events = page.locator("input[name=new-channel-event]");
    for (const box of await events.all()) await box.uncheck();
    await page.locator("input[name=new-channel-event][value='deploy.failed']").check();
    await page.getByRole("button", { name: "Add channel" }).click();
    await page.locator("tr[data-channel='ops-hook']").waitFor();
    const { channels } = await json<{ channels: { name: string; events: string[] }[] }>(
      "/api/v1/notification-channels",
    );
    expect(channels.find((c) => c.name === "ops-hook")?.events).toEqual(["deploy.failed"]);

    await page.goto(`${pier.url}/settings?tab=routes`);
    await page.getByLabel("Host").fill("nas.example.com");
    await page.getByLabel("Upstreams").fill("http://127.0.0.1:9");
    await page.getByRole("button", { name: "Add route" }).click();
    await page.locator("tr[data-route='nas.example.com']").waitFor();

    await bearer("/api/v1/apps/shop/domains", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ host: "shop.example.com" }),
    });
    await page.goto(`${pier.url}/settings?tab=certificates`);
    const cert = page.locator("tr[data-host='shop.example.com']");
    expect(await cert.locator(".badge").textContent()).toContain("Self-signed");
    expect(await cert.locator(".badge.ok").count()).toBe(0);
  });

  test("a member sees no admin sections, in the settings or the palette; the API refuses them all the same", async () => {
    await page.goto(`${pier.url}/settings?tab=users`);
    await page.getByLabel("Email").fill("member@example.com");
    await page.getByRole("button", { name: "Invite" }).click();
    const password =
      (await page.getByTestId("temporary-password").locator("pre").textContent())?.trim() ?? "";
    await page.getByTestId("temporary-password").getByRole("button", { name: "Done" }).click();
    const listed = await json<{ users: { email: string; role: string }[] }>("/api/v1/users");
    expect(listed.users.find((u) => u.email === "member@example.com")?.role).toBe("member");

    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const member = watchPage(await other.newPage());
    await member.goto(pier.url);
    await member.getByLabel("Email").fill("member@example.com");
    await member.getByLabel("Password").fill(password);
    await member.getByRole("button", { name: "Log in" }).click();
    await member.getByTestId("user-email").waitFor();

    await member.goto(`${pier.url}/settings`);
    const sections = member.getByRole("navigation", { name: "Settings sections" });
    await sections.getByRole("link", { name: "General" }).waitFor();
    expect(await sections.getByRole("link").allTextContents()).toEqual([
      "General",
      "Certificates",
      "Notifications",
      "Static routes",
    ]);
    // The server's settings are shown, not offered for change.
    await member.getByTestId("admins-change").waitFor();
    expect(await member.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    expect(await member.getByLabel("Base domain").isDisabled()).toBe(true);
    await shoot(member, "flow-member-settings");
    // An admin section's address says whose it is instead of failing with a 403.
    for (const tab of ["users", "tokens", "backups"]) {
      await member.goto(`${pier.url}/settings?tab=${tab}`);
      await member.getByTestId("admins-only").waitFor();
      expect(await member.getByRole("alert").count()).toBe(0);
    }
    await member.goto(`${pier.url}/settings?tab=certificates`);
    await member.locator("tr[data-host='shop.example.com']").waitFor();
    expect(await member.getByRole("button", { name: "Renew now" }).count()).toBe(0);
    await member.goto(`${pier.url}/settings?tab=notifications`);
    await member.locator("tr[data-channel='ops-hook']").waitFor();
    expect(await member.getByRole("heading", { name: "Add a notification channel" }).count()).toBe(0);
    expect(
      await member.locator("tr[data-channel='ops-hook']").getByRole("button", { name: "Delete" }).count(),
    ).toBe(0);
    await member.goto(`${pier.url}/apps/shop?tab=deployments`);
    // The shortcut works once the page is up (the first render waits for the session check).
    await member.getByRole("heading", { name: "shop", exact: true }).waitFor();
    await member.keyboard.press("Control+k");
    const search = member.getByRole("combobox", { name: "Search pages and apps" });
    await search.waitFor();
    await member.keyboard.type("settings");
    const offered = await member.getByRole("option").allTextContents();
    expect(offered.some((o) => o.includes("Certificates"))).toBe(true);
    expect(offered.some((o) => /API tokens|Users|Backups/.test(o))).toBe(false);
    await member.keyboard.press("Escape");

    // Hidden is not the protection: the server refuses a member's calls to admin routes. Reads and
    // refused writes, so the whole batch may be sent again if the network changed under Chromium.
    const refused = await retryOnNetworkChange("a member's admin calls", () =>
      member.evaluate(async () => {
        const me = (await (await fetch("/api/v1/auth/me")).json()) as {
          csrfToken: string;
          user: { role: string };
        };
        const write = (method: string, path: string, body: unknown) =>
          fetch(path, {
            method,
            headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
            body: JSON.stringify(body),
          });
        const answers = await Promise.all([
          fetch("/api/v1/users"),
          fetch("/api/v1/tokens"),
          fetch("/api/v1/backups"),
          write("POST", "/api/v1/users", { email: "sneaky@example.com" }),
          write("POST", "/api/v1/tokens", { name: "mine", scopes: ["admin"] }),
          write("PUT", "/api/v1/settings", { baseDomain: "evil.example.com" }),
          write("POST", "/api/v1/certificates/shop.example.com/renew", {}),
          write("POST", "/api/v1/notification-channels", {
            name: "x",
            config: { kind: "webhook", url: "https://hooks.example.com/x" },
          }),
        ]);
        const codes = await Promise.all(
          answers.map(
            async (a) => `${a.status} ${((await a.json()) as { error?: { code: string } }).error?.code}`,
          ),
        );
        return { role: me.user.role, codes };
      }),
    );
    expect(refused.role).toBe("member");
    expect(refused.codes).toEqual(Array(8).fill("403 forbidden"));
    await other.close();
  });

  test("Ctrl-K jumps to an app with the keyboard alone; every page is reachable by Tab with a visible focus", async () => {
    await page.goto(`${pier.url}/settings`);
    await page.getByRole("heading", { name: "Server" }).waitFor();
    await page.keyboard.press("Control+k");
    const input = page.getByRole("combobox", { name: "Search pages and apps" });
    await input.waitFor();
    await page.keyboard.type("shop logs");
    expect(await page.getByRole("option").first().textContent()).toContain("shop → Logs");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${pier.url}/apps/shop?tab=logs`);
    await page.keyboard.press("Control+k");
    await input.waitFor();
    await page.keyboard.type("api tok");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${pier.url}/settings?tab=tokens`);

    await page.goto(pier.url);
    await page.locator("tr[data-app='shop']").waitFor();
    const seen: { text: string; outline: string }[] = [];
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press("Tab");
      seen.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          return { text: el.textContent?.trim() ?? "", outline: getComputedStyle(el).outlineStyle };
        }),
      );
    }
    expect(seen[0]?.text).toBe("Skip to content");
    for (const label of ["Apps", "Services", "Settings", "New app", "shop"]) {
      const hit = seen.find((s) => s.text === label);
      expect(hit, label).toBeDefined();
      expect(hit?.outline).not.toBe("none");
    }
    expect(await page.locator("nav.main a[aria-current=page]").textContent()).toBe("Apps");
    // Every field of every settings section has a name a screen reader can say.
    for (const tab of ["", "?tab=tokens", "?tab=users", "?tab=notifications", "?tab=routes"]) {
      await page.goto(`${pier.url}/settings${tab}`);
      await page.locator("main form").first().waitFor();
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>("main input, main select, main textarea")]
          .filter((el) => el.type !== "hidden" && !el.hidden)
          .filter(
            (el) =>
              !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")),
          )
          .map((el) => el.name || el.outerHTML.slice(0, 60)),
      );
      expect(unnamed).toEqual([]);
    }
  });

  test("at 390 px: the app's tabs scroll with a cue, the menu opens, nothing scrolls sideways", async () => {
    const phone = await variantContext(browser, context, variants[2]);
    const small = watchPage(await phone.newPage());
    await small.goto(`${pier.url}/apps/shop?tab=analytics`);
    await small.locator(".tabs a[aria-current=page]").waitFor();
    // The current tab is scrolled into view and the hidden side is marked.
    expect(await small.locator(".tabs a[aria-current=page]").isVisible()).toBe(true);
    await small.waitForFunction(() => document.querySelector(".tabs-wrap")?.className.includes("more-"));
    expect(await horizontalOverflow(small)).toBe(0);
    expect(await small.getByRole("link", { name: "Services" }).isVisible()).toBe(false);
    await small.getByRole("button", { name: "Menu" }).click();
    await small.getByRole("link", { name: "Services" }).click();
    await small.waitForURL(`${pier.url}/services`);
    await small.goto(pier.url);
    await small.locator("tr[data-app='shop']").waitFor();
    expect(await horizontalOverflow(small)).toBe(0);
    await phone.close();
  });

  test("a mistyped address and an unknown app get the dashboard's own not-found page", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${pier.url}/no-such-page`);
    expect(await page.getByTestId("not-found").textContent()).toContain("Page not found");
    await page.goto(`${pier.url}/apps/ghost`);
    expect(await page.getByTestId("not-found").textContent()).toContain('The app "ghost" not found');
    expect(errors).toEqual([]);
  });

  test("a page that throws shows the dashboard's error page, with the navigation and a way back", async () => {
    // An answer in a shape the page does not expect (as from a server older or newer than the
    // dashboard) makes the app's page throw while rendering.
    await page.route("**/api/v1/apps/shop", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ app: { name: "shop" } }),
      }),
    );
    try {
      await page.goto(`${pier.url}/apps/shop`);
      const error = page.getByTestId("page-error");
      await error.getByRole("heading", { name: "Something went wrong on this page" }).waitFor();
      expect(await error.getByRole("alert").textContent()).toContain("undefined");
      expect(await page.locator("nav.main a[aria-current=page]").textContent()).toBe("Apps");
      await shoot(page, "flow-page-error");
    } finally {
      await page.unroute("**/api/v1/apps/shop");
    }
    await page.getByTestId("page-error").getByRole("link", { name: "Go to the overview" }).click();
    await page.waitForURL(`${pier.url}/`);
    await page.locator("tr[data-app='shop']").waitFor();
    expect(await page.getByTestId("page-error").count()).toBe(0);
    // Back on the app's page, it renders again.
    await page.locator("tr[data-app='shop']").getByRole("link", { name: "shop", exact: true }).click();
    await page.getByRole("heading", { name: "shop", exact: true }).waitFor();
    expect(await page.getByTestId("page-error").count()).toBe(0);
  });

  test("delete an app after typing its name", async () => {
    await bearer("/api/v1/apps", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "scratch" }),
    });
    await page.goto(`${pier.url}/apps/scratch?tab=settings`);
    const zone = page.getByTestId("delete-app");
    const button = zone.getByRole("button", { name: "Delete scratch" });
    expect(await button.isDisabled()).toBe(true);
    await zone.getByLabel("Type scratch to confirm").fill("scratc");
    expect(await button.isDisabled()).toBe(true);
    await zone.getByLabel("Type scratch to confirm").fill("scratch");
    await button.click();
    await page.waitForURL(`${pier.url}/`);
    expect((await bearer("/api/v1/apps/scratch")).status).toBe(404);
  });

  test("logging out returns to the login page and the session is gone", async () => {
    await page.goto(pier.url);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in to pier" }).waitFor();
    const status = await retryOnNetworkChange("GET /api/v1/auth/me", () =>
      page.evaluate(async () => (await fetch("/api/v1/auth/me")).status),
    );
    expect(status).toBe(401);
  });
});
