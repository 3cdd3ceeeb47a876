import { expect, test } from "bun:test";
import { type ApiEnv, errorResponse, routeGroup } from "@pier/http";
import type { Channel, ChannelStore, NotificationEvent, Notifier } from "@pier/notify";
import { Hono } from "hono";
import { channelsRoutes } from "./channels-routes.ts";

// The test send reads an optional body: none means the default message, a form post is a 400,
// and a failed delivery answers 502 with the delivery, so the caller sees why.
function console(deliverOk: boolean) {
  const sent: NotificationEvent[] = [];
  const channel: Channel = {
    id: "nch_1",
    name: "ops",
    enabled: true,
    events: [],
    config: { kind: "slack", url: "https://hooks.test/x" },
  };
  const store = { find: async (ref: string) => (ref === "ops" ? channel : undefined) } as ChannelStore;
  const notifier: Notifier = {
    notify: async () => [],
    async deliver(to, event) {
      sent.push(event);
      const failure = deliverOk ? {} : { status: 500, error: "HTTP 500" };
      return {
        ok: deliverOk,
        attempts: 1,
        ...failure,
        deliveryId: "dlv_1",
        channelId: to.id,
        channelName: to.name,
        kind: event.kind,
        at: new Date(0),
      };
    },
  };
  const group = routeGroup("/api/v1/notification-channels", async (c, next) => {
    c.set("principal", { kind: "token", tokenId: "t", scopes: ["write"], userId: null });
    await next();
  });
  channelsRoutes(group, store, notifier);
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => errorResponse(c, error, () => {}));
  app.route(group.prefix, group.app);
  const send = (body?: string, type = "application/json") =>
    app.request("/api/v1/notification-channels/ops/test", {
      method: "POST",
      headers: body === undefined ? {} : { "content-type": type },
      body,
    });
  return { send, sent };
}

test("a test send without a body delivers the default message; a custom one is sent as given", async () => {
  const { send, sent } = console(true);
  const bare = await send();
  expect(bare.status).toBe(200);
  expect((await bare.json()).delivery).toMatchObject({ ok: true, at: new Date(0).toISOString() });
  expect((await send(JSON.stringify({ message: "hello" }))).status).toBe(200);
  expect(sent.map((e) => (e.kind === "test" ? e.message : ""))).toEqual([
    'Test notification from pier to "ops". If you can read this, it works.',
    "hello",
  ]);
  // A form body is refused for its type (what a cross-site form sends), before it is read as JSON.
  expect((await send("message=hi", "application/x-www-form-urlencoded")).status).toBe(415);
  expect((await send(JSON.stringify({ mesage: "typo" }))).status).toBe(400);
});

test("a failed test send answers 502 with the delivery", async () => {
  const { send } = console(false);
  const failed = await send();
  expect(failed.status).toBe(502);
  const body = await failed.json();
  expect(body.delivery).toMatchObject({ ok: false, status: 500, error: "HTTP 500" });
  expect(body.error).toEqual({ code: "delivery_failed", message: "not delivered to ops: HTTP 500" });
});

// A Slack or Discord webhook URL is the credential itself: whoever reads it can post.
test("chat webhook URLs are masked in every answer and kept when a change leaves them out", async () => {
  const slackUrl = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXXabcd";
  const channels = new Map<string, Channel>();
  const store = {
    list: async () => [...channels.values()],
    find: async (ref: string) => [...channels.values()].find((c) => c.id === ref || c.name === ref),
    create: async (channel: Channel) => void channels.set(channel.id, channel),
    update: async (channel: Channel) => void channels.set(channel.id, channel),
    deliveries: async () => [],
  } as unknown as ChannelStore;
  const group = routeGroup("/api/v1/notification-channels", async (c, next) => {
    c.set("principal", { kind: "token", tokenId: "t", scopes: ["admin"], userId: null });
    await next();
  });
  channelsRoutes(group, store, { notify: async () => [] } as unknown as Notifier);
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => errorResponse(c, error, () => {}));
  app.route(group.prefix, group.app);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`/api/v1/notification-channels${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const masked = "https://hooks.slack.com/services/…abcd";

  const created = await call("POST", "", { name: "ops", config: { kind: "slack", url: slackUrl } });
  expect(created.status).toBe(201);
  for (const answer of [created, await call("GET", ""), await call("GET", "/ops")]) {
    expect(answer.text).not.toContain("SECRET");
    expect(answer.text).toContain(masked);
  }

  // Leaving the URL out, or sending back the masked one the API showed, keeps the stored URL.
  const renamed = await call("PATCH", "/ops", { name: "alerts", config: { kind: "slack" } });
  expect(renamed.status).toBe(200);
  expect(renamed.text).not.toContain("SECRET");
  await call("PATCH", "/alerts", { config: { kind: "slack", url: masked } });
  expect((await store.find("alerts"))?.config).toEqual({ kind: "slack", url: slackUrl });

  const moved = "https://discord.com/api/webhooks/123/NEWTOKENNEWTOKENwxyz";
  await call("PATCH", "/alerts", { config: { kind: "discord", url: moved } });
  expect((await store.find("alerts"))?.config).toEqual({ kind: "discord", url: moved });
  expect((await call("GET", "/alerts")).text).toContain("https://discord.com/api/…wxyz");
  // A kind change has no stored URL to keep.
  const bare = await call("PATCH", "/alerts", { config: { kind: "slack" } });
  expect(bare.status).toBe(400);
  expect(bare.text).toContain("needs its webhook URL");
});
