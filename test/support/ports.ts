/** A port that was free a moment ago on 127.0.0.1 (reusePort listeners cannot share port 0). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
