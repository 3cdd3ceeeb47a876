import { describe, expect, test } from "bun:test";
import { ValidationError } from "@pier/core";
import { chatCompletionSchema } from "./chat-chunks.ts";
import { chatToMessage, messagesRequestSchema, messagesToChat, stopReason } from "./messages.ts";

const parse = (body: unknown) => messagesRequestSchema.parse(body);

describe("Messages request as chat completions", () => {
  test("system blocks, images, stop sequences and the sampling fields", () => {
    const chat = messagesToChat(
      parse({
        model: "m",
        max_tokens: 100,
        system: [{ type: "text", text: "Be brief." }],
        stop_sequences: ["END"],
        temperature: 0.5,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            ],
          },
        ],
      }),
    );
    expect(chat).toMatchObject({
      max_tokens: 100,
      stop: ["END"],
      temperature: 0.5,
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ],
        },
      ],
    });
  });

  test("tool_use as tool_calls; tool_result blocks as tool messages before the user's text", () => {
    const chat = messagesToChat(
      parse({
        model: "m",
        max_tokens: 10,
        tools: [{ name: "f", description: "d", input_schema: { type: "object" } }],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "hmm", signature: "s" },
              { type: "text", text: "Calling." },
              { type: "tool_use", id: "t1", name: "f", input: { a: 1 } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "done" }] },
              { type: "text", text: "and?" },
            ],
          },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "t2", name: "f", input: {} }],
          },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "t2", content: "boom", is_error: true }],
          },
        ],
      }),
    ) as Record<string, unknown>;
    expect(chat.messages).toEqual([
      { role: "user", content: "go" },
      {
        role: "assistant",
        content: "Calling.",
        tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      },
      { role: "tool", tool_call_id: "t1", content: "done" },
      { role: "user", content: "and?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t2", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t2", content: "Error: boom" },
    ]);
    expect(chat.tools).toEqual([
      { type: "function", function: { name: "f", description: "d", parameters: { type: "object" } } },
    ]);
    expect(chat.tool_choice).toBe("required");
    expect(chat.parallel_tool_calls).toBe(false);
  });

  test("server tools and unknown blocks are a 400; max_tokens is required by the schema", () => {
    expect(() =>
      messagesToChat(
        parse({
          model: "m",
          max_tokens: 1,
          tools: [{ type: "web_search_20250305", name: "web_search" }],
          messages: [{ role: "user", content: "x" }],
        }),
      ),
    ).toThrow(ValidationError);
    expect(() =>
      messagesToChat(
        parse({
          model: "m",
          max_tokens: 1,
          messages: [{ role: "user", content: [{ type: "document", source: { type: "text", data: "x" } }] }],
        }),
      ),
    ).toThrow(ValidationError);
    expect(
      messagesRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: "x" }] }).success,
    ).toBe(false);
  });
});

describe("chat answers as messages", () => {
  test("text and tool calls as content blocks, finish reasons as stop reasons", () => {
    const message = chatToMessage(
      chatCompletionSchema.parse({
        choices: [
          {
            message: {
              content: "Sure.",
              tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 4, completion_tokens: 2 },
      }),
      "alias",
    );
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "alias",
      content: [
        { type: "text", text: "Sure." },
        { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 4, output_tokens: 2 },
    });
    expect([
      stopReason("stop"),
      stopReason("length"),
      stopReason("content_filter"),
      stopReason(null),
    ]).toEqual(["end_turn", "max_tokens", "refusal", "end_turn"]);
  });
});
