// One proxy-like worker of the prototype: answers beacons itself and batches them to the main thread.
import { type RawBeacon, readBeacon } from "@pier/analytics";

declare const self: Worker;
const port = Number(process.env.PIER_BENCH_BEACON_PORT);
let pending: RawBeacon[] = [];
Bun.serve({
  hostname: "127.0.0.1",
  port,
  reusePort: true,
  async fetch(request, server) {
    const { beacon, response } = await readBeacon(
      request,
      server.requestIP(request)?.address ?? "",
      request.headers.get("host") ?? "",
      null,
    );
    if (beacon && !process.env.PIER_BENCH_DISCARD) pending.push(beacon);
    return response;
  },
});
setInterval(() => {
  if (pending.length === 0) return;
  self.postMessage(pending);
  pending = [];
}, 50);
self.postMessage("ready");
