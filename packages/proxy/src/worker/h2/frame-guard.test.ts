import { describe, expect, test } from "bun:test";
import { CLIENT_PREFACE_LENGTH, FrameGuard, type FrameGuardLimits } from "./frame-guard.ts";

const limits: FrameGuardLimits = {
  resetsPerWindow: 3,
  controlPerWindow: 2,
  windowMs: 1_000,
  maxHeaderBlockBytes: 100,
  maxContinuations: 4,
};

function frame(type: number, flags: number, streamId: number, length = 0): Uint8Array {
  const f = new Uint8Array(9 + length);
  f[0] = (length >> 16) & 0xff;
  f[1] = (length >> 8) & 0xff;
  f[2] = length & 0xff;
  f[3] = type;
  f[4] = flags;
  new DataView(f.buffer).setUint32(5, streamId);
  return f;
}

const preface = new Uint8Array(CLIENT_PREFACE_LENGTH);
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);

describe("FrameGuard", () => {
  test("ordinary frames pass, split anywhere", () => {
    const clock = 0;
    const guard = new FrameGuard(limits, () => clock);
    const bytes = concat(preface, frame(4, 0, 0, 6), frame(1, 5, 1, 20), frame(0, 1, 1, 50), frame(4, 1, 0));
    for (let i = 0; i < bytes.length; i += 7) expect(guard.scan(bytes.subarray(i, i + 7))).toBeNull();
  });

  test("rapid reset: more RST_STREAMs than the window allows", () => {
    const clock = 0;
    const guard = new FrameGuard(limits, () => clock);
    expect(guard.scan(preface)).toBeNull();
    for (let i = 0; i < 3; i++)
      expect(guard.scan(concat(frame(1, 5, 2 * i + 1, 5), frame(3, 0, 2 * i + 1, 4)))).toBeNull();
    expect(guard.scan(frame(3, 0, 9, 4))).toBe("rapid reset");
  });

  test("the window starts again: a few resets a second are fine", () => {
    let clock = 0;
    const guard = new FrameGuard(limits, () => clock);
    guard.scan(preface);
    for (let i = 0; i < 10; i++) {
      clock += 600;
      expect(guard.scan(frame(3, 0, 1, 4))).toBeNull();
    }
  });

  test("SETTINGS and PING floods; their ACKs do not count", () => {
    const guard = new FrameGuard(limits, () => 0);
    guard.scan(preface);
    expect(guard.scan(concat(frame(4, 1, 0), frame(6, 1, 0, 8), frame(4, 1, 0), frame(4, 0, 0)))).toBeNull();
    expect(guard.scan(frame(6, 0, 0, 8))).toBeNull();
    expect(guard.scan(frame(4, 0, 0))).toBe("control frame flood");
  });

  test("CONTINUATION flood: too many frames or bytes in one header block", () => {
    const many = new FrameGuard(limits, () => 0);
    many.scan(concat(preface, frame(1, 0, 1, 1)));
    for (let i = 0; i < 4; i++) expect(many.scan(frame(9, 0, 1, 1))).toBeNull();
    expect(many.scan(frame(9, 0, 1, 1))).toBe("header block too large");
    const big = new FrameGuard(limits, () => 0);
    big.scan(concat(preface, frame(1, 0, 1, 60)));
    expect(big.scan(frame(9, 4, 1, 41))).toBe("header block too large");
    expect(new FrameGuard(limits, () => 0).scan(concat(preface, frame(1, 4, 1, 101)))).toBe(
      "header block too large",
    );
  });
});
