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
  expect((await send("message=hi", "application/x-www-form-urlencoded")).status).toBe(400);
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
