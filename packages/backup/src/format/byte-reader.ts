/**
 * Reads exact byte counts from a stream of chunks without gathering more than it is asked for:
 * tar members and encrypted chunks are parsed as they arrive, whatever the chunk boundaries.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array = new Uint8Array(0);
  private finished = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (this.finished) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.finished = true;
        return false;
      }
      this.pending = next.value;
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or null at the end of the stream. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const take = this.pending.subarray(0, Math.min(max, this.pending.length));
    this.pending = this.pending.subarray(take.length);
    return take;
  }

  /** Exactly `length` bytes, or fewer only when the stream ended first. */
  async read(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const chunk = await this.readSome(length - at);
      if (!chunk) return out.subarray(0, at);
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Whether the stream has more bytes. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  async cancel(): Promise<void> {
    this.finished = true;
    await this.iterator.return?.();
  }
}

/** A ReadableStream's chunks as an async iterable (Bun's streams are iterable; this keeps types plain). */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** An async iterable of chunks as a pull-driven ReadableStream (backpressure follows the consumer). */
export function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.throw?.(reason instanceof Error ? reason : new Error("cancelled")).catch(() => {});
    },
  });
}
