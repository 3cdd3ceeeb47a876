import { expect, test } from "bun:test";
import { oneOffCommand, oneOffContainerOptions } from "./one-off.ts";

test("a one-off container: a replica's limits and env, no port, no restart, labelled as one-off", () => {
  const options = oneOffContainerOptions(
    {
      kind: "release",
      app: "shop",
      env: "production",
      deploymentId: "dep_1",
      image: "pier/shop:dep_1",
      port: 3000,
      envVars: { DATABASE_URL: "postgres://db" },
      memoryBytes: 512 * 1024 ** 2,
      pidsLimit: 256,
      user: "1000",
      command: "bun run migrate",
    },
    "inst",
  );
  expect(options.Cmd).toEqual(["/bin/sh", "-c", "bun run migrate"]);
  expect(options.name).toMatch(/^pier-shop-production-release-[0-9a-f]{8}$/);
  expect(options.Labels).toMatchObject({
    "pier.app": "shop",
    "pier.deployment": "dep_1",
    "pier.instance": "inst",
    "pier.one-off": "release",
  });
  expect(options.ExposedPorts).toBeUndefined();
  expect(options.HostConfig?.PortBindings).toBeUndefined();
  expect(options.HostConfig).toMatchObject({
    RestartPolicy: { Name: "no" },
    Privileged: false,
    SecurityOpt: ["no-new-privileges"],
    Memory: 512 * 1024 ** 2,
    PidsLimit: 256,
    Init: true,
  });
  expect(options.User).toBe("1000");
  expect(options.Env).toContain("DATABASE_URL=postgres://db");
  expect(options.Tty).toBe(false);
  expect(options.OpenStdin).toBe(false);
});

test("interactive: a terminal and stdin that closes with the caller's", () => {
  const options = oneOffContainerOptions({
    kind: "run",
    app: "shop",
    env: "preview-x",
    deploymentId: "dep_2",
    image: "img",
    port: 3000,
    envVars: {},
    command: ["bun", "repl"],
    tty: true,
    stdin: true,
  });
  expect(options.Cmd).toEqual(["bun", "repl"]);
  expect(options).toMatchObject({ Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true });
});

test("commands: strings go through the shell, arrays run as they are", () => {
  expect(oneOffCommand("echo $HOME && ls")).toEqual(["/bin/sh", "-c", "echo $HOME && ls"]);
  expect(oneOffCommand(["ls", "-la"])).toEqual(["ls", "-la"]);
});
