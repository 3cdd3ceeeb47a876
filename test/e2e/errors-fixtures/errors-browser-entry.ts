// Bundled by errors.e2e.test.ts with Bun's bundler and loaded in Chromium from a page behind pier's
// proxy. The DSN points at the page's own host under /_pier/, so events stay same-origin.
import * as Sentry from "@sentry/browser";

const config = (window as unknown as { PIER_SENTRY: { dsn: string; tunnel?: string } }).PIER_SENTRY;
Sentry.init({ dsn: config.dsn, tunnel: config.tunnel, release: "web@1.0.0", environment: "browser-test" });
Sentry.setUser({ id: "browser-user" });

function renderCart(): void {
  const cart = (window as unknown as { cart?: { items: string[] } }).cart;
  document.title = String(cart!.items.length);
}

document.getElementById("boom")!.addEventListener("click", () => {
  setTimeout(renderCart, 0);
});
(window as unknown as { sentryReady: boolean }).sentryReady = true;
