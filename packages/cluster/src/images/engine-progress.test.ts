import { expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { createDockerClient } from "@pier/deploy";
import { followEngineProgress } from "./engine-progress.ts";
import { isTransientPushFailure } from "./publish.ts";

// The Engine's progress is newline-separated JSON; docker-modem's own parser reads it here.
const { modem } = createDockerClient();

test("events are passed on and the stream's end resolves", async () => {
  const stream = new PassThrough();
  const seen: string[] = [];
  const done = followEngineProgress(modem, stream, (e) => seen.push(e.stream ?? ""), 1_000);
  stream.write(`${JSON.stringify({ stream: "a" })}\n`);
  stream.end(`${JSON.stringify({ aux: { Digest: "sha256:1" } })}\n`);
  await done;
  expect(seen).toEqual(["a", ""]);
});

test("an error event fails it with the Engine's words", async () => {
  const stream = new PassThrough();
  const done = followEngineProgress(modem, stream, () => {}, 1_000);
  stream.end(`${JSON.stringify({ error: "denied: requested access to the resource is denied" })}\n`);
  await expect(done).rejects.toThrow("denied: requested access");
});

test("an Engine that goes silent is given up on, as a failure a push tries again", async () => {
  const stream = new PassThrough();
  const done = followEngineProgress(modem, stream, () => {}, 100);
  stream.write(`${JSON.stringify({ stream: "layer 1" })}\n`);
  const error = await done.then(
    () => null,
    (e: Error) => e,
  );
  expect(error?.message).toBe("the Engine reported no progress for 0.1 s (timed out)");
  expect(isTransientPushFailure(error!.message)).toBe(true);
});

test("without a stall limit (builds) silence is waited out", async () => {
  const stream = new PassThrough();
  const done = followEngineProgress(modem, stream, () => {});
  await Bun.sleep(150);
  stream.end(`${JSON.stringify({ stream: "Successfully built" })}\n`);
  await done;
});
