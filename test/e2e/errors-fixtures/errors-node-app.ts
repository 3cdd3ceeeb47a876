// Run by errors.e2e.test.ts in its own process: the real @sentry/node SDK, configured only by a DSN,
// reports what a small app would. Which events to send comes from argv.
import * as Sentry from "@sentry/node";

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.SENTRY_RELEASE,
  environment: process.env.SENTRY_ENVIRONMENT,
  tracesSampleRate: 0,
});
Sentry.setTag("region", "eu-west");

function chargeCard(orderId: number): never {
  throw new TypeError(`card declined for order ${orderId}`);
}

function checkout(orderId: number) {
  Sentry.addBreadcrumb({ category: "checkout", message: `start ${orderId}`, level: "info" });
  chargeCard(orderId);
}

const scenario = process.argv[2] ?? "all";
if (scenario === "all" || scenario === "charge") {
  for (const [i, user] of [
    [17, "alice"],
    [42, "bob"],
    [99, "alice"],
  ] as const) {
    try {
      checkout(i);
    } catch (error) {
      Sentry.withScope((scope) => {
        scope.setUser({ id: user });
        Sentry.captureException(error);
      });
    }
  }
}
if (scenario === "all") {
  Sentry.captureMessage("Inventory sync took 1234 ms for 17 items", "warning");
  Sentry.captureMessage("Inventory sync took 98 ms for 3 items", "warning");
  Sentry.captureException(new Error("upstream A timed out"), { fingerprint: ["payment-provider-timeout"] });
  Sentry.captureException(new RangeError("upstream B timed out"), {
    fingerprint: ["payment-provider-timeout"],
  });
}
await Sentry.flush(10_000);
console.log("sent");
