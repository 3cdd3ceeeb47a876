import type { ChatMessage } from "./responses.ts";

/**
 * What `previous_response_id` continues when pier answered the Responses API through chat
 * completions (a provider with /responses keeps its own): the conversation so far, in memory, per
 * key scope, least recently used dropped first. Bounded by entries and by the size of what is kept.
 */
export class ConversationStore {
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 2000,
    private readonly maxChars = 64 * 1024 * 1024,
  ) {}

  get(scope: string, responseId: string): ChatMessage[] | undefined {
    const key = `${scope}\u0000${responseId}`;
    const text = this.entries.get(key);
    if (text === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, text);
    return JSON.parse(text) as ChatMessage[];
  }

  set(scope: string, responseId: string, messages: ChatMessage[]): void {
    const key = `${scope}\u0000${responseId}`;
    const text = JSON.stringify(messages);
    if (text.length > this.maxChars) return;
    this.drop(key);
    this.entries.set(key, text);
    this.chars += text.length;
    // Bounded by the number of entries.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const text = this.entries.get(key);
    if (text === undefined) return;
    this.chars -= text.length;
    this.entries.delete(key);
  }
}
