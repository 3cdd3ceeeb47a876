/**
 * The JavaScript cost of one proxied exchange, in process: a FrontConnection parses a small GET,
 * writes the upstream head, parses the upstream's answer and passes it on, over stand-in sockets
 * that accept every write. No syscalls and no event loop, so the figure repeats from run to run
 * (unlike wrk on a shared VM) and `bun --cpu-prof bench/proxy/exchange.ts` shows where it goes.
 *   bun bench/proxy/exchange.ts [--exchanges 2000000]
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";
import { RecordPacker } from "../../packages/proxy/src/shared/record-batch.ts";
import { routeSpecSchema } from "../../packages/proxy/src/shared/route-spec.ts";
import { buildRouteTable, findRoute } from "../../packages/proxy/src/shared/route-table.ts";
import { FrontConnection } from "../../packages/proxy/src/worker/front-connection.ts";
import { createFrontState, poolFor } from "../../packages/proxy/src/worker/front-state.ts";
import { UpstreamConn } from "../../packages/proxy/src/worker/upstream-pool.ts";

const { values } = parseArgs({ options: { exchanges: { type: "string", default: "2000000" } } });
const exchanges = Number(values.exchanges);

// What wrk sends and what the benchmark's Bun.serve upstream answers (bench/proxy/upstream.ts).
const request = Buffer.from("GET / HTTP/1.1\r\nHost: bench.test\r\n\r\n");
const response = Buffer.from(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=utf-8\r\nDate: Thu, 03 Dec 2026 12:00:00 GMT\r\nContent-Length: 12\r\n\r\nhello world\n",
);

const table = buildRouteTable(
  [routeSpecSchema.parse({ id: "bench", host: "bench.test", upstreams: ["http://127.0.0.1:9"] })],
  1,
);
const packer = new RecordPacker(256);
const state = createFrontState({
  table,
  acme: new Map(),
  internal: null,
  httpsPort: null,
  httpPort: 80,
  requestIdPrefix: "abcd1234-0-",
  record: (...fields) => {
    if (packer.add(...fields)) packer.take();
  },
  beacon: null,
});

let toClient = 0;
let toUpstream = 0;
const conn = new FrontConnection(state, false);
const client = {
  data: conn,
  remoteAddress: "127.0.0.1",
  setNoDelay() {},
  timeout() {},
  pause() {},
  resume() {},
  end() {},
  terminate() {},
  write(bytes: Uint8Array) {
    toClient += bytes.byteLength;
    return bytes.byteLength;
  },
};
conn.open(client as unknown as Socket<FrontConnection>);

// One idle keep-alive upstream connection in the pool, so every exchange reuses it.
const pool = poolFor(state, findRoute(table, "bench.test", "/")!.upstreams[0]!);
const upstream = new UpstreamConn(pool, conn);
upstream.socket = {
  pause() {},
  resume() {},
  end() {},
  terminate() {},
  write(_bytes: Uint8Array, _offset: number, length: number) {
    toUpstream += length;
    return length;
  },
} as unknown as Socket<UpstreamConn>;
pool.release(upstream);

function exchange(): void {
  conn.data(request);
  upstream.owner!.upstreamData(upstream, response);
}

for (let i = 0; i < 200_000; i++) exchange();
const perRound: number[] = [];
/** CPU time of this thread per exchange: on a shared machine wall time mostly measures the neighbours. */
const cpuPerRound: number[] = [];
const threadCpuUs = () => process.cpuUsage().user + process.cpuUsage().system;
for (let round = 0; round < 5; round++) {
  const before = toClient;
  const t = performance.now();
  const cpu = threadCpuUs();
  for (let i = 0; i < exchanges; i++) exchange();
  cpuPerRound.push(((threadCpuUs() - cpu) * 1e3) / exchanges);
  perRound.push(((performance.now() - t) * 1e6) / exchanges);
  if (toClient - before !== exchanges * response.length) throw new Error("an exchange did not answer");
}
const sorted = [...perRound].sort((a, b) => a - b);
const cpuSorted = [...cpuPerRound].sort((a, b) => a - b);
console.log(
  `one exchange in process: median ${sorted[2]!.toFixed(0)} ns (rounds: ${perRound.map((n) => n.toFixed(0)).join(", ")} ns; ${toUpstream} bytes upstream); CPU time median ${cpuSorted[2]!.toFixed(0)} ns (rounds: ${cpuPerRound.map((n) => n.toFixed(0)).join(", ")} ns)`,
);
