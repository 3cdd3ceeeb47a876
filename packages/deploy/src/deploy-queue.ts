/**
 * Serialises work per key (an app): a deploy waits for the previous one of the same app to finish
 * switching traffic, while deploys of different apps run in parallel.
 */
export class DeployQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** True while a deploy of `key` is running or waiting. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(task);
    const tail = current.catch(() => {});
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      // Only the last queued task clears the entry; earlier ones would drop later waiters.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** The queue runRollout uses unless given another; one per process is the point. */
export const defaultDeployQueue = new DeployQueue();
