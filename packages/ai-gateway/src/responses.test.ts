import { describe, expect, test } from "bun:test";
import { ValidationError } from "@pier/core";
import { chatCompletionSchema } from "./chat-chunks.ts";
import { chatToResponse, outputToMessages, responsesRequestSchema, responsesToChat } from "./responses.ts";

const parse = (body: unknown) => responsesRequestSchema.parse(body);
const shell = (request: unknown) => ({ id: "resp_1", model: "m", createdAt: 1, request: parse(request) });

describe("Responses request as chat completions", () => {
  test("instructions, a string input and the sampling fields", () => {
    const chat = responsesToChat(
      parse({
        model: "m",
        instructions: "Be brief.",
        input: "hi",
        max_output_tokens: 64,
        temperature: 0.2,
        stream: true,
        reasoning: { effort: "low" },
      }),
    );
    expect(chat).toMatchObject({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      max_tokens: 64,
      temperature: 0.2,
      stream: true,
      reasoning_effort: "low",
    });
  });

  test("items: message parts, images, a function call joined to the assistant turn, its output as a tool message", () => {
    const chat = responsesToChat(
      parse({
        model: "m",
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "What is here?" },
              { type: "input_image", image_url: "data:image/png;base64,AAAA" },
            ],
          },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me look." }] },
          { type: "function_call", call_id: "c1", name: "look", arguments: '{"x":1}' },
          { type: "function_call", call_id: "c2", name: "look", arguments: '{"x":2}' },
          { type: "function_call_output", call_id: "c1", output: "a cat" },
          { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "a dog" }] },
          { type: "reasoning", id: "rs_1", summary: [] },
        ],
      }),
    );
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is here?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "look", arguments: '{"x":1}' } },
          { id: "c2", type: "function", function: { name: "look", arguments: '{"x":2}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "a cat" },
      { role: "tool", tool_call_id: "c2", content: "a dog" },
    ]);
  });

  test("function tools, tool_choice, parallel calls and a JSON schema format", () => {
    const chat = responsesToChat(
      parse({
        model: "m",
        input: "x",
        tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "f" },
        parallel_tool_calls: false,
        text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
      }),
    ) as Record<string, unknown>;
    expect(chat.tools).toEqual([
      { type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } },
    ]);
    expect(chat.tool_choice).toEqual({ type: "function", function: { name: "f" } });
    expect(chat.parallel_tool_calls).toBe(false);
    expect(chat.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "out", schema: { type: "object" }, strict: true },
    });
  });

  test("history of previous_response_id comes after the new instructions and before the new input", () => {
    const chat = responsesToChat(parse({ model: "m", instructions: "New.", input: "again" }), [
      { role: "user", content: "first" },
      { role: "assistant", content: "one" },
    ]);
    expect(chat.messages.map((m) => m.content)).toEqual(["New.", "first", "one", "again"]);
  });

  test("what cannot be translated is a 400 naming it", () => {
    const cases = [
      { model: "m", input: "x", tools: [{ type: "web_search" }] },
      { model: "m", input: [{ type: "file_search_call", id: "x" }] },
      { model: "m", input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] },
      { model: "m", input: [{ type: "function_call", name: "f" }] },
      { model: "m", input: "x", tool_choice: { type: "mcp" } },
      { model: "m", input: [] },
    ];
    for (const body of cases) expect(() => responsesToChat(parse(body))).toThrow(ValidationError);
  });
});

describe("chat answers as responses", () => {
  test("text and tool calls become output items, usage in Responses terms", () => {
    const response = chatToResponse(
      chatCompletionSchema.parse({
        choices: [
          {
            message: {
              content: "Checking.",
              tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 7, completion_tokens: 3 },
      }),
      shell({ model: "m", input: "x", instructions: "I" }),
    );
    expect(response).toMatchObject({
      id: "resp_1",
      object: "response",
      status: "completed",
      instructions: "I",
      output: [
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { type: "function_call", call_id: "call_1", name: "f", arguments: '{"a":1}', status: "completed" },
      ],
      usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 },
    });
    expect(outputToMessages(response.output)).toEqual([
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      },
    ]);
  });

  test("a length stop is an incomplete response", () => {
    const response = chatToResponse(
      chatCompletionSchema.parse({ choices: [{ message: { content: "cut" }, finish_reason: "length" }] }),
      shell({ model: "m", input: "x" }),
    );
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });
});
