// Bundled by replay.e2e.test.ts with Bun's bundler: @sentry/browser with the replay integration,
// recording every session from the start, on a page served from 127.0.0.1. Text is masked (the
// SDK's default) except the `.public` elements, so the suite can tell what was never sent.
import * as Sentry from "@sentry/browser";

const config = (window as unknown as { PIER_SENTRY: { dsn: string } }).PIER_SENTRY;
Sentry.init({
  dsn: config.dsn,
  release: "web@2.0.0",
  environment: "replay-test",
  replaysSessionSampleRate: 1,
  replaysOnErrorSampleRate: 1,
  integrations: [
    Sentry.replayIntegration({
      maskAllText: true,
      unmask: [".public"],
      blockAllMedia: true,
      // Send segments quickly so the suite does not wait the default 5 s between flushes.
      minReplayDuration: 0,
      flushMinDelay: 200,
      flushMaxDelay: 400,
    }),
  ],
});
Sentry.setUser({ id: "replay-user" });

document.getElementById("add")!.addEventListener("click", () => {
  const item = document.createElement("li");
  item.className = "public";
  item.textContent = "Order placed";
  document.getElementById("orders")!.append(item);
});

function checkout(): void {
  const cart = (window as unknown as { cart?: { total: number } }).cart;
  document.title = String(cart!.total);
}
document.getElementById("pay")!.addEventListener("click", () => {
  setTimeout(checkout, 0);
});
(window as unknown as { sentryReady: boolean }).sentryReady = true;
