import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { verifySignature } from "@pier/notify";
import { startSmtpReceiver, startWebhookReceiver } from "@pier/notify/testing";
import { flakyHttpServer } from "@pier/uptime/testing";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";

// Uptime through the compiled binary: a monitor made with the CLI, real scheduled checks (the
// 10 s minimum is lowered to 1 s for this suite only), incidents, signed webhooks, email, and
// the public status page on the console and through the proxy on its own host.
const adminToken = `pier_uptime${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
const app = flakyHttpServer();
const webhook = startWebhookReceiver();
const smtp = await startSmtpReceiver();
let cliEnv: Record<string, string>;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(payload)}`);
  return payload as T;
}

async function cli(...args: string[]) {
  const result = await runCli(args, cliEnv);
  if (result.code !== 0) throw new Error(`pier ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function waitForStatus(name: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const { monitor } = await api<{ monitor: { status: string } }>("GET", `/api/v1/monitors/${name}`);
    if (monitor.status === status) return;
    if (Date.now() > deadline) throw new Error(`monitor ${name} stayed ${monitor.status}, wanted ${status}`);
    await Bun.sleep(100);
  }
}

const webhookEvents = () => webhook.received.map((r) => (r.json as { type: string }).type);

beforeAll(async () => {
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: adminToken, PIER_UPTIME_MIN_INTERVAL_SECONDS: "1" },
    args: ["--proxy-workers", "1"],
  });
  cliEnv = { PIER_URL: pier.url, PIER_TOKEN: adminToken, HOME: pier.dataDir };
});
afterAll(async () => {
  await pier?.stop();
  app.stop();
  webhook.stop();
  smtp.stop();
});

describe("uptime through pier serve", () => {
  let secret = "";

  test("notification channels from the CLI; send test reaches the webhook", async () => {
    const added = await cli("notify", "add", "ops-hook", "--webhook", webhook.url);
    secret = /Signing secret .*: (\S+)/.exec(added)?.[1] ?? "";
    expect(secret).toStartWith("whsec_");
    await cli(
      "notify",
      "add",
      "ops-mail",
      "--email",
      "ops@example.test",
      "--smtp-host",
      "127.0.0.1",
      "--smtp-port",
      String(smtp.port),
      "--smtp-security",
      "none",
      "--from",
      "pier <pier@example.test>",
      "--events",
      "incident.opened",
    );
    expect(await cli("notify", "list")).toContain("ops-mail  email  ops@example.test  incident.opened");
    expect(await cli("notify", "test", "ops-hook")).toContain("Delivered a test notification");
    const [hit] = await webhook.waitFor(1);
    expect((hit!.json as { type: string }).type).toBe("test");
    expect(verifySignature(secret, hit!.body, hit!.headers["x-pier-signature"]!)).toBe(true);
  });

  test("a monitor created with the CLI opens an incident after its retries and closes it on recovery", async () => {
    expect(await cli("monitors", "create", "shop", app.url(), "--interval", "1", "--retries", "1")).toContain(
      "Created monitor shop",
    );
    await waitForStatus("shop", "up");
    await cli(
      "status-pages",
      "create",
      "acme",
      "--title",
      "ACME status",
      "--monitors",
      "shop",
      "--host",
      "status.acme.test",
    );

    const failedAt = Date.now();
    app.setHealthy(false);
    await waitForStatus("shop", "down");
    // retries 1 at a 1 s interval: the 2nd failed check opens it, about 1-2 s after the outage.
    expect(Date.now() - failedAt).toBeLessThan(5_000);
    const { incidents } = await api<{ incidents: { open: boolean; reason: string; failedChecks: number }[] }>(
      "GET",
      "/api/v1/incidents?open=true&monitor=shop",
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.reason).toBe("HTTP 503 (expected 200-399)");
    expect(await cli("monitors", "incidents", "--open")).toContain("OPEN      shop");

    await webhook.waitFor(2);
    const opened = webhook.received.find((r) => (r.json as { type: string }).type === "incident.opened")!;
    expect(verifySignature(secret, opened.body, opened.headers["x-pier-signature"]!)).toBe(true);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe("🔴 shop is down");
    expect(mail!.text).toContain("HTTP 503");

    const page = await fetch(`${pier.url}/status/acme`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Major outage");
    expect(html).toContain("HTTP 503 (expected 200-399)");
    expect(html).not.toContain("<script");
    // The same page on its own host, through the proxy worker.
    const viaProxy = await fetch(`http://127.0.0.1:${pier.httpPort}/`, {
      headers: { host: "status.acme.test", connection: "close" },
    });
    expect(viaProxy.status).toBe(200);
    expect(await viaProxy.text()).toContain("Major outage");

    // The receiver fails the first delivery of the recovery: pier retries it with back-off.
    webhook.failNext(1, 503);
    app.setHealthy(true);
    await waitForStatus("shop", "up");
    await webhook.waitFor(4, 10_000);
    expect(webhookEvents()).toEqual(["test", "incident.opened", "incident.resolved", "incident.resolved"]);
    const [failed, retried] = webhook.received.slice(2);
    expect([failed!.headers["x-pier-attempt"], retried!.headers["x-pier-attempt"]]).toEqual(["1", "2"]);
    expect(retried!.headers["x-pier-delivery"]).toBe(failed!.headers["x-pier-delivery"]!);
    expect(retried!.at - failed!.at).toBeGreaterThanOrEqual(900);
    expect(verifySignature(secret, retried!.body, retried!.headers["x-pier-signature"]!)).toBe(true);
    const resolved = retried!.json as { data: { durationMs: number } };
    expect(resolved.data.durationMs).toBeGreaterThan(0);
    // Only incident.opened goes to the mail channel.
    expect(smtp.messages).toHaveLength(1);
    expect(await (await fetch(`${pier.url}/status/acme`)).text()).toContain("All systems operational");
    const show = await cli("monitors", "show", "shop");
    expect(show).toMatch(/uptime {3}24h \d+(\.\d+)?%/);
    expect(show).toContain("incident resolved");
  }, 40_000);

  test("the API validates input, the status page needs no login, state survives a restart", async () => {
    const bad = await fetch(`${pier.url}/api/v1/monitors`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bad", kind: "tcp", target: "no-port-here" }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("HOST:PORT");
    expect((await fetch(`${pier.url}/api/v1/monitors`)).status).toBe(401);
    const json = await fetch(`${pier.url}/status/acme.json`);
    expect(json.status).toBe(200);
    expect((await json.json()).components[0].name).toBe("shop");
    expect((await fetch(`${pier.url}/status/missing`)).status).toBe(404);
    // A host that already routes elsewhere is refused and leaves the route table usable.
    await api("POST", "/api/v1/routes", { host: "taken.test", upstreams: [`http://127.0.0.1:${app.port}`] });
    const taken = await fetch(`${pier.url}/api/v1/status-pages`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ slug: "clash", title: "Clash", host: "taken.test" }),
    });
    expect(taken.status).toBe(409);
    expect(
      (await api<{ statusPages: { slug: string }[] }>("GET", "/api/v1/status-pages")).statusPages,
    ).toHaveLength(1);
    await api("POST", "/api/v1/routes", { host: "free.test", upstreams: [`http://127.0.0.1:${app.port}`] });
    // A restart keeps monitors, incidents, channels and pages; checks resume on their own.
    expect(await pier.stop()).toBe(0);
    pier = await startPier({
      dataDir: pier.dataDir,
      env: { PIER_ADMIN_TOKEN: adminToken, PIER_UPTIME_MIN_INTERVAL_SECONDS: "1" },
      args: ["--proxy-workers", "1"],
    });
    cliEnv = { ...cliEnv, PIER_URL: pier.url };
    const before = (await api<{ checks: unknown[] }>("GET", "/api/v1/monitors/shop/checks?limit=1000")).checks
      .length;
    await Bun.sleep(2_500);
    const after = (await api<{ checks: unknown[] }>("GET", "/api/v1/monitors/shop/checks?limit=1000")).checks
      .length;
    expect(after).toBeGreaterThan(before);
    expect(await cli("monitors", "incidents")).toContain("resolved  shop");
    expect(await cli("notify", "list")).toContain("ops-hook");
    expect((await fetch(`${pier.url}/status/acme`)).status).toBe(200);
    await cli("monitors", "pause", "shop");
    expect(await cli("monitors", "list")).toMatch(/shop\s+paused/);
    await cli("monitors", "delete", "shop");
    expect(await cli("monitors", "list")).toContain("No monitors yet");
  }, 30_000);
});
