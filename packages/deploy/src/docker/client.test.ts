import { expect, test } from "bun:test";
import { dockerEndpoint, pingDockerEngine } from "./client.ts";

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
