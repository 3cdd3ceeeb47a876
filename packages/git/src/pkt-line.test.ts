import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { peekBody, startsLikeGitRequest } from "./pkt-line.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("startsLikeGitRequest", () => {
  test("pkt-lines and flushes are git's protocol", () => {
    expect(startsLikeGitRequest(bytes("0032want 1234"), null)).toBe(true);
    expect(startsLikeGitRequest(bytes("0000"), null)).toBe(true);
    expect(startsLikeGitRequest(bytes("00A4"), null)).toBe(true);
  });

  test("anything else is not, nor is a body shorter than a length", () => {
    expect(startsLikeGitRequest(bytes("hello world"), null)).toBe(false);
    expect(startsLikeGitRequest(bytes('{"a":1}'), null)).toBe(false);
    expect(startsLikeGitRequest(bytes("00"), null)).toBe(false);
    expect(startsLikeGitRequest(new Uint8Array(), null)).toBe(false);
  });

  test("with Content-Encoding gzip, only a gzip stream is", () => {
    const gz = gzipSync(bytes("0000"));
    expect(startsLikeGitRequest(gz, "gzip")).toBe(true);
    expect(startsLikeGitRequest(gz, " GZIP ")).toBe(true);
    expect(startsLikeGitRequest(bytes("0000"), "gzip")).toBe(false);
    expect(startsLikeGitRequest(gz, null)).toBe(false);
  });
});

describe("peekBody", () => {
  const streamOf = (...parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(bytes(part));
        controller.close();
      },
    });

  test("reads across small chunks and replays the whole body", async () => {
    const { head, body } = await peekBody(streamOf("0", "03", "2want", " rest"), 4);
    // Whole chunks: at least the four bytes asked for.
    expect(new TextDecoder().decode(head)).toBe("0032want");
    expect(await new Response(body).text()).toBe("0032want rest");
  });

  test("a body shorter than asked for is all head, and replays as itself", async () => {
    const { head, body } = await peekBody(streamOf("ab"), 4);
    expect(head.length).toBe(2);
    expect(await new Response(body).text()).toBe("ab");
    const empty = await peekBody(streamOf(), 4);
    expect(empty.head.length).toBe(0);
    expect(await new Response(empty.body).text()).toBe("");
  });
});
