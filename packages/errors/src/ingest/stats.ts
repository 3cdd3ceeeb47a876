/** In-memory counters per project since start: what was stored, dropped or refused, by reason. */
export class IngestStats {
  private readonly byProject = new Map<number, Record<string, number>>();

  add(projectId: number, counter: string, n = 1): void {
    let counters = this.byProject.get(projectId);
    if (!counters) {
      // No prototype: a counter's name is never an object's own machinery (`__proto__`).
      counters = Object.create(null) as Record<string, number>;
      this.byProject.set(projectId, counters);
    }
    counters[counter] = (counters[counter] ?? 0) + n;
  }

  get(projectId: number): Record<string, number> {
    return { ...(this.byProject.get(projectId) ?? {}) };
  }
}
