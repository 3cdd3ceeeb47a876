import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import { type PierProcess, runCli } from "../support/pier-process.ts";
import { api, baseDomain, requireDocker, startDeployPier, viaProxy } from "./deploy-fixtures.ts";

// A distributed trace across two apps deployed with pier: each traces itself with only the
// OTEL_* variables pier gives it, the front calls the other through pier's proxy with a
// traceparent, and the spans of both arrive as one trace. Needs dockerd and pier-base/bun:1.
const ready = await requireDocker();
const token = `pier_tracedeploy${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const front = `front${suffix}`;
const stock = `stock${suffix}`;
const appDir = join(import.meta.dir, "traces-fixtures", "deployed-app");
const docker = createDockerClient();
let pier: PierProcess;

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  route: string;
  entry: boolean;
  appId: string | null;
}

/**
 * The suites bind pier to 127.0.0.1, which containers cannot reach: a byte relay on the Docker
 * bridge's address (reachable from containers only, not from the network) stands in for the
 * public address an app host has in production.
 */
function bridgeRelay(hostname: string, targetPort: number) {
  type Pair = { upstream?: import("bun").Socket<undefined>; pending: Uint8Array[] };
  return Bun.listen<Pair>({
    hostname,
    port: 0,
    socket: {
      open(client) {
        client.data = { pending: [] };
        void Bun.connect({
          hostname: "127.0.0.1",
          port: targetPort,
          socket: {
            open(upstream) {
              client.data.upstream = upstream;
              for (const chunk of client.data.pending) upstream.write(chunk);
              client.data.pending = [];
            },
            data(_upstream, chunk) {
              client.write(chunk);
            },
            close() {
              client.end();
            },
            error() {
              client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        if (client.data.upstream) client.data.upstream.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data.upstream?.end();
      },
    },
  });
}
let relay: ReturnType<typeof bridgeRelay> | undefined;

/** The host's address on Docker's default bridge. */
async function bridgeGateway(): Promise<string> {
  const network = (await docker.getNetwork("bridge").inspect()) as {
    IPAM: { Config: { Gateway?: string }[] };
  };
  return network.IPAM.Config.find((c) => c.Gateway)?.Gateway ?? "172.17.0.1";
}

beforeAll(async () => {
  if (!ready) return;
  pier = await startDeployPier(token, { proxyWorkers: 1 });
  const call = api(pier.url, token);
  const bridge = await bridgeGateway();
  relay = bridgeRelay(bridge, pier.httpPort);
  const gateway = `http://${bridge}:${relay.port}`;
  for (const [name, next] of [
    [stock, ""],
    [front, `${stock}.${baseDomain}`],
  ] as const) {
    expect((await call("POST", "/api/v1/apps", { name })).status).toBe(201);
    const cli = (...args: string[]) => runCli([...args, "--url", pier.url, "--token", token]);
    const env = await cli("env", "set", `GATEWAY=${gateway}`, `NEXT_HOST=${next || "-"}`, "--app", name);
    expect(env.code).toBe(0);
    const deployed = await cli("deploy", appDir, "--app", name);
    if (deployed.code !== 0) throw new Error(`deploy ${name}: ${deployed.stdout}\n${deployed.stderr}`);
  }
}, 240_000);

afterAll(async () => {
  if (!ready) return;
  relay?.stop(true);
  await pier?.stop();
  for (const name of [front, stock]) await removeAppContainersAndImages(docker, name);
});

describe.skipIf(!ready)("a trace across two deployed apps", () => {
  test("the proxy passes traceparent untouched and both apps' spans make one trace", async () => {
    const res = await viaProxy(pier.httpPort, `${front}.${baseDomain}`, "/checkout");
    const raw = await res.text();
    if (res.status !== 200) {
      const logs = await runCli([
        "logs",
        "--app",
        front,
        "--tail",
        "30",
        "--url",
        pier.url,
        "--token",
        token,
      ]);
      throw new Error(`/checkout answered ${res.status}: ${raw.slice(0, 300)}\n${logs.stdout}${logs.stderr}`);
    }
    const body = JSON.parse(raw) as {
      traceId: string;
      clientSpanId: string;
      sent: string;
      received: string;
    };
    expect(body.received).toBe(body.sent);
    let spans: Span[] = [];
    const deadline = Date.now() + 15_000;
    while (spans.length < 3 && Date.now() < deadline) {
      const answer = await fetch(`${pier.url}/api/v1/traces/${body.traceId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (answer.ok) spans = ((await answer.json()) as { spans: Span[] }).spans;
      else await Bun.sleep(200);
    }
    expect(spans).toHaveLength(3);
    const checkout = spans.find((s) => s.route === "GET /checkout")!;
    const client = spans.find((s) => s.spanId === body.clientSpanId)!;
    const stockSpan = spans.find((s) => s.route === "GET /stock")!;
    // OTEL_SERVICE_NAME is the app's name; each app's spans belong to its own app.
    expect(checkout).toMatchObject({ service: front, parentSpanId: null, entry: true });
    expect(client).toMatchObject({ service: front, parentSpanId: checkout.spanId, entry: false });
    expect(stockSpan).toMatchObject({ service: stock, parentSpanId: body.clientSpanId, entry: true });
    expect(stockSpan.appId).not.toBe(checkout.appId);
    const routes = await fetch(`${pier.url}/api/v1/traces/routes?app=${stock}&period=1h`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { routes: stockRoutes } = (await routes.json()) as { routes: { route: string; count: number }[] };
    expect(stockRoutes).toEqual([expect.objectContaining({ route: "GET /stock", count: 1 })]);
  });
});
