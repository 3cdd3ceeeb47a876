import { ConflictError, NotFoundError, newId } from "@pier/core";
import { isUniqueViolation } from "@pier/db";
import { type ApiEnv, readBody, requireScope } from "@pier/http";
import {
  type Channel,
  type ChannelStore,
  channelConfigSchema,
  channelEventsSchema,
  type Notifier,
  redactChannelConfig,
} from "@pier/notify";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";

const createBody = z.strictObject({
  name: z.string().min(1).max(100),
  events: channelEventsSchema,
  enabled: z.boolean().default(true),
  config: channelConfigSchema,
});
const patchBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  // Unwrapped: zod 4 would apply the [] default and a rename would clear the channel's events.
  events: channelEventsSchema.unwrap().optional(),
  enabled: z.boolean().optional(),
  config: channelConfigSchema.optional(),
});
const testBody = z.strictObject({ message: z.string().max(1000).optional() });

function channelView(channel: Channel) {
  return { ...channel, config: redactChannelConfig(channel.config) };
}

/** `/api/v1/notification-channels`: webhook, Slack, Discord and email destinations. */
export function channelsApi(store: ChannelStore, notifier: Notifier, auth: MiddlewareHandler<ApiEnv>) {
  const api = new Hono<ApiEnv>();
  api.use("*", auth);
  const find = async (ref: string) => {
    const channel = await store.find(ref);
    if (!channel) throw new NotFoundError("Notification channel", ref);
    return channel;
  };
  api.get("/", requireScope("read"), async (c) =>
    c.json({ channels: (await store.list()).map(channelView) }),
  );
  api.post("/", requireScope("admin"), async (c) => {
    const body = await readBody(c, createBody);
    const config =
      body.config.kind === "webhook" && !body.config.secret
        ? { ...body.config, secret: `whsec_${crypto.randomUUID().replaceAll("-", "")}` }
        : body.config;
    const channel = { id: newId("nch"), name: body.name, events: body.events, enabled: body.enabled, config };
    try {
      await store.create(channel);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A channel named "${body.name}" exists already.`);
      throw error;
    }
    // The only time the webhook secret is shown: receivers need it to verify signatures.
    const secret = config.kind === "webhook" ? config.secret : undefined;
    return c.json({ channel: channelView(channel), secret }, 201);
  });
  api.get("/:channel", requireScope("read"), async (c) => {
    const channel = await find(c.req.param("channel"));
    return c.json({ channel: channelView(channel), deliveries: await store.deliveries(channel.id, 20) });
  });
  api.patch("/:channel", requireScope("admin"), async (c) => {
    const channel = await find(c.req.param("channel"));
    const patch = await readBody(c, patchBody);
    const updated = { ...channel, ...patch, config: patch.config ?? channel.config };
    await store.update(updated);
    return c.json({ channel: channelView(updated) });
  });
  api.delete("/:channel", requireScope("admin"), async (c) => {
    const channel = await find(c.req.param("channel"));
    await store.delete(channel.id);
    return c.json({ deleted: true });
  });
  api.post("/:channel/test", requireScope("write"), async (c) => {
    const channel = await find(c.req.param("channel"));
    // The body is optional; one that is sent must be JSON (a form post is a 400, not ignored).
    const body = (await c.req.text()).trim() ? await readBody(c, testBody) : {};
    const delivery = await notifier.deliver(channel, {
      kind: "test",
      message:
        body.message ?? `Test notification from pier to "${channel.name}". If you can read this, it works.`,
    });
    return c.json({ delivery }, delivery.ok ? 200 : 502);
  });
  return api;
}
