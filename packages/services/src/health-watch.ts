import type { ServicesContext } from "./context.ts";
import { serviceContainerName, serviceLabels } from "./docker/names.ts";
import { foreignOwner } from "./docker/ownership.ts";
import { type ContainerState, inspectService } from "./docker/service-containers.ts";
import { ServiceElsewhereError } from "./errors.ts";
import { observeHealth, type WatchState } from "./health.ts";
import type { ServiceRow } from "./store.ts";

/**
 * Looks at every running service's container every few seconds (Docker's own health check
 * decides healthy/unhealthy) and tells the notification channels when one stays down and when it
 * is back. Services pier itself is working on (restart, restore, upgrade) are left alone meanwhile.
 */
export class HealthWatch {
  private readonly states = new Map<string, WatchState>();
  /** Services whose container is another pier's: said once, then left to that pier. */
  private readonly foreign = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  constructor(
    private readonly ctx: ServicesContext,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.look(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** From the labels of the container the look inspects anyway; a missing one is reported down. */
  private isOurs(row: ServiceRow, state: ContainerState): boolean {
    const ours = this.ctx.instance;
    const other =
      state.health === "missing"
        ? null
        : foreignOwner(state.labels[serviceLabels.serviceInstance], row.createdByInstance, ours);
    if (!other) {
      this.foreign.delete(row.name);
      return true;
    }
    if (!this.foreign.has(row.name)) {
      const error = ServiceElsewhereError.forService(row.name, serviceContainerName(row.name), other, ours);
      this.ctx.logger.warn("service not watched", { error: error.message });
    }
    this.foreign.add(row.name);
    return false;
  }

  async look(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const row of await this.ctx.store.services.list()) {
        if (row.status !== "running" || this.ctx.isBusy(row.name)) continue;
        const container = await inspectService(this.ctx.docker, row.name).catch(() => null);
        if (!container || !this.isOurs(row, container)) continue;
        const health = container.health;
        const before = this.states.get(row.name) ?? { downSince: null, reported: false };
        const { state, event } = observeHealth(before, health, now, this.ctx.deps.settings.downAfterMs);
        this.states.set(row.name, state);
        if (event?.kind === "down") {
          this.ctx.logger.error("service down", { service: row.name, health });
          void this.ctx.deps.capabilities.notify?.notify({
            kind: "service.down",
            service: row.name,
            serviceKind: row.kind,
            health,
          });
        } else if (event?.kind === "recovered") {
          this.ctx.logger.info("service recovered", { service: row.name, downMs: event.downMs });
          void this.ctx.deps.capabilities.notify?.notify({
            kind: "service.recovered",
            service: row.name,
            serviceKind: row.kind,
            downMs: event.downMs,
          });
        }
      }
    } catch (error) {
      this.ctx.logger.warn("service health not checked", { error });
    } finally {
      this.busy = false;
    }
  }
}
