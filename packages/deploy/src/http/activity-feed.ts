/** How often the feed looks at the apps' activity while someone listens (the proxy sends its request records every second). */
export const activityFeedIntervalMs = 10_000;

/**
 * The apps' activity for every open deploy-events stream that asked for it: loaded once per
 * interval however many dashboards listen, only while one does, and passed on only when it
 * changed (an idle platform sends nothing). A listener that joins gets the latest at once.
 */
export class ActivityFeed {
  private readonly listeners = new Set<(json: string) => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private latest: string | null = null;
  private loading = false;

  /** `load` answers the activity as the JSON an event carries. */
  constructor(
    private readonly load: () => Promise<string>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = activityFeedIntervalMs,
  ) {}

  subscribe(listener: (json: string) => void): () => void {
    this.listeners.add(listener);
    if (this.latest !== null) listener(this.latest);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref?.();
      this.tick();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      clearInterval(this.timer);
      this.timer = undefined;
      // What a listener sees first must be fresh: nothing was loaded while nobody listened.
      this.latest = null;
    };
  }

  /** A load slower than the interval is not started again on top of itself. */
  private async tick(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const json = await this.load();
      if (json === this.latest || this.listeners.size === 0) return;
      this.latest = json;
      for (const listener of this.listeners) listener(json);
    } catch (error) {
      this.onError(error);
    } finally {
      this.loading = false;
    }
  }
}
