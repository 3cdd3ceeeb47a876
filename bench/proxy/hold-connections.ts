/**
 * Opens N keep-alive connections to a proxy, sends one small request on each and keeps them open
 * and idle until killed: what the proxy holds per idle client connection (docs/performance.md,
 * Proxy matrix, memory per connection). Prints "held N" once every answer arrived.
 *   bun bench/proxy/hold-connections.ts --port 9091 --count 10000
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    count: { type: "string", default: "10000" },
    host: { type: "string", default: "bench.test" },
  },
});
const count = Number(values.count);
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${values.host}\r\n\r\n`);
let answered = 0;
let failed = 0;
const sockets: unknown[] = [];
// In batches, so the listen backlog is not what is measured.
for (let i = 0; i < count; i += 500) {
  const batch = Array.from({ length: Math.min(500, count - i) }, () =>
    Bun.connect({
      hostname: "127.0.0.1",
      port: Number(values.port),
      data: { answered: false },
      socket: {
        open(s) {
          s.write(request);
        },
        data(s) {
          if (!s.data.answered) {
            s.data.answered = true;
            answered++;
          }
        },
        close(s) {
          if (!s.data.answered) failed++;
        },
      },
    }).then(
      (s) => sockets.push(s),
      () => failed++,
    ),
  );
  await Promise.all(batch);
}
const until = Date.now() + 30_000;
while (answered + failed < count && Date.now() < until) await Bun.sleep(20);
console.log(`held ${answered} failed ${failed}`);
setInterval(() => {}, 1 << 30);
