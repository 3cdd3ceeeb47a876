import { expect, test } from "bun:test";
import { serviceContainerOptions } from "./service-containers.ts";

const credentials = { user: "shop", password: "pw", database: "shop", rootPassword: "root" };

test("a service container: its volume, own network, health check, limits, and no host port", () => {
  const options = serviceContainerOptions({
    name: "shop-db",
    kind: "postgres",
    image: "postgres:16",
    credentials,
    memoryBytes: 256 * 1024 * 1024,
    healthIntervalMs: 5000,
    apps: [],
  });
  expect(options.name).toBe("pier-svc-shop-db");
  expect(options.HostConfig?.Mounts).toEqual([
    { Type: "volume", Source: "pier-svc-shop-db-data", Target: "/var/lib/postgresql/data" },
  ]);
  expect(options.HostConfig?.NetworkMode).toBe("pier-svc-shop-db");
  expect(options.HostConfig?.PortBindings).toBeUndefined();
  expect(options.HostConfig?.RestartPolicy).toEqual({ Name: "unless-stopped" });
  expect(options.HostConfig?.Memory).toBe(256 * 1024 * 1024);
  expect(options.Healthcheck?.Test).toEqual([
    "CMD",
    "pg_isready",
    "-q",
    "-h",
    "127.0.0.1",
    "-U",
    "shop",
    "-d",
    "shop",
  ]);
  expect(options.Env).toContain("POSTGRES_PASSWORD=pw");
  expect(options.StopSignal).toBe("SIGINT");
});

test("Redis: password and AOF on the command line, the CLI authenticated through REDISCLI_AUTH", () => {
  const options = serviceContainerOptions({
    name: "cache",
    kind: "redis",
    image: "redis:7",
    credentials,
    memoryBytes: null,
    healthIntervalMs: 1000,
    apps: [],
  });
  expect(options.Cmd).toEqual([
    "redis-server",
    "--requirepass",
    "pw",
    "--appendonly",
    "yes",
    "--dir",
    "/data",
    "--enable-debug-command",
    "local",
  ]);
  expect(options.Env).toEqual(["REDISCLI_AUTH=pw"]);
  expect(options.Healthcheck?.Test).toEqual(["CMD", "redis-cli", "ping"]);
});
