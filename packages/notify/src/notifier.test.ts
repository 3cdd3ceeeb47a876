import { afterAll, describe, expect, test } from "bun:test";
import { silentLogger } from "@pier/core";
import { selfSignedCertificate, startSmtpReceiver, startWebhookReceiver } from "../testing/index.ts";
import type { Channel } from "./channels.ts";
import type { NotificationEvent } from "./events.ts";
import { createNotifier } from "./notifier.ts";
import { verifySignature } from "./signature.ts";

const webhook = startWebhookReceiver();
const smtp = await startSmtpReceiver();
afterAll(() => {
  webhook.stop();
  smtp.stop();
});

const opened: NotificationEvent = {
  kind: "incident.opened",
  monitor: { id: "mon_1", name: "shop", target: "https://shop.test/health" },
  incidentId: "inc_1",
  reason: "HTTP 503",
  startedAt: new Date(0).toISOString(),
};

function channel(partial: Partial<Channel> & Pick<Channel, "config">): Channel {
  return { id: `ch_${Math.random()}`, name: "c", enabled: true, events: [], ...partial };
}

function notifierWith(channels: Channel[], sleeps: number[] = []) {
  return createNotifier({
    listChannels: async () => channels,
    logger: silentLogger,
    retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

describe("webhook channel", () => {
  test("delivers a JSON body signed with the endpoint's secret", async () => {
    const secret = "s3cret-s3cret-s3cret";
    const before = webhook.received.length;
    const [record] = await notifierWith([
      channel({ config: { kind: "webhook", url: webhook.url, secret } }),
    ]).notify(opened);
    expect(record?.ok).toBe(true);
    const hit = webhook.received[before]!;
    expect(hit.headers["x-pier-event"]).toBe("incident.opened");
    expect(verifySignature(secret, hit.body, hit.headers["x-pier-signature"]!)).toBe(true);
    expect(verifySignature("another-secret-value", hit.body, hit.headers["x-pier-signature"]!)).toBe(false);
    expect(verifySignature(secret, `${hit.body} `, hit.headers["x-pier-signature"]!)).toBe(false);
    expect((hit.json as { data: NotificationEvent }).data).toEqual(opened);
  });

  test("retries 5xx with growing back-off, then succeeds", async () => {
    const sleeps: number[] = [];
    webhook.failNext(2, 503);
    const before = webhook.received.length;
    const [record] = await notifierWith(
      [channel({ config: { kind: "webhook", url: webhook.url, secret: "0123456789abcdef" } })],
      sleeps,
    ).notify(opened);
    expect(record).toMatchObject({ ok: true, attempts: 3 });
    const hits = webhook.received.slice(before);
    expect(hits.map((h) => h.headers["x-pier-attempt"])).toEqual(["1", "2", "3"]);
    // Same delivery id on every attempt so receivers can de-duplicate.
    expect(new Set(hits.map((h) => h.headers["x-pier-delivery"])).size).toBe(1);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[1]).toBeLessThanOrEqual(2000);
  });

  test("gives up after the last attempt and does not retry a 400", async () => {
    webhook.failNext(10, 500);
    const failed = await notifierWith([channel({ config: { kind: "webhook", url: webhook.url } })]).notify(
      opened,
    );
    expect(failed[0]).toMatchObject({ ok: false, attempts: 4, status: 500 });
    webhook.failNext(10, 400);
    const rejected = await notifierWith([channel({ config: { kind: "webhook", url: webhook.url } })]).notify(
      opened,
    );
    expect(rejected[0]).toMatchObject({ ok: false, attempts: 1, status: 400 });
    webhook.failNext(0);
  });

  test("only channels that want the event kind receive it", async () => {
    const before = webhook.received.length;
    const records = await notifierWith([
      channel({ name: "deploys", events: ["deploy.failed"], config: { kind: "webhook", url: webhook.url } }),
      channel({ name: "off", enabled: false, config: { kind: "webhook", url: webhook.url } }),
    ]).notify(opened);
    expect(records).toHaveLength(0);
    expect(webhook.received.length).toBe(before);
  });
});

describe("chat channels", () => {
  test("slack and discord payloads", async () => {
    const before = webhook.received.length;
    await notifierWith([
      channel({ config: { kind: "slack", url: webhook.url } }),
      channel({ config: { kind: "discord", url: webhook.url } }),
    ]).notify(opened);
    const bodies = webhook.received.slice(before).map((h) => h.json as Record<string, unknown>);
    const slack = bodies.find((b) => "text" in b) as { text: string };
    const discord = bodies.find((b) => "embeds" in b) as { embeds: { title: string; color: number }[] };
    expect(slack.text).toContain("shop is down");
    expect(discord.embeds[0]!.title).toContain("shop is down");
    expect(discord.embeds[0]!.color).toBe(0xd93025);
  });
});

describe("email channel", () => {
  test("sends over SMTP with AUTH to a local receiver", async () => {
    const before = smtp.messages.length;
    const [record] = await notifierWith([
      channel({
        config: {
          kind: "email",
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          username: "pier",
          password: "pw",
          from: "pier <pier@example.test>",
          to: ["ops@example.test", "oncall@example.test"],
          allowInvalidCertificate: false,
        },
      }),
    ]).notify(opened);
    expect(record).toMatchObject({ ok: true });
    const mail = (await smtp.waitFor(before + 1))[before]!;
    expect(mail.from).toBe("pier@example.test");
    expect(mail.to).toEqual(["ops@example.test", "oncall@example.test"]);
    expect(mail.auth).toBe("pier:pw");
    expect(mail.subject).toBe("🔴 shop is down");
    expect(mail.text).toContain("HTTP 503");
  });

  test("implicit TLS", async () => {
    const secure = await startSmtpReceiver({ tls: selfSignedCertificate(1) });
    try {
      const [record] = await notifierWith([
        channel({
          config: {
            kind: "email",
            host: "127.0.0.1",
            port: secure.port,
            security: "tls",
            from: "pier@example.test",
            to: ["ops@example.test"],
            allowInvalidCertificate: true,
          },
        }),
      ]).notify({ kind: "test", message: "hello over TLS" });
      expect(record).toMatchObject({ ok: true });
      expect((await secure.waitFor(1))[0]!.text).toContain("hello over TLS");
    } finally {
      secure.stop();
    }
  });

  test("STARTTLS upgrade, and a self-signed relay is refused unless allowed", async () => {
    const relay = await startSmtpReceiver({ starttls: selfSignedCertificate(1) });
    const config = {
      kind: "email" as const,
      host: "127.0.0.1",
      port: relay.port,
      security: "starttls" as const,
      username: "u",
      password: "p",
      from: "pier@example.test",
      to: ["ops@example.test"],
    };
    try {
      const [ok] = await notifierWith([
        channel({ config: { ...config, allowInvalidCertificate: true } }),
      ]).notify(opened);
      expect(ok).toMatchObject({ ok: true });
      const [mail] = await relay.waitFor(1);
      expect(mail).toMatchObject({ secure: true, auth: "u:p" });
      const [refused] = await notifierWith([
        channel({ config: { ...config, allowInvalidCertificate: false } }),
      ]).notify(opened);
      expect(refused).toMatchObject({ ok: false, attempts: 1 });
      expect(refused!.error).toMatch(/certificate/i);
      expect(relay.messages).toHaveLength(1);
    } finally {
      relay.stop();
    }
  });

  test("a permanent 5xx reply is not retried", async () => {
    const rejecting = await startSmtpReceiver({ rejectRcpt: true });
    try {
      const [record] = await notifierWith([
        channel({
          config: {
            kind: "email",
            host: "127.0.0.1",
            port: rejecting.port,
            security: "none",
            from: "pier@example.test",
            to: ["nobody@example.test"],
            allowInvalidCertificate: false,
          },
        }),
      ]).notify(opened);
      expect(record).toMatchObject({ ok: false, attempts: 1 });
      expect(record!.error).toContain("550");
    } finally {
      rejecting.stop();
    }
  });
});
