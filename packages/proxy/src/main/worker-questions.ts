import type { ToWorker } from "../shared/worker-messages.ts";
import { RouteAckTimeoutError } from "./pool-errors.ts";

/** A question asked of every worker at once and answered by each with a count (`answer` messages). */
export type Question =
  | { type: "listen" }
  | { type: "in-flight"; origins: string[] }
  | { type: "drain"; timeoutMs: number; phase: "exchanges" | "tunnels" }
  | { type: "close-tunnels"; origins: string[]; code: number };

/**
 * Numbers the questions the pool asks its workers and sums the answers. Each question gets its
 * own version, so a late answer to an earlier one is never counted for the next.
 */
export class WorkerQuestions {
  private asked = 0;
  private readonly waiting = new Map<number, (worker: number, count: number) => void>();

  /**
   * Asks each of `workers` (index and how to post to it) and resolves with the sum of their
   * answers, or rejects once `timeoutMs` passed without all of them.
   */
  ask(
    question: Question,
    workers: { index: number; post(msg: ToWorker): void }[],
    timeoutMs: number,
  ): Promise<number> {
    const version = ++this.asked;
    return new Promise<number>((resolve, reject) => {
      if (workers.length === 0) return resolve(0);
      const answered = new Set<number>();
      let total = 0;
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(version);
      };
      const timer = setTimeout(() => {
        done();
        reject(new RouteAckTimeoutError(question.type, version, workers.length - answered.size, timeoutMs));
      }, timeoutMs);
      this.waiting.set(version, (worker, count) => {
        if (answered.has(worker)) return;
        answered.add(worker);
        total += count;
        if (answered.size >= workers.length) {
          done();
          resolve(total);
        }
      });
      for (const worker of workers) worker.post({ ...question, version } as ToWorker);
    });
  }

  /** A worker's `answer` message. */
  answer(worker: number, version: number, count: number): void {
    this.waiting.get(version)?.(worker, count);
  }
}
