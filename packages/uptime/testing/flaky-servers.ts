import type { Server, TCPSocketListener } from "bun";

/** An HTTP server on a fixed port whose health can be switched, like a real app going down and up. */
export function flakyHttpServer(options: { tls?: { cert: string; key: string } } = {}) {
  let healthy = true;
  let body = "status: all good";
  let delayMs = 0;
  const server: Server<unknown> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: options.tls,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/redirect") return Response.redirect("/health", 302);
      if (url.pathname === "/slow") await Bun.sleep(500);
      if (url.pathname === "/headers") return Response.json(Object.fromEntries(req.headers));
      if (url.pathname === "/auth")
        return new Response("auth", { status: req.headers.get("x-api-key") === "k1" ? 200 : 401 });
      if (delayMs) await Bun.sleep(delayMs);
      return new Response(healthy ? body : "upstream exploded", { status: healthy ? 200 : 503 });
    },
  });
  const scheme = options.tls ? "https" : "http";
  return {
    url: (path = "/health") => `${scheme}://127.0.0.1:${server.port}${path}`,
    port: server.port,
    setHealthy(value: boolean) {
      healthy = value;
    },
    setBody(value: string) {
      body = value;
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    stop: () => server.stop(true),
  };
}

/** A TCP listener that can be closed and reopened on the same port. */
export function toggleableTcpServer() {
  const open = (port: number): TCPSocketListener<undefined> =>
    Bun.listen({
      hostname: "127.0.0.1",
      port,
      socket: {
        data() {},
        open(s) {
          s.end();
        },
      },
    });
  let listener: TCPSocketListener<undefined> | undefined = open(0);
  const port = listener.port;
  return {
    target: `127.0.0.1:${port}`,
    port,
    down() {
      listener?.stop(true);
      listener = undefined;
    },
    up() {
      listener ??= open(port);
    },
    stop() {
      listener?.stop(true);
    },
  };
}
