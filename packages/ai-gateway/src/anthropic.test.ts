import { expect, test } from "bun:test";
import { AnthropicStreamTranslator, fromAnthropicResponse, toAnthropicRequest } from "./anthropic.ts";
import { SseParser } from "./sse.ts";

test("request: system lifted out, same-role turns merged, stop and max_tokens mapped", () => {
  const body = toAnthropicRequest(
    {
      model: "x",
      messages: [
        { role: "system", content: "be kind" },
        { role: "user", content: "a" },
        {
          role: "user",
          content: [
            { type: "text", text: "b" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAA" } },
          ],
        },
        { role: "assistant", content: "c" },
      ],
      stop: "END",
      max_tokens: 50,
      temperature: 1.5,
      stream: true,
    },
    "claude-sonnet-4",
  );
  expect(body).toEqual({
    model: "claude-sonnet-4",
    system: "be kind",
    max_tokens: 50,
    temperature: 1,
    stop_sequences: ["END"],
    stream: true,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "c" }] },
    ],
  });
});

test("response: text joined, stop reason and usage mapped", () => {
  const out = fromAnthropicResponse(
    {
      id: "msg_1",
      content: [
        { type: "text", text: "Hi" },
        { type: "text", text: "!" },
      ],
      stop_reason: "max_tokens",
      usage: { input_tokens: 7, output_tokens: 2 },
    },
    "claude/x",
    100,
  );
  expect(out!.choices[0]).toMatchObject({
    message: { role: "assistant", content: "Hi!" },
    finish_reason: "length",
  });
  expect(out!.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
});

test("stream: deltas become chunks, usage chunk only when asked, [DONE] once", () => {
  const upstream = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":12}}}\n\n',
    'event: ping\ndata: {"type":"ping"}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hel"}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"lo"}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join("");
  for (const includeUsage of [true, false]) {
    const translator = new AnthropicStreamTranslator("claude/x", includeUsage, 1);
    const out =
      new SseParser()
        .push(upstream)
        .map((e) => translator.translate(e))
        .join("") + translator.finish();
    const events = new SseParser().push(out).map((e) => e.data);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.filter((e) => e === "[DONE]")).toHaveLength(1);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Hello");
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(includeUsage);
    expect([translator.promptTokens, translator.completionTokens]).toEqual([12, 2]);
  }
});
