/** runOneOff against a real Docker Engine and pier-base/bun:1 (skips outside CI without them). */
import { describe, expect, test } from "bun:test";
import { dockerWithImage } from "../../testing/docker-with-image.ts";
import { labelKeys } from "./labels.ts";
import { runOneOff } from "./one-off.ts";

const image = "pier-base/bun:1";
const { docker, ready } = await dockerWithImage(image);
const app = `oneoff${Date.now().toString(36)}`;
const spec = (command: string | string[]) => ({
  kind: "release" as const,
  app,
  env: "production",
  deploymentId: "dep_test",
  image,
  port: 3000,
  envVars: { GREETING: "hello" },
  command,
});
const leftovers = async () =>
  docker.listContainers({ all: true, filters: { label: [`${labelKeys.app}=${app}`] } });

describe.skipIf(!ready)("runOneOff", () => {
  test("streams stdout and stderr lines, returns the exit code, removes the container", async () => {
    const lines: string[] = [];
    const result = await runOneOff(docker, spec("echo $GREETING $PORT; echo oops >&2; exit 3"), {
      timeoutMs: 20_000,
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    // The container writes the two streams through separate pipes, so Docker may pass them on in
    // either order: each line must arrive once, from its own stream.
    expect(lines.toSorted()).toEqual(["stderr:oops", "stdout:hello 3000"]);
    expect(result.tail.toSorted()).toEqual(["hello 3000", "oops"]);
    expect(await leftovers()).toHaveLength(0);
  }, 30_000);

  test("a command past its timeout is killed", async () => {
    const result = await runOneOff(docker, spec(["sleep", "30"]), { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(await leftovers()).toHaveLength(0);
  }, 30_000);
});
