import { expect, test } from "bun:test";
import { parseContainerEvent, servedBy } from "./replica-watch.ts";
import type { ServedEnvironment } from "./serving.ts";

test("parseContainerEvent reads the Engine's event lines and skips everything else", () => {
  const die = JSON.stringify({
    Type: "container",
    Action: "die",
    Actor: { ID: "abc123", Attributes: { exitCode: "3", "pier.app": "shop" } },
  });
  expect(parseContainerEvent(die)).toEqual({ action: "die", containerId: "abc123", exitCode: 3 });
  expect(
    parseContainerEvent(JSON.stringify({ Type: "container", Action: "start", Actor: { ID: "abc" } })),
  ).toEqual({
    action: "start",
    containerId: "abc",
    exitCode: null,
  });
  expect(
    parseContainerEvent(JSON.stringify({ Type: "network", Action: "connect", Actor: { ID: "n" } })),
  ).toBeNull();
  expect(parseContainerEvent("not json")).toBeNull();
});

test("servedBy finds the environment a container is a live replica of", () => {
  const entry = { replicas: [{ containerId: "a", upstream: "127.0.0.1:1" }] } as ServedEnvironment;
  expect(servedBy([entry], "a")).toBe(entry);
  expect(servedBy([entry], "old-release")).toBeUndefined();
});
