import { expect, test } from "bun:test";
import type { ReplicaSpec } from "../ports.ts";
import { containerOptions } from "./replicas.ts";

const spec: ReplicaSpec = {
  app: "shop",
  env: "production",
  deploymentId: "dep_1",
  replica: 1,
  image: "pier/shop:dep_1",
  port: 3000,
  envVars: { A: "1" },
  memoryBytes: 1024 ** 3,
  pidsLimit: 1024,
};

test("replicas: loopback port, no privileges, memory cap including swap, process limit", () => {
  const options = containerOptions(spec, "inst");
  expect(options.HostConfig).toMatchObject({
    PortBindings: { "3000/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    Privileged: false,
    SecurityOpt: ["no-new-privileges"],
    Memory: 1024 ** 3,
    MemorySwap: 1024 ** 3,
    PidsLimit: 1024,
    ReadonlyRootfs: false,
  });
  expect(options.User).toBeUndefined();
  expect(options.HostConfig?.Tmpfs).toBeUndefined();
  expect(options.Env).toEqual(["A=1", "PORT=3000", "HOST=0.0.0.0"]);
});

test("[deploy] user and read_only: another user, a read-only root and an in-memory /tmp", () => {
  const options = containerOptions({ ...spec, user: "1000:1000", readOnly: true, memoryBytes: null });
  expect(options.User).toBe("1000:1000");
  expect(options.HostConfig).toMatchObject({
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": "rw,nosuid,nodev,size=64m" },
  });
  // memory = "none": no cap at all.
  expect(options.HostConfig?.Memory).toBeUndefined();
  expect(options.HostConfig?.MemorySwap).toBeUndefined();
});
