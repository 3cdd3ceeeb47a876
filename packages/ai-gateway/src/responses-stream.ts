import { type ChatChunk, type ChatChunkEncoder, sseEvent } from "./chat-chunks.ts";
import {
  functionCallItem,
  messageItem,
  newItemId,
  type OutputItem,
  type ResponseShell,
  responseObject,
} from "./responses.ts";

interface OpenItem {
  outputIndex: number;
  id: string;
  kind: "message" | "function_call";
  text: string;
  callId: string;
  name: string;
}

/**
 * Writes a chat completions stream as the Responses API's typed events, in the order OpenAI sends
 * them: response.created and .in_progress, then per output item `output_item.added`, its deltas
 * (`output_text.delta` or `function_call_arguments.delta`), their `.done` events and
 * `output_item.done`, and response.completed (or .incomplete) with the whole output and usage.
 */
export class ResponsesStreamEncoder implements ChatChunkEncoder {
  private sequence = 0;
  private started = false;
  private ended = false;
  private current: OpenItem | undefined;
  private readonly output: OutputItem[] = [];
  /** Chat tool call index -> the function_call item it streams into. */
  private readonly calls = new Map<number, OpenItem>();
  private finishReason: string | null = null;
  private usage = { promptTokens: 0, completionTokens: 0 };

  constructor(
    private readonly shell: ResponseShell,
    /** Called with the finished output (the conversation store keeps it for previous_response_id). */
    private readonly onComplete?: (output: OutputItem[]) => void,
  ) {}

  chunk(chunk: ChatChunk): string {
    let out = this.start();
    if (chunk.usage) {
      this.usage = {
        promptTokens: chunk.usage.prompt_tokens,
        completionTokens: chunk.usage.completion_tokens,
      };
    }
    const choice = chunk.choices[0];
    if (!choice) return out;
    const text = choice.delta.content ?? choice.delta.refusal;
    if (text) {
      if (this.current?.kind !== "message") out += this.open("message");
      const item = this.current!;
      item.text += text;
      out += this.event("response.output_text.delta", {
        item_id: item.id,
        output_index: item.outputIndex,
        content_index: 0,
        delta: text,
        logprobs: [],
      });
    }
    for (const delta of choice.delta.tool_calls ?? []) {
      let item = this.calls.get(delta.index);
      if (!item) {
        out += this.open("function_call", delta.id ?? `call_${delta.index}`, delta.function?.name ?? "");
        item = this.current!;
        this.calls.set(delta.index, item);
      }
      const args = delta.function?.arguments;
      if (!args) continue;
      item.text += args;
      if (item === this.current) {
        out += this.event("response.function_call_arguments.delta", {
          item_id: item.id,
          output_index: item.outputIndex,
          delta: args,
        });
      } else {
        // Providers stream one call after another; one that goes back to an earlier call has
        // those arguments in response.completed (that item's events are over).
        this.output[item.outputIndex] = this.itemOf(item, "completed");
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  end(): string {
    if (this.ended) return "";
    let out = this.start() + this.close();
    this.ended = true;
    const status = this.finishReason === "length" ? "incomplete" : "completed";
    out += this.event(`response.${status}`, {
      response: responseObject(this.shell, { status, output: this.output, usage: this.usage }),
    });
    this.onComplete?.(this.output);
    return out;
  }

  error(code: string, message: string): string {
    if (this.ended) return "";
    this.ended = true;
    return this.event("error", { code, message, param: null });
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const response = responseObject(this.shell, { status: "in_progress", output: [] });
    return this.event("response.created", { response }) + this.event("response.in_progress", { response });
  }

  private open(kind: OpenItem["kind"], callId = "", name = ""): string {
    let out = this.close();
    const item: OpenItem = {
      outputIndex: this.output.length,
      id: newItemId(kind === "message" ? "msg" : "fc"),
      kind,
      text: "",
      callId,
      name,
    };
    this.current = item;
    // A placeholder keeps output indexes in step; close() puts the finished item in its place.
    this.output.push(this.itemOf(item, "in_progress"));
    out += this.event("response.output_item.added", {
      output_index: item.outputIndex,
      item: this.itemOf(item, "in_progress"),
    });
    if (kind === "message")
      out += this.event("response.content_part.added", {
        item_id: item.id,
        output_index: item.outputIndex,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      });
    return out;
  }

  private close(): string {
    const item = this.current;
    if (!item) return "";
    this.current = undefined;
    let out = "";
    const at = { item_id: item.id, output_index: item.outputIndex };
    if (item.kind === "message") {
      out += this.event("response.output_text.done", {
        ...at,
        content_index: 0,
        text: item.text,
        logprobs: [],
      });
      out += this.event("response.content_part.done", {
        ...at,
        content_index: 0,
        part: { type: "output_text", text: item.text, annotations: [], logprobs: [] },
      });
    } else {
      out += this.event("response.function_call_arguments.done", {
        ...at,
        name: item.name,
        arguments: item.text,
      });
    }
    const done = this.itemOf(item, "completed");
    this.output[item.outputIndex] = done;
    return out + this.event("response.output_item.done", { output_index: item.outputIndex, item: done });
  }

  private itemOf(item: OpenItem, status: "completed" | "in_progress"): OutputItem {
    return item.kind === "message"
      ? messageItem(item.id, item.text, status)
      : functionCallItem(
          item.id,
          { id: item.callId, name: item.name, arguments: status === "completed" ? item.text : "" },
          status,
        );
  }

  private event(type: string, data: Record<string, unknown>): string {
    return sseEvent(type, { ...data, sequence_number: this.sequence++ });
  }
}
