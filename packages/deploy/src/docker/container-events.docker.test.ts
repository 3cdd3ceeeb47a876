/** openContainerEvents against a real Docker Engine (skips outside CI without it). */
import { describe, expect, test } from "bun:test";
import { dockerWithImage } from "../../testing/docker-with-image.ts";
import { openContainerEvents } from "./client.ts";

const image = "pier-base/bun:1";
const { docker, ready } = await dockerWithImage(image);

describe.skipIf(!ready)("openContainerEvents", () => {
  test("reports the first container carrying every label, and nothing for others", async () => {
    const mine = `pier.test.events=${Date.now().toString(36)}`;
    const waiting = new AbortController();
    const events = await openContainerEvents(["pier.app", mine], waiting.signal);
    expect(events).not.toBeNull();
    const next = events!.next();
    let settled = false;
    void next.then(() => {
      settled = true;
    });
    // Only one of the two labels: not this caller's container.
    const other = await docker.createContainer({ Image: image, Cmd: ["true"], Labels: { "pier.app": "x" } });
    await Bun.sleep(300);
    expect(settled).toBe(false);
    const created = await docker.createContainer({
      Image: image,
      Cmd: ["true"],
      Labels: { "pier.app": "x", [mine.split("=")[0]!]: mine.split("=")[1]! },
    });
    try {
      expect(await next).toBe(true);
    } finally {
      waiting.abort();
      await created.remove({ force: true });
      await other.remove({ force: true });
    }
  }, 20_000);

  test("aborting ends the wait; an Engine that cannot be reached gives null", async () => {
    const waiting = new AbortController();
    const events = await openContainerEvents([`pier.test.none=${Date.now()}`], waiting.signal);
    const next = events!.next();
    waiting.abort();
    expect(await next).toBe(false);
    expect(
      await openContainerEvents(["pier.app"], new AbortController().signal, {
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
      }),
    ).toBeNull();
  });
});
