/** What a cache hit replays: a JSON body, or the SSE events of a streamed answer in order. */
export type CachedResponse =
  | { kind: "json"; body: string; promptTokens: number; completionTokens: number }
  | { kind: "stream"; events: string[]; promptTokens: number; completionTokens: number };

interface Entry {
  value: CachedResponse;
  expiresAt: number;
}

/** Exact-match LRU with a TTL: Map keeps insertion order, so re-inserting on read marks recency. */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: () => { ttlSeconds: number; maxEntries: number }) {}

  get(key: string, nowMs = Date.now()): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= nowMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: CachedResponse, nowMs = Date.now()): void {
    const { ttlSeconds, maxEntries } = this.options();
    if (ttlSeconds <= 0 || maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: nowMs + ttlSeconds * 1000 });
    while (this.entries.size > maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Same scope, endpoint and JSON body (key order included) means the same answer. */
export function cacheKey(scope: string, endpoint: string, body: unknown): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(scope);
  hasher.update("\0");
  hasher.update(endpoint);
  hasher.update("\0");
  hasher.update(JSON.stringify(body));
  return hasher.digest("hex");
}
