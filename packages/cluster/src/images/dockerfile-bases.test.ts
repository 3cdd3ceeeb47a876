import { expect, test } from "bun:test";
import { dockerfileBases, imageName } from "./dockerfile-bases.ts";

test("bases are found and pinned; stages, scratch, ARGs and explicit platforms are left alone", () => {
  const text = [
    "ARG BASE=alpine",
    "FROM oven/bun:1 AS deps",
    "RUN bun install",
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS tools",
    "FROM $BASE",
    "FROM deps AS build",
    "from registry.example.com:8443/pier-base/bun:1",
    "FROM scratch",
    "COPY --from=build /app /app",
  ].join("\n");
  const parsed = dockerfileBases(text);
  expect(parsed.bases).toEqual(["oven/bun:1", "registry.example.com:8443/pier-base/bun:1"]);
  const out = parsed.render(
    new Map([
      ["oven/bun:1", "oven/bun@sha256:aa"],
      ["registry.example.com:8443/pier-base/bun:1", "registry.example.com:8443/pier-base/bun@sha256:bb"],
    ]),
  );
  expect(out.split("\n")).toEqual([
    "ARG BASE=alpine",
    "FROM oven/bun@sha256:aa AS deps",
    "RUN bun install",
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS tools",
    "FROM $BASE",
    "FROM deps AS build",
    "from registry.example.com:8443/pier-base/bun@sha256:bb",
    "FROM scratch",
    "COPY --from=build /app /app",
  ]);
});

test("image names without tag or digest, registry ports kept", () => {
  expect(imageName("registry.example.com:8443/pier-base/bun:1")).toBe(
    "registry.example.com:8443/pier-base/bun",
  );
  expect(imageName("oven/bun@sha256:aa")).toBe("oven/bun");
  expect(imageName("localhost:5000/x")).toBe("localhost:5000/x");
});
