import { expect, test } from "bun:test";
import { ExecOutputDemux } from "./demux.ts";

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

test("passes stdout on, keeps stderr apart, across chunk boundaries", async () => {
  const demux = new ExecOutputDemux();
  const all = Buffer.concat([frame(1, "hello "), frame(2, "warning\n"), frame(1, "world")]);
  const out: Buffer[] = [];
  demux.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => demux.on("end", resolve));
  for (let i = 0; i < all.length; i += 5) demux.write(all.subarray(i, i + 5));
  demux.end();
  await done;
  expect(Buffer.concat(out).toString()).toBe("hello world");
  expect(demux.stderr).toBe("warning\n");
});
