import { expect, test } from "bun:test";
import { dockerEndpoint, engineHasContainers, pingDockerEngine } from "./client.ts";

test("DOCKER_HOST picks the Engine endpoint like the docker CLI", () => {
  expect(dockerEndpoint(undefined)).toEqual({ unix: "/var/run/docker.sock" });
  expect(dockerEndpoint("unix:///run/user/1000/docker.sock")).toEqual({ unix: "/run/user/1000/docker.sock" });
  expect(dockerEndpoint("tcp://127.0.0.1:2375")).toEqual({ url: "http://127.0.0.1:2375" });
});

test("the ping answers true only for an Engine that says OK", async () => {
  const engine = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("OK") });
  const impostor = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("nginx") });
  try {
    expect(await pingDockerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${engine.port}` })).toBe(true);
    expect(await pingDockerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${impostor.port}` })).toBe(false);
    expect(await pingDockerEngine({ DOCKER_HOST: "unix:///nonexistent/docker.sock" })).toBe(false);
  } finally {
    engine.stop(true);
    impostor.stop(true);
  }
});

test("engineHasContainers asks the Engine for containers with every label, and says no when it cannot", async () => {
  let asked: URL | null = null;
  const engine = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      asked = new URL(request.url);
      const filters = JSON.parse(asked.searchParams.get("filters") ?? "{}") as { label: string[] };
      return Response.json(filters.label.includes("pier.instance=mine") ? [{ Id: "c1" }] : []);
    },
  });
  const broken = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("no", { status: 500 }),
  });
  try {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${engine.port}` };
    expect(await engineHasContainers(["pier.app", "pier.instance=mine"], env)).toBe(true);
    expect(asked!.pathname).toBe("/containers/json");
    expect(asked!.searchParams.get("all")).toBe("1");
    expect(await engineHasContainers(["pier.app", "pier.instance=other"], env)).toBe(false);
    expect(await engineHasContainers(["pier.app"], { DOCKER_HOST: `tcp://127.0.0.1:${broken.port}` })).toBe(
      false,
    );
    expect(await engineHasContainers(["pier.app"], { DOCKER_HOST: "unix:///nonexistent/docker.sock" })).toBe(
      false,
    );
  } finally {
    engine.stop(true);
    broken.stop(true);
  }
});
