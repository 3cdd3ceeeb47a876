/** The batching knobs a store offers its callers as they are. */
export interface BatchingOptions {
  /** Pending rows go out at least this often (default 1000 ms). */
  flushIntervalMs?: number;
  /** A batch this large goes out at once, from the `add` that filled it (default 500). */
  maxBatch?: number;
  /** Batches sent by the timer have no caller to reject; their failures land here. */
  onError?: (error: unknown) => void;
}

export interface BatchWriterOptions<T> extends BatchingOptions {
  /** Sends one batch (one or more inserts); a rejected batch is lost, not retried. */
  write(rows: T[]): Promise<unknown>;
}

export interface BatchWriter<T> {
  /** Queues a row; when the batch is full, resolves once that batch is written (or rejects). */
  add(row: T): Promise<void>;
  /**
   * Sends the pending rows and resolves once every batch sent so far has settled: reads that
   * await it see every row accepted before. Rejects if the batch it waits for failed.
   */
  flush(): Promise<void>;
  /** Stops the timer and sends what is pending. */
  close(): Promise<void>;
  readonly pending: number;
}

/**
 * ClickHouse wants few inserts with many rows, not one per request: rows are held and sent in
 * batches, one at a time, in order. Nothing here knows ClickHouse, so the logic is tested with a
 * fake `write`.
 */
export function createBatchWriter<T>(options: BatchWriterOptions<T>): BatchWriter<T> {
  const maxBatch = options.maxBatch ?? 500;
  let batch: T[] = [];
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (batch.length === 0) return flushing;
    const values = batch;
    batch = [];
    // A failed batch must not poison the chain for the batches after it.
    const sent = flushing
      .catch(() => {})
      .then(async () => {
        await options.write(values);
      });
    flushing = sent;
    // Once it has settled, its failure belongs to those who waited for it: a later flush with
    // nothing new (the timer, a read) must not report it again.
    sent.catch(() => {
      if (flushing === sent) flushing = Promise.resolve();
    });
    return sent;
  };

  const timer = setInterval(() => {
    if (batch.length > 0) flush().catch((error) => options.onError?.(error));
  }, options.flushIntervalMs ?? 1000);
  // A pending flush must not keep the process alive on its own.
  timer.unref();

  return {
    add(row) {
      batch.push(row);
      return batch.length >= maxBatch ? flush() : Promise.resolve();
    },
    flush,
    close() {
      clearInterval(timer);
      return flush();
    },
    get pending() {
      return batch.length;
    },
  };
}
