import type { Server } from "bun";

export { freePort } from "../../../../test/support/ports.ts";

/** A local upstream that names itself in every answer and echoes what the proxy sent. */
export function startUpstream(
  name: string,
  extra?: (req: Request, server: Server<unknown>) => Response | Promise<Response> | undefined,
) {
  const seen: { path: string; headers: Record<string, string> }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    maxRequestBodySize: 1024 * 1024 * 1024,
    websocket: {
      message(ws, msg) {
        ws.send(`${name}:${msg}`);
      },
    },
    fetch(req, srv) {
      const url = new URL(req.url);
      seen.push({ path: url.pathname + url.search, headers: req.headers.toJSON() });
      const custom = extra?.(req, srv as Server<unknown>);
      if (custom !== undefined) return custom;
      if (req.headers.get("upgrade") === "websocket") {
        return srv.upgrade(req) ? undefined : new Response("no upgrade", { status: 400 });
      }
      return Response.json({ name, path: url.pathname + url.search, headers: req.headers.toJSON() });
    },
  });
  return { server, seen, url: `http://127.0.0.1:${server.port}`, name };
}
