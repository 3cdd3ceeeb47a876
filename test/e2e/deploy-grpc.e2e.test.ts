/**
 * A gRPC service deployed and proxied end to end: an app whose server speaks HTTP/2 only, without
 * TLS (node:http2, as gRPC servers do), declares `[deploy] upstream_protocol = "h2c"` in pier.toml;
 * its health check goes over h2c, and HTTP/2 clients reach it through pier's HTTPS port with the
 * gRPC trailers intact. All traffic on 127.0.0.1.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import { grpcCall } from "../support/grpc-client.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { api, baseDomain, deployEnv, gitRemote, requireDocker, ScratchRepo } from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_grpcdeploy${crypto.randomUUID().replaceAll("-", "")}`;
const appName = `grpc${Date.now().toString(36)}`;
const host = `${appName}.${baseDomain}`;
const docker = createDockerClient();
let pier: PierProcess | undefined;

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

/** A gRPC-shaped greeter over h2c: length-prefixed messages, grpc-status in the trailers. */
const grpcApp = {
  "package.json": JSON.stringify({ name: "grpc-app", scripts: { start: "bun server.ts" } }),
  "bunfig.toml": "",
  "pier.toml": `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "30s"\ndrain_timeout = "1s"\nstop_timeout = "2s"\nupstream_protocol = "h2c"\n`,
  "server.ts": `import { createServer } from "node:http2";
const server = createServer();
server.on("stream", (stream, headers) => {
  if (headers[":path"] === "/health") {
    stream.respond({ ":status": 200 });
    stream.end("ok");
    return;
  }
  const chunks = [];
  stream.on("data", (c) => chunks.push(c));
  stream.on("end", () => {
    const body = Buffer.concat(chunks);
    const name = body.subarray(5, 5 + body.readUInt32BE(1)).toString();
    const reply = Buffer.from("hello " + name + " from " + process.env.HOSTNAME);
    const frame = Buffer.alloc(5 + reply.length);
    frame.writeUInt32BE(reply.length, 1);
    reply.copy(frame, 5);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
console.log("grpc listening");
`,
};

describe.skipIf(!ready)("a gRPC service deployed with upstream_protocol = h2c", () => {
  test("health-checked over h2c, then called through the HTTPS port with its trailers", async () => {
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: token, ...deployEnv() },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain, "--console-host", `console.${baseDomain}`],
    });
    await api(pier.url, token)("POST", "/api/v1/apps", { name: appName });
    const repo = new ScratchRepo(gitRemote(pier, token, appName));
    await repo.commit(grpcApp);
    const pushed = await repo.push("main");
    expect(pushed.output).toContain("Live at");

    const call = await grpcCall(pier.httpsPort, host, "/demo.Greeter/SayHello", "ada");
    expect(Number(call.headers[":status"])).toBe(200);
    expect(call.headers["content-type"]).toBe("application/grpc");
    expect(call.messages[0]).toStartWith("hello ada from ");
    expect(call.trailers["grpc-status"]).toBe("0");
  }, 180_000);
});
