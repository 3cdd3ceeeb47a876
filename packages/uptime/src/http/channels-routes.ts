import { ConflictError, NotFoundError, newId, ValidationError } from "@pier/core";
import { isUniqueViolation } from "@pier/db";
import { type RouteGroup, serveRoute } from "@pier/http";
import {
  type Channel,
  type ChannelStore,
  mergeChannelConfig,
  type Notifier,
  redactChannelConfig,
} from "@pier/notify";
import { uptimeRoutes } from "./contract.ts";

function channelView(channel: Channel) {
  return { ...channel, config: redactChannelConfig(channel.config) };
}

/** `/api/v1/notification-channels`: webhook, Slack, Discord and email destinations. */
export function channelsRoutes(group: RouteGroup, store: ChannelStore, notifier: Notifier): void {
  const find = async (ref: string) => {
    const channel = await store.find(ref);
    if (!channel) throw new NotFoundError("Notification channel", ref);
    return channel;
  };

  serveRoute(group, uptimeRoutes.listChannels, async () => ({
    channels: (await store.list()).map(channelView),
  }));

  serveRoute(group, uptimeRoutes.createChannel, async ({ body }) => {
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
    return { channel: channelView(channel), secret };
  });

  serveRoute(group, uptimeRoutes.getChannel, async ({ params }) => {
    const channel = await find(params.channel);
    return { channel: channelView(channel), deliveries: await store.deliveries(channel.id, 20) };
  });

  serveRoute(group, uptimeRoutes.updateChannel, async ({ params, body }) => {
    const channel = await find(params.channel);
    const config = body.config ? mergeChannelConfig(channel.config, body.config) : channel.config;
    if (!config)
      throw new ValidationError(
        `A ${body.config?.kind} channel needs its webhook URL: send config.url with the full URL.`,
      );
    const updated = { ...channel, ...body, config };
    await store.update(updated);
    return { channel: channelView(updated) };
  });

  serveRoute(group, uptimeRoutes.deleteChannel, async ({ params }) => {
    const channel = await find(params.channel);
    await store.delete(channel.id);
    return { deleted: true as const };
  });

  // The body is optional; one that is sent must be JSON (a form post is a 400, not ignored).
  serveRoute(group, uptimeRoutes.testChannel, async ({ params, body }, c) => {
    const channel = await find(params.channel);
    const delivery = await notifier.deliver(channel, {
      kind: "test",
      message:
        body.message ?? `Test notification from pier to "${channel.name}". If you can read this, it works.`,
    });
    // A failed send answers 502 with the same body and an error naming why, as every error does.
    if (delivery.ok) return { delivery };
    const message = `not delivered to ${channel.name}: ${delivery.error ?? "no answer"}`;
    return c.json({ delivery, error: { code: "delivery_failed", message } }, 502);
  });
}
