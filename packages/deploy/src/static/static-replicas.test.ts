import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStaticReplicaRuntime, parseStaticImageRef, staticImageRef } from "./static-replicas.ts";

const dir = mkdtempSync(join(tmpdir(), "pier-static-replica-"));
await Bun.write(join(dir, "index.html"), "hello static");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("image refs round-trip with the SPA flag", () => {
  expect(parseStaticImageRef(staticImageRef("/a/b", true))).toEqual({ dir: "/a/b", spa: true });
  expect(parseStaticImageRef(staticImageRef("/a/b", false))).toEqual({ dir: "/a/b", spa: false });
  expect(parseStaticImageRef("pier/app:1")).toBeNull();
});

test("a static replica serves on loopback until stopped", async () => {
  const runtime = createStaticReplicaRuntime();
  const started = await runtime.start({
    app: "site",
    env: "production",
    deploymentId: "dep_1",
    replica: 1,
    image: staticImageRef(dir, false),
    port: 3000,
    envVars: {},
  });
  expect(started.upstream).toStartWith("127.0.0.1:");
  expect(await (await fetch(`http://${started.upstream}/`)).text()).toBe("hello static");
  expect((await runtime.state(started.containerId)).running).toBe(true);
  expect(runtime.list()).toHaveLength(1);
  await runtime.stop(started.containerId, 100);
  expect((await runtime.state(started.containerId)).running).toBe(false);
  expect(fetch(`http://${started.upstream}/`)).rejects.toThrow();
});
