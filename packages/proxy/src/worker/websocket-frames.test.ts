import { expect, test } from "bun:test";
import { clientCloseFrame, FrameBoundaries, serverCloseFrame, WebSocketTunnel } from "./websocket-frames.ts";

/** A frame as a server (unmasked) or a client (masked, zero key) sends it. */
function frame(payloadLength: number, masked = false): Buffer {
  const ext = payloadLength < 126 ? 0 : payloadLength < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = 0x82;
  const len7 = ext === 0 ? payloadLength : ext === 2 ? 126 : 127;
  head[1] = (masked ? 0x80 : 0) | len7;
  if (ext === 2) head.writeUInt16BE(payloadLength, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(payloadLength), 2);
  return Buffer.concat([head, Buffer.alloc(payloadLength, 7)]);
}

test("frame boundaries are found whatever the sizes and however the bytes are split", () => {
  const frames = [frame(0), frame(5), frame(125, true), frame(126), frame(300, true), frame(70_000)];
  const wire = Buffer.concat(frames);
  const ends: number[] = [];
  let at = 0;
  for (const f of frames) {
    at += f.length;
    ends.push(at);
  }
  for (const step of [1, 3, 7, 1000, wire.length]) {
    const b = new FrameBoundaries();
    const found: number[] = [];
    for (let start = 0; start < wire.length; start += step) {
      const piece = wire.subarray(start, Math.min(wire.length, start + step));
      let from = 0;
      while (from < piece.length) {
        from = b.follow(piece, from, true);
        if (b.atBoundary) found.push(start + from);
      }
    }
    expect(found).toEqual(ends);
  }
});

test("close frames: 1001 unmasked to the client, masked to the upstream", () => {
  const down = serverCloseFrame(1001, "going away");
  expect([...down.subarray(0, 4)]).toEqual([0x88, 12, 0x03, 0xe9]);
  expect(down.subarray(4).toString()).toBe("going away");
  const up = clientCloseFrame(1001, "going away");
  expect([up[0], up[1]]).toEqual([0x88, 0x80 | 12]);
  const mask = up.subarray(2, 6);
  const payload = Buffer.from(up.subarray(6).map((byte, i) => byte ^ mask[i & 3]!));
  expect([payload.readUInt16BE(0), payload.subarray(2).toString()]).toEqual([1001, "going away"]);
});

test("a tunnel closed mid-frame finishes that frame first, then sends its close and nothing more", () => {
  const toClient: Buffer[] = [];
  const toUpstream: Buffer[] = [];
  const tunnel = new WebSocketTunnel({
    toClient: (b) => toClient.push(Buffer.from(b)),
    toUpstream: (b) => toUpstream.push(Buffer.from(b)) > 0,
    pauseClient() {},
  });
  const head = Buffer.from("HTTP/1.1 101 Switching Protocols\r\n\r\n");
  const big = frame(1000);
  tunnel.fromUpstream(Buffer.concat([head, big.subarray(0, 100)]), head.length);
  tunnel.close(1001);
  // The client direction was between frames: its close went at once; the upstream's must wait.
  expect(toUpstream).toHaveLength(1);
  expect(toClient).toHaveLength(1);
  tunnel.fromUpstream(Buffer.concat([big.subarray(100), frame(3)]));
  expect(Buffer.concat(toClient).length).toBe(head.length + big.length + 14);
  expect(toClient.at(-1)).toEqual(serverCloseFrame(1001, "going away"));
  tunnel.fromUpstream(frame(3));
  tunnel.fromClient(frame(3, true));
  expect(toClient).toHaveLength(3);
  expect(toUpstream).toHaveLength(1);
});
