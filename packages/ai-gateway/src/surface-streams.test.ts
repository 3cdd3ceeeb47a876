import { describe, expect, test } from "bun:test";
import { chatChunkSchema } from "./chat-chunks.ts";
import { MessagesStreamEncoder } from "./messages-stream.ts";
import { responsesRequestSchema } from "./responses.ts";
import { ResponsesStreamEncoder } from "./responses-stream.ts";
import { SseParser } from "./sse.ts";
import { EncodedChatCodec, OpenAiChatCodec } from "./stream-codecs.ts";

// A chat stream with text, then two tool calls, then the usage chunk, as the encoders see it.
const chunks = [
  { choices: [{ delta: { role: "assistant", content: "" } }] },
  { choices: [{ delta: { content: "Let me " } }] },
  { choices: [{ delta: { content: "check." } }] },
  { choices: [{ delta: { tool_calls: [{ index: 0, id: "c1", function: { name: "f", arguments: "" } }] } }] },
  { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] } }] },
  { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: "1}" } }] } }] },
  {
    choices: [{ delta: { tool_calls: [{ index: 1, id: "c2", function: { name: "g", arguments: "{}" } }] } }],
  },
  { choices: [{ delta: {}, finish_reason: "tool_calls" }] },
  { choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } },
].map((c) => chatChunkSchema.parse(c));

function events(sse: string): Record<string, unknown>[] {
  return new SseParser()
    .push(sse)
    .map((e) => ({ event: e.event, ...(JSON.parse(e.data) as Record<string, unknown>) }));
}

describe("chat streams as Responses events", () => {
  test("items open and close in order, deltas carry their item, response.completed has output and usage", () => {
    let completed: unknown;
    const encoder = new ResponsesStreamEncoder(
      {
        id: "resp_1",
        model: "m",
        createdAt: 1,
        request: responsesRequestSchema.parse({ model: "m", input: "x" }),
      },
      (output) => {
        completed = output;
      },
    );
    const out = events(chunks.map((c) => encoder.chunk(c)).join("") + encoder.end() + encoder.end());
    expect(out.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(out.every((e) => e.event === e.type)).toBe(true);
    expect(out.map((e) => e.sequence_number)).toEqual(out.map((_, i) => i));
    const last = out.at(-1)!.response as { output: { type: string }[]; usage: Record<string, number> };
    expect(last.output).toMatchObject([
      { type: "message", content: [{ text: "Let me check." }] },
      { type: "function_call", call_id: "c1", name: "f", arguments: '{"a":1}' },
      { type: "function_call", call_id: "c2", name: "g", arguments: "{}" },
    ]);
    expect(last.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
    expect(completed).toEqual(last.output);
  });

  test("an error mid-stream ends it with an error event, and nothing after", () => {
    const encoder = new ResponsesStreamEncoder({
      id: "r",
      model: "m",
      createdAt: 1,
      request: responsesRequestSchema.parse({ model: "m", input: "x" }),
    });
    const codec = new EncodedChatCodec(new OpenAiChatCodec(true), encoder);
    const data = JSON.stringify({ choices: [{ delta: { content: "Hi" } }] });
    let out = codec.translate({ data, raw: `data: ${data}\n\n` });
    out += codec.error("upstream_timeout", "The provider stopped sending");
    out += codec.finish();
    expect(events(out).map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "error",
    ]);
  });
});

describe("chat streams as Anthropic events", () => {
  test("blocks by index, input_json_delta for arguments, usage and stop reason in message_delta", () => {
    const encoder = new MessagesStreamEncoder("alias");
    const out = events(chunks.map((c) => encoder.chunk(c)).join("") + encoder.end());
    expect(out.map((e) => [e.type, e.index])).toEqual([
      ["message_start", undefined],
      ["content_block_start", 0],
      ["content_block_delta", 0],
      ["content_block_delta", 0],
      ["content_block_stop", 0],
      ["content_block_start", 1],
      ["content_block_delta", 1],
      ["content_block_delta", 1],
      ["content_block_stop", 1],
      ["content_block_start", 2],
      ["content_block_delta", 2],
      ["content_block_stop", 2],
      ["message_delta", undefined],
      ["message_stop", undefined],
    ]);
    expect(out[5]).toMatchObject({ content_block: { type: "tool_use", id: "c1", name: "f", input: {} } });
    expect(out[6]).toMatchObject({ delta: { type: "input_json_delta", partial_json: '{"a":' } });
    expect(out.at(-2)).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 9, output_tokens: 4 },
    });
  });
});

test("calls whose arguments come interleaved keep them whole in both APIs", () => {
  const interleaved = [
    {
      choices: [{ delta: { tool_calls: [{ index: 0, id: "c1", function: { name: "f", arguments: "" } }] } }],
    },
    {
      choices: [{ delta: { tool_calls: [{ index: 1, id: "c2", function: { name: "g", arguments: "" } }] } }],
    },
    { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } }] },
    { choices: [{ delta: { tool_calls: [{ index: 1, function: { arguments: '{"b":2}' } }] } }] },
    { choices: [{ delta: {}, finish_reason: "tool_calls" }] },
  ].map((c) => chatChunkSchema.parse(c));
  const responses = new ResponsesStreamEncoder({
    id: "r",
    model: "m",
    createdAt: 1,
    request: responsesRequestSchema.parse({ model: "m", input: "x" }),
  });
  const completed = events(interleaved.map((c) => responses.chunk(c)).join("") + responses.end()).at(-1)!;
  expect((completed.response as { output: unknown[] }).output).toMatchObject([
    { call_id: "c1", arguments: '{"a":1}' },
    { call_id: "c2", arguments: '{"b":2}' },
  ]);

  const messages = new MessagesStreamEncoder("m");
  const json = new Map<number, string>();
  for (const e of events(interleaved.map((c) => messages.chunk(c)).join("") + messages.end())) {
    const delta = e.delta as { partial_json?: string } | undefined;
    if (e.type === "content_block_delta" && delta?.partial_json)
      json.set(e.index as number, (json.get(e.index as number) ?? "") + delta.partial_json);
  }
  expect([...json.entries()]).toEqual([
    [0, '{"a":1}'],
    [1, '{"b":2}'],
  ]);
});
