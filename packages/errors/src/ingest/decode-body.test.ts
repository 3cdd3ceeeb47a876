import { describe, expect, test } from "bun:test";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { decodeBody, readLimitedBody } from "./decode-body.ts";
import { MalformedPayloadError, PayloadTooLargeError } from "./errors.ts";

const text = "x".repeat(5000);
const raw = new TextEncoder().encode(text);

describe("decodeBody", () => {
  test("gzip, deflate (zlib and raw), br and identity", () => {
    for (const [encoding, body] of [
      ["gzip", gzipSync(raw)],
      ["deflate", deflateSync(raw)],
      ["deflate", deflateRawSync(raw)],
      ["br", brotliCompressSync(raw)],
      [null, raw],
    ] as const) {
      expect(new TextDecoder().decode(decodeBody(body, encoding, 1e6))).toBe(text);
    }
  });

  test("a gzip bomb stops at the decompressed limit with 413", () => {
    const bomb = gzipSync(new Uint8Array(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeBody(bomb, "gzip", 10 * 1024 * 1024)).toThrow(PayloadTooLargeError);
  });

  test("garbage and unknown encodings are 400s", () => {
    expect(() => decodeBody(raw, "gzip", 1e6)).toThrow(MalformedPayloadError);
    expect(() => decodeBody(raw, "zstd", 1e6)).toThrow(/not supported/);
  });
});

describe("readLimitedBody", () => {
  test("refuses by Content-Length and by streamed size", async () => {
    const big = new Request("http://x/", { method: "POST", body: "y".repeat(2000) });
    await expect(readLimitedBody(big, 1000)).rejects.toThrow(PayloadTooLargeError);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(400));
        c.close();
      },
    });
    const chunked = new Request("http://x/", { method: "POST", body: stream });
    await expect(readLimitedBody(chunked, 1000)).rejects.toThrow(PayloadTooLargeError);
    const ok = new Request("http://x/", { method: "POST", body: "abc" });
    expect(new TextDecoder().decode(await readLimitedBody(ok, 1000))).toBe("abc");
  });
});
