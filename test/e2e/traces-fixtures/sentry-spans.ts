// Sends a traced request with @sentry/node or @sentry/bun (argv[3]): argv[2] "static" (a
// transaction event) or "stream" (SDK 11's default span streaming, `span` v2 items). Prints the
// trace id.
import * as SentryBun from "@sentry/bun";
import * as SentryNode from "@sentry/node";

const lifecycle = process.argv[2] === "static" ? "static" : "stream";
const Sentry = (process.argv[3] === "bun" ? SentryBun : SentryNode) as typeof SentryNode;
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  tracesSampleRate: 1,
  traceLifecycle: lifecycle,
  release: "1.0.0",
});

const traceId = await Sentry.startSpan(
  { name: `GET /cart/${lifecycle}`, op: "http.server", attributes: { "http.request.method": "GET" } },
  async (root) => {
    await Sentry.startSpan({ name: "load cart", op: "db.query" }, async () => {
      await Bun.sleep(30);
    });
    Sentry.captureException(new Error(`cart failed ${lifecycle}`));
    return root.spanContext().traceId;
  },
);
await Sentry.flush(5000);
console.log(JSON.stringify({ traceId }));
