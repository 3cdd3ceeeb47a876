import type { ChatMessage } from "./responses.ts";

/** Where conversations outlive the process: pier's database (store.ts `conversations`). */
export interface ConversationPersistence {
  find(scope: string, responseId: string): Promise<string | undefined>;
  save(scope: string, responseId: string, messages: string): Promise<void>;
}

/**
 * What `previous_response_id` continues when pier answered the Responses API through chat
 * completions (a provider with /responses keeps its own): the conversation so far, per key scope.
 * Written to the database (kept 30 days, across restarts and upgrades) with the most recently used
 * ones in memory in front of it, least recently used dropped first, bounded by entries and by the
 * size of what is kept. A conversation is written once its answer is complete; until that write
 * ends (a few ms) it is in memory only.
 */
export class ConversationStore {
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly persistence: ConversationPersistence | null = null,
    private readonly maxEntries = 2000,
    private readonly maxChars = 64 * 1024 * 1024,
  ) {}

  async get(scope: string, responseId: string): Promise<ChatMessage[] | undefined> {
    const key = `${scope}\u0000${responseId}`;
    let text = this.entries.get(key);
    if (text === undefined) {
      text = await this.persistence?.find(scope, responseId);
      if (text === undefined) return undefined;
      this.remember(key, text);
    } else {
      this.entries.delete(key);
      this.entries.set(key, text);
    }
    return JSON.parse(text) as ChatMessage[];
  }

  /** Keeps the conversation in memory at once; the promise ends when the database has it too. */
  set(scope: string, responseId: string, messages: ChatMessage[]): Promise<void> {
    const text = JSON.stringify(messages);
    if (text.length > this.maxChars) return Promise.resolve();
    this.remember(`${scope}\u0000${responseId}`, text);
    return this.persistence?.save(scope, responseId, text) ?? Promise.resolve();
  }

  private remember(key: string, text: string): void {
    this.drop(key);
    this.entries.set(key, text);
    this.chars += text.length;
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
