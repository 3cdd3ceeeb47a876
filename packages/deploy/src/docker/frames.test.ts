import { expect, test } from "bun:test";
import { createFrameDemuxer } from "./frames.ts";

const frame = (stream: number, text: string) => {
  const payload = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
};

test("frames cut anywhere come out whole, with their stream", () => {
  const got: string[] = [];
  const push = createFrameDemuxer((stream, payload) =>
    got.push(`${stream}:${new TextDecoder().decode(payload)}`),
  );
  const bytes = new Uint8Array([...frame(1, "> "), ...frame(2, "oops\n"), ...frame(1, "ok")]);
  for (let i = 0; i < bytes.length; i += 3) push(bytes.subarray(i, i + 3));
  expect(got).toEqual(["1:> ", "2:oops\n", "1:ok"]);
});
