import { expect, test } from "bun:test";
import { AnthropicStreamTranslator, fromAnthropicResponse, toAnthropicRequest } from "./anthropic.ts";
import { ToolTranslationError } from "./anthropic-tools.ts";
import { SseParser } from "./sse.ts";

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

test("request: tools, tool choice, a turn that called tools and the tool results", () => {
  const body = toAnthropicRequest(
    {
      model: "x",
      messages: [
        { role: "user", content: "Weather in Oslo and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
            },
            {
              id: "call_2",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "-3 C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "21 C" }] },
      ],
      tools: [weather],
      tool_choice: "required",
      parallel_tool_calls: false,
    },
    "claude",
  );
  expect(body.tools).toEqual([
    {
      name: "get_weather",
      description: "Weather of a city",
      input_schema: weather.function.parameters,
    },
  ]);
  expect(body.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
  expect(body.messages).toEqual([
    { role: "user", content: [{ type: "text", text: "Weather in Oslo and Rome?" }] },
    {
      role: "assistant",
      content: [
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
        { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Rome" } },
      ],
    },
    // Consecutive tool answers become one user turn, as Anthropic requires.
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "-3 C" },
        { type: "tool_result", tool_use_id: "call_2", content: "21 C" },
      ],
    },
  ]);
});

test("request: tool_choice auto, none and a named function", () => {
  const choice = (tool_choice: unknown) =>
    toAnthropicRequest(
      { model: "x", messages: [{ role: "user", content: "hi" }], tools: [weather], tool_choice },
      "c",
    ).tool_choice;
  expect(choice("auto")).toEqual({ type: "auto" });
  expect(choice("none")).toEqual({ type: "none" });
  expect(choice({ type: "function", function: { name: "get_weather" } })).toEqual({
    type: "tool",
    name: "get_weather",
  });
  const plain = toAnthropicRequest({ model: "x", messages: [{ role: "user", content: "hi" }] }, "c");
  expect(plain.tools).toBeUndefined();
  expect(plain.tool_choice).toBeUndefined();
});

test("request: malformed tool fields are a 400 that names the field", () => {
  const bad = [
    { tools: [{ type: "function", function: {} }] },
    { tools: [weather], tool_choice: "sometimes" },
  ];
  for (const extra of bad) {
    expect(() =>
      toAnthropicRequest({ model: "x", messages: [{ role: "user", content: "hi" }], ...extra }, "c"),
    ).toThrow(ToolTranslationError);
  }
  const badArguments = () =>
    toAnthropicRequest(
      {
        model: "x",
        messages: [
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", function: { name: "f", arguments: "{oops" } }],
          },
        ],
      },
      "c",
    );
  expect(badArguments).toThrow("arguments of tool call c1 are not JSON");
  try {
    toAnthropicRequest({ model: "x", messages: [{ role: "tool", content: "x" }] }, "c");
    throw new Error("expected a ToolTranslationError");
  } catch (error) {
    expect(error).toBeInstanceOf(ToolTranslationError);
    expect((error as ToolTranslationError).status).toBe(400);
    expect((error as Error).message).toContain("tool_call_id");
  }
});

test("response: tool_use blocks become tool_calls with JSON arguments", () => {
  const out = fromAnthropicResponse(
    {
      id: "msg_1",
      content: [
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 10, output_tokens: 5 },
    },
    "claude",
    1,
  );
  expect(out!.choices[0]).toMatchObject({
    finish_reason: "tool_calls",
    message: {
      role: "assistant",
      content: "Let me check.",
      tool_calls: [
        { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    },
  });
  const only = fromAnthropicResponse(
    { id: "m", content: [{ type: "tool_use", id: "t", name: "f", input: {} }], stop_reason: "tool_use" },
    "c",
    1,
  );
  expect(only!.choices[0]!.message).toEqual({
    role: "assistant",
    content: null,
    tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }],
  });
});

test("stream: a tool_use block streams as tool_calls deltas with the arguments in pieces", () => {
  const events = [
    { type: "message_start", message: { id: "msg_9", usage: { input_tokens: 7 } } },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking" } },
    { type: "content_block_stop", index: 0 },
    {
      type: "content_block_start",
      index: 1,
      content_block: { type: "tool_use", id: "toolu_9", name: "get_weather", input: {} },
    },
    { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"ci' } },
    {
      type: "content_block_delta",
      index: 1,
      delta: { type: "input_json_delta", partial_json: 'ty":"Oslo"}' },
    },
    { type: "content_block_stop", index: 1 },
    { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 12 } },
    { type: "message_stop" },
  ];
  const translator = new AnthropicStreamTranslator("claude", false, 1);
  const out = events
    .map((e) => translator.translate({ event: e.type, data: JSON.stringify(e), raw: "" }))
    .join("");
  const chunks = new SseParser()
    .push(out)
    .filter((e) => e.data !== "[DONE]")
    .map(
      (e) =>
        JSON.parse(e.data) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] },
    );
  const deltas = chunks.map((c) => c.choices[0]!.delta);
  expect(deltas).toContainEqual({ content: "Checking" });
  expect(deltas).toContainEqual({
    tool_calls: [
      { index: 0, id: "toolu_9", type: "function", function: { name: "get_weather", arguments: "" } },
    ],
  });
  const args = deltas
    .flatMap((d) => (d.tool_calls as { function: { arguments?: string } }[] | undefined) ?? [])
    .map((t) => t.function.arguments ?? "")
    .join("");
  expect(JSON.parse(args)).toEqual({ city: "Oslo" });
  expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
});
