import type { Server } from "bun";

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  json: unknown;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answer this status to the next N requests (to exercise retries). */
  failNext(count: number, status?: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  stop(): void;
}

export function startWebhookReceiver(): WebhookReceiver {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  let failStatus = 503;
  const server: Server<unknown> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      received.push({ headers: Object.fromEntries(req.headers), body, json, at: Date.now() });
      if (failures > 0) {
        failures--;
        return new Response("temporarily broken", { status: failStatus });
      }
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    received,
    failNext(count, status = 503) {
      failures = count;
      failStatus = status;
    },
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhook calls, got ${received.length}`);
        await Bun.sleep(20);
      }
      return received;
    },
    stop: () => server.stop(true),
  };
}
