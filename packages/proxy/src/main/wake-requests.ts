/**
 * Wake requests from the workers for sleeping routes, handed to the pool's wake handler once per
 * route however many workers ask while it wakes. The answer goes to every worker that asked: true
 * once the handler resolved (the route table then routes to the woken release; a route that was
 * not asleep resolves false and the worker looks it up again all the same), false when it rejected
 * or took longer than `timeoutMs` (the workers' held requests get a 503 and the next request asks
 * again).
 */
export class WakeRequests {
  private readonly running = new Map<string, { askers: Set<number> }>();

  constructor(
    private readonly wake: (routeId: string) => Promise<boolean>,
    private readonly timeoutMs: number,
    private readonly answer: (worker: number, routeId: string, woken: boolean) => void,
    private readonly onError: (routeId: string, error: unknown) => void,
  ) {}

  ask(worker: number, routeId: string): void {
    const running = this.running.get(routeId);
    if (running !== undefined) {
      running.askers.add(worker);
      return;
    }
    const entry = { askers: new Set([worker]) };
    this.running.set(routeId, entry);
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the route did not wake within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    Promise.race([this.wake(routeId), late])
      .then(
        () => true,
        (error) => {
          this.onError(routeId, error);
          return false;
        },
      )
      .then((woken) => {
        clearTimeout(timer);
        this.running.delete(routeId);
        for (const asker of entry.askers) this.answer(asker, routeId, woken);
      });
  }
}
