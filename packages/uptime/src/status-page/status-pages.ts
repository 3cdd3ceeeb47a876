import { ConflictError, newId } from "@pier/core";
import { MonitorNotFoundError, StatusPageNotFoundError } from "../errors.ts";
import { dailySeries, dayKey, sumRollups, uptimePercent } from "../stats.ts";
import type { StatusPageRow, UptimeStore } from "../store.ts";
import { renderStatusPage, type StatusIncident, type StatusPageModel } from "./render.ts";
import { type StatusPageInput, statusPageInputSchema, statusPagePatchSchema } from "./status-page-input.ts";

export function statusPageView(row: StatusPageRow) {
  return { ...row, createdAt: row.createdAt.toISOString(), path: `/status/${row.slug}` };
}

const day = 86_400_000;

/**
 * Public pages are read by anyone, possibly many at once during an outage: the HTML is cached per
 * page for `cacheMs` and dropped as soon as a monitor changes state, so a refresh shows news at once.
 */
export class StatusPages {
  private readonly cache = new Map<string, { html: string; model: StatusPageModel; expires: number }>();

  constructor(
    private readonly store: UptimeStore,
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {}

  invalidate(): void {
    this.cache.clear();
  }

  list() {
    return this.store.statusPages.list();
  }

  async find(slug: string): Promise<StatusPageRow> {
    const row = await this.store.statusPages.find(slug);
    if (!row) throw new StatusPageNotFoundError(slug);
    return row;
  }

  private async resolveMonitors(refs: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) {
      const monitor = await this.store.monitors.find(ref);
      if (!monitor) throw new MonitorNotFoundError(ref);
      ids.push(monitor.id);
    }
    return ids;
  }

  private async assertHostFree(host: string | null | undefined, exceptId?: string): Promise<void> {
    if (!host) return;
    const taken = (await this.store.statusPages.list()).find((p) => p.host === host && p.id !== exceptId);
    if (taken) throw new ConflictError(`Host ${host} already serves the status page "${taken.slug}".`);
  }

  async create(input: StatusPageInput): Promise<StatusPageRow> {
    const spec = statusPageInputSchema.parse(input);
    if (await this.store.statusPages.find(spec.slug))
      throw new ConflictError(`A status page with slug "${spec.slug}" exists already.`);
    await this.assertHostFree(spec.host);
    const row = await this.store.statusPages.insert({
      id: newId("sp"),
      slug: spec.slug,
      title: spec.title,
      description: spec.description ?? null,
      host: spec.host ?? null,
      appId: spec.appId ?? null,
      monitorIds: await this.resolveMonitors(spec.monitors),
    });
    this.invalidate();
    return row;
  }

  async update(slug: string, body: unknown): Promise<StatusPageRow> {
    const row = await this.find(slug);
    const patch = statusPagePatchSchema.parse(body);
    await this.assertHostFree(patch.host, row.id);
    await this.store.statusPages.update(row.id, {
      title: patch.title,
      description: patch.description,
      host: patch.host,
      appId: patch.appId,
      monitorIds: patch.monitors ? await this.resolveMonitors(patch.monitors) : undefined,
    });
    this.invalidate();
    return this.find(row.id);
  }

  async delete(slug: string): Promise<void> {
    const row = await this.find(slug);
    await this.store.statusPages.delete(row.id);
    this.invalidate();
  }

  async model(row: StatusPageRow): Promise<StatusPageModel> {
    const now = this.options.now?.() ?? Date.now();
    const monitors = (await this.store.monitors.list()).filter((m) => row.monitorIds.includes(m.id));
    monitors.sort((a, b) => row.monitorIds.indexOf(a.id) - row.monitorIds.indexOf(b.id));
    const rollups = await this.store.checks.daily(
      monitors.map((m) => m.id),
      dayKey(new Date(now - 90 * day)),
    );
    const names = new Map(monitors.map((m) => [m.id, m.name]));
    const incidents = monitors.length
      ? await this.store.incidents.list({
          monitorIds: monitors.map((m) => m.id),
          since: new Date(now - 14 * day),
          limit: 50,
        })
      : [];
    const toView = (i: (typeof incidents)[number]): StatusIncident => ({
      component: names.get(i.monitorId) ?? "?",
      startedAt: i.startedAt.toISOString(),
      resolvedAt: i.resolvedAt?.toISOString() ?? null,
      reason: i.resolvedAt === null ? i.lastReason : i.reason,
    });
    return {
      title: row.title,
      description: row.description,
      generatedAt: new Date(now),
      components: monitors.map((m) => {
        const days = dailySeries(
          rollups.filter((r) => r.monitorId === m.id),
          90,
          new Date(now),
        );
        const sum = sumRollups(days);
        return {
          name: m.name,
          status: m.enabled ? m.status : "paused",
          uptime90d: uptimePercent(sum.checks, sum.failures),
          days,
        };
      }),
      openIncidents: incidents.filter((i) => i.resolvedAt === null).map(toView),
      pastIncidents: incidents.filter((i) => i.resolvedAt !== null).map(toView),
    };
  }

  /** The cached HTML and model of a page by slug, or by host for pages served on their own domain. */
  async render(
    by: { slug: string } | { host: string },
  ): Promise<{ html: string; model: StatusPageModel } | undefined> {
    const key = "slug" in by ? `slug:${by.slug}` : `host:${by.host.toLowerCase()}`;
    const now = this.options.now?.() ?? Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit;
    const row =
      "slug" in by
        ? await this.store.statusPages.find(by.slug)
        : (await this.store.statusPages.list()).find((p) => p.host === by.host.toLowerCase());
    if (!row) return undefined;
    const model = await this.model(row);
    const entry = { html: renderStatusPage(model), model, expires: now + (this.options.cacheMs ?? 30_000) };
    this.cache.set(key, entry);
    return entry;
  }

  /** Hosts that should be routed to the console so the page answers at their root. */
  async hosts(): Promise<string[]> {
    return (await this.store.statusPages.list()).flatMap((p) => (p.host ? [p.host] : []));
  }
}
