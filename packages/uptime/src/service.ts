import { type Logger, newId, ValidationError } from "@pier/core";
import type { Database } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import type { AppUptime } from "@pier/platform";
import type { CheckResults } from "./check-results/check-results.ts";
import { runHttpCheck } from "./checks/http-check.ts";
import { runTcpCheck } from "./checks/tcp-check.ts";
import { fetchCertificateExpiry } from "./checks/tls-expiry.ts";
import { IntervalTooShortError, MonitorNameTakenError, MonitorNotFoundError } from "./errors.ts";
import type { CheckResult } from "./evaluate.ts";
import { applyCheck } from "./incident-state.ts";
import {
  httpOptionsSchema,
  type MonitorInput,
  monitorInputSchema,
  monitorPatchSchema,
  parseHostPort,
  targetProblem,
} from "./monitor.ts";
import { incidentView, monitorView } from "./presenters.ts";
import { CheckScheduler, type Clock, systemClock } from "./scheduler.ts";
import { dailySeries, dayKey, latencyBuckets, sumRollups, uptimePercent } from "./stats.ts";
import { createUptimeStore, type MonitorRow, type UptimeStore } from "./store.ts";

const day = 86_400_000;

export interface Sealer {
  encrypt(plaintext: string): Promise<string>;
  decrypt(sealed: string): Promise<string>;
}

export interface Checkers {
  http: typeof runHttpCheck;
  tcp: typeof runTcpCheck;
  tlsExpiry: typeof fetchCertificateExpiry;
}

export interface UptimeServiceOptions {
  database: Database;
  /** Where check results go (ClickHouse when configured); default: the SQL database. Not closed by stop(). */
  checkResults?: CheckResults;
  sealer: Sealer;
  logger: Logger;
  /** Fire and forget: a slow webhook must never delay the next check. */
  notify(event: NotificationEvent): Promise<unknown>;
  clock?: Clock;
  /** Checks in flight at once (default 8): bounded so 500 monitors cannot open 500 sockets together. */
  concurrency?: number;
  minIntervalSeconds?: number;
  rawRetentionDays?: number;
  dailyRetentionDays?: number;
  /** How often the certificate of an HTTPS monitor is re-read (default 6 h). */
  tlsRecheckMs?: number;
  checkers?: Partial<Checkers>;
  /** Called after a monitor changes state (status pages drop their cache). */
  onStateChange?(monitorId: string): void;
}

export interface AppRef {
  id: string;
  name: string;
}

export class UptimeService {
  readonly store: UptimeStore;
  private readonly scheduler: CheckScheduler;
  private readonly clock: Clock;
  private readonly checkers: Checkers;
  private readonly minInterval: number;
  /** One check per monitor at a time, whether scheduled or asked for through the API. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** Until start(), monitors are only checked on demand (tests, tools). */
  private running = false;

  constructor(private readonly options: UptimeServiceOptions) {
    this.store = createUptimeStore(options.database, options.checkResults);
    this.clock = options.clock ?? systemClock;
    this.minInterval = options.minIntervalSeconds ?? 10;
    this.checkers = {
      http: runHttpCheck,
      tcp: runTcpCheck,
      tlsExpiry: fetchCertificateExpiry,
      ...options.checkers,
    };
    this.scheduler = new CheckScheduler({
      clock: this.clock,
      concurrency: options.concurrency ?? 8,
      run: (id) => this.runCheck(id),
      onError: (id, error) => options.logger.error("uptime check crashed", { monitor: id, error }),
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.scheduler.resume();
    for (const row of await this.store.monitors.list()) {
      if (row.enabled) this.schedule(row.id, row.intervalSeconds);
    }
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), 3600_000);
    this.sweepTimer.unref?.();
  }

  private schedule(id: string, intervalSeconds: number, soon = false): void {
    if (this.running) this.scheduler.upsert(id, intervalSeconds * 1000, soon);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.sweepTimer);
    await this.scheduler.stop();
    await Promise.allSettled(this.chains.values());
  }

  /** Retention: raw checks for a few weeks, daily counters and resolved incidents for over a year. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    try {
      const rawDays = this.options.rawRetentionDays ?? 14;
      const dailyDays = this.options.dailyRetentionDays ?? 400;
      await this.store.checks.prune(new Date(now - rawDays * day), dayKey(new Date(now - dailyDays * day)));
      await this.store.incidents.prune(new Date(now - dailyDays * day));
    } catch (error) {
      this.options.logger.warn("uptime retention sweep failed", { error });
    }
  }

  async findMonitor(idOrName: string): Promise<MonitorRow> {
    const row = await this.store.monitors.find(idOrName);
    if (!row) throw new MonitorNotFoundError(idOrName);
    return row;
  }

  async view(row: MonitorRow) {
    return monitorView(row, Object.keys(await this.headersOf(row)));
  }

  async listMonitors() {
    return Promise.all((await this.store.monitors.list()).map((row) => this.view(row)));
  }

  async createMonitor(input: MonitorInput, extra: { auto?: boolean } = {}): Promise<MonitorRow> {
    const spec = monitorInputSchema.parse(input);
    if (spec.intervalSeconds < this.minInterval)
      throw new IntervalTooShortError(spec.intervalSeconds, this.minInterval);
    if (await this.store.monitors.find(spec.name)) throw new MonitorNameTakenError(spec.name);
    const { headers, ...httpOptions } = spec.http;
    const row = await this.store.monitors.insert({
      id: newId("mon"),
      name: spec.name,
      kind: spec.kind,
      target: spec.target,
      appId: spec.appId ?? null,
      auto: extra.auto ?? false,
      enabled: spec.enabled,
      intervalSeconds: spec.intervalSeconds,
      timeoutMs: spec.timeoutMs,
      retries: spec.retries,
      httpOptions,
      headersSealed: await this.sealHeaders(headers),
    });
    if (row.enabled) this.schedule(row.id, row.intervalSeconds, true);
    return row;
  }

  async updateMonitor(idOrName: string, body: unknown): Promise<MonitorRow> {
    const row = await this.findMonitor(idOrName);
    const patch = monitorPatchSchema.parse(body);
    if (patch.intervalSeconds !== undefined && patch.intervalSeconds < this.minInterval)
      throw new IntervalTooShortError(patch.intervalSeconds, this.minInterval);
    if (patch.name && patch.name !== row.name && (await this.store.monitors.find(patch.name)))
      throw new MonitorNameTakenError(patch.name);
    if (patch.target) {
      const problem = targetProblem(row.kind, patch.target);
      if (problem) throw new ValidationError(`target: ${problem}`);
    }
    const { headers, ...httpPatch } = patch.http ?? {};
    const changes: Partial<MonitorRow> = {
      name: patch.name,
      target: patch.target,
      intervalSeconds: patch.intervalSeconds,
      timeoutMs: patch.timeoutMs,
      retries: patch.retries,
      enabled: patch.enabled,
      httpOptions: patch.http
        ? httpOptionsSchema.omit({ headers: true }).parse({ ...row.httpOptions, ...httpPatch })
        : undefined,
    };
    if (headers !== undefined) changes.headersSealed = await this.sealHeaders(headers);
    await this.store.monitors.update(row.id, changes);
    const updated = await this.findMonitor(row.id);
    if (!updated.enabled) this.scheduler.remove(updated.id);
    else this.schedule(updated.id, updated.intervalSeconds, patch.enabled === true && !row.enabled);
    this.options.onStateChange?.(updated.id);
    return updated;
  }

  async deleteMonitor(idOrName: string): Promise<void> {
    const row = await this.findMonitor(idOrName);
    this.scheduler.remove(row.id);
    await this.chains.get(row.id);
    await this.store.monitors.delete(row.id);
    this.options.onStateChange?.(row.id);
  }

  /**
   * The default monitor of a deployed app: created on the first deploy, its URL kept in sync on
   * later ones. A user who paused it keeps it paused; pier never re-enables it.
   */
  async ensureAppMonitor(
    app: AppRef,
    url: string,
    options: { intervalSeconds?: number } = {},
  ): Promise<MonitorRow> {
    const existing = (await this.store.monitors.findByApp(app.id)).find((m) => m.auto);
    if (existing) {
      if (existing.target !== url) {
        await this.store.monitors.update(existing.id, { target: url });
        if (existing.enabled) this.schedule(existing.id, existing.intervalSeconds, true);
      }
      return this.findMonitor(existing.id);
    }
    let name = `app:${app.name}`;
    if (await this.store.monitors.find(name)) name = `${name}-${app.id.slice(-6)}`;
    return this.createMonitor(
      {
        name,
        kind: "http",
        target: url,
        appId: app.id,
        intervalSeconds: Math.max(this.minInterval, options.intervalSeconds ?? 60),
      },
      { auto: true },
    );
  }

  async removeAppMonitors(appId: string): Promise<void> {
    for (const row of await this.store.monitors.findByApp(appId))
      if (row.auto) await this.deleteMonitor(row.id);
  }

  /** Runs one check now (serialised with scheduled ones) and returns its result. */
  async checkNow(idOrName: string): Promise<{ result: CheckResult; monitor: MonitorRow }> {
    const row = await this.findMonitor(idOrName);
    const result = await this.runCheck(row.id, true);
    return {
      result: result ?? { ok: false, latencyMs: 0, error: "monitor vanished" },
      monitor: await this.findMonitor(row.id),
    };
  }

  runCheck(id: string, evenIfPaused = false): Promise<CheckResult | undefined> {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.checkOnce(id, evenIfPaused));
    const settled = next.catch(() => {});
    this.chains.set(id, settled);
    settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    return next;
  }

  private async checkOnce(id: string, evenIfPaused: boolean): Promise<CheckResult | undefined> {
    const row = await this.store.monitors.find(id);
    if (!row || (!row.enabled && !evenIfPaused)) return undefined;
    const result = await this.probe(row);
    // Checks of one monitor run one at a time, and a check's time is its row's key: a check in the
    // same millisecond as the last one (a "check now" beside a scheduled check) would be dropped as
    // a duplicate, and the incident would start at the wrong check.
    const at = new Date(Math.max(this.clock.now(), (row.lastCheckAt?.getTime() ?? 0) + 1));
    await this.store.checks.record(
      {
        monitorId: row.id,
        at,
        ok: result.ok,
        latencyMs: result.latencyMs,
        status: result.status ?? null,
        error: result.error ?? null,
      },
      dayKey(at),
    );
    const { next, transition } = applyCheck(
      {
        status: row.status,
        consecutiveFailures: row.consecutiveFailures,
        openIncidentId: row.openIncidentId,
      },
      result,
      row.retries,
    );
    const ref = { id: row.id, name: row.name, target: row.target };
    if (transition.kind === "open") {
      const startedAt = await this.failingSince(row.id, next.consecutiveFailures, at);
      const incident = await this.store.incidents.open({
        id: newId("inc"),
        monitorId: row.id,
        startedAt,
        reason: transition.reason,
        lastReason: transition.reason,
        failedChecks: next.consecutiveFailures,
      });
      next.openIncidentId = incident.id;
      this.options.logger.warn("incident opened", { monitor: row.name, reason: transition.reason });
      this.send({
        kind: "incident.opened",
        monitor: ref,
        incidentId: incident.id,
        reason: incident.reason,
        startedAt: startedAt.toISOString(),
      });
    } else if (transition.kind === "resolve") {
      const incident = await this.store.incidents.find(transition.incidentId);
      await this.store.incidents.update(transition.incidentId, { resolvedAt: at });
      if (incident) {
        this.options.logger.info("incident resolved", { monitor: row.name });
        this.send({
          kind: "incident.resolved",
          monitor: ref,
          incidentId: incident.id,
          reason: incident.reason,
          startedAt: incident.startedAt.toISOString(),
          resolvedAt: at.toISOString(),
          durationMs: at.getTime() - incident.startedAt.getTime(),
        });
      }
    } else if (next.openIncidentId && !result.ok) {
      await this.store.incidents.update(next.openIncidentId, {
        lastReason: result.error ?? "check failed",
        failedChecks: next.consecutiveFailures,
      });
    }
    await this.store.monitors.update(row.id, {
      status: next.status,
      consecutiveFailures: next.consecutiveFailures,
      openIncidentId: next.openIncidentId,
      lastCheckAt: at,
      lastLatencyMs: result.latencyMs,
      lastError: result.error ?? null,
    });
    if (next.status !== row.status || transition.kind !== "none") this.options.onStateChange?.(row.id);
    if (row.kind === "http" && row.target.startsWith("https:")) await this.checkCertificate(row, at);
    return result;
  }

  private async probe(row: MonitorRow): Promise<CheckResult> {
    if (row.kind === "tcp") {
      const hostPort = parseHostPort(row.target);
      if (!hostPort) return { ok: false, latencyMs: 0, error: `invalid target ${row.target}` };
      return this.checkers.tcp(hostPort.host, hostPort.port, row.timeoutMs);
    }
    const headers = await this.headersOf(row);
    return this.checkers.http({
      url: row.target,
      timeoutMs: row.timeoutMs,
      http: { ...row.httpOptions, headers },
    });
  }

  /** The incident starts at the first failed check of the streak, not at the one that crossed the threshold. */
  private async failingSince(monitorId: string, failures: number, fallback: Date): Promise<Date> {
    const recent = await this.store.checks.latest(monitorId, failures);
    const streak = recent.filter((c) => !c.ok);
    return streak.length === recent.length && streak.length > 0 ? streak[streak.length - 1]!.at : fallback;
  }

  private async checkCertificate(row: MonitorRow, at: Date): Promise<void> {
    const days = row.httpOptions.tlsExpiryDays;
    if (days <= 0) return;
    const recheck = this.options.tlsRecheckMs ?? 6 * 3600_000;
    if (row.tlsCheckedAt && at.getTime() - row.tlsCheckedAt.getTime() < recheck) return;
    const url = new URL(row.target);
    let expiresAt: Date;
    try {
      expiresAt = await this.checkers.tlsExpiry(
        url.hostname.replace(/^\[|\]$/g, ""),
        Number(url.port || 443),
        row.timeoutMs,
      );
    } catch (error) {
      // The HTTP check reports unreachable hosts; a failed handshake here is retried on the next check.
      this.options.logger.debug("certificate not read", { monitor: row.name, error });
      return;
    }
    const changes: Partial<MonitorRow> = { tlsExpiresAt: expiresAt, tlsCheckedAt: at };
    const daysLeft = (expiresAt.getTime() - at.getTime()) / day;
    if (daysLeft <= days && row.tlsWarnedFor?.getTime() !== expiresAt.getTime()) {
      changes.tlsWarnedFor = expiresAt;
      this.send({
        kind: "tls.expiring",
        monitor: { id: row.id, name: row.name, target: row.target },
        host: url.hostname,
        expiresAt: expiresAt.toISOString(),
        daysLeft: Math.round(daysLeft * 10) / 10,
      });
    }
    await this.store.monitors.update(row.id, changes);
  }

  private send(event: NotificationEvent): void {
    this.options.notify(event).catch((error) => this.options.logger.warn("notification failed", { error }));
  }

  private async headersOf(row: MonitorRow): Promise<Record<string, string>> {
    if (!row.headersSealed) return {};
    return JSON.parse(await this.options.sealer.decrypt(row.headersSealed)) as Record<string, string>;
  }

  private async sealHeaders(headers: Record<string, string>): Promise<string | null> {
    return Object.keys(headers).length ? this.options.sealer.encrypt(JSON.stringify(headers)) : null;
  }

  async stats(idOrName: string) {
    const row = await this.findMonitor(idOrName);
    const now = this.clock.now();
    const [lastDay, week] = await Promise.all([
      this.store.checks.window(row.id, new Date(now - day)),
      this.store.checks.window(row.id, new Date(now - 7 * day)),
    ]);
    const series = dailySeries(
      await this.store.checks.daily([row.id], dayKey(new Date(now - 90 * day))),
      90,
      new Date(now),
    );
    const window = (n: number) => {
      const sum = sumRollups(series.slice(-n));
      return uptimePercent(sum.checks, sum.failures);
    };
    return {
      monitor: await this.view(row),
      uptime: {
        "24h": uptimePercent(lastDay.checks, lastDay.failures),
        "7d": window(7),
        "30d": window(30),
        "90d": window(90),
      },
      latency: { "24h": lastDay.latency, "7d": week.latency },
      daily: series,
    };
  }

  /** Every app's own monitor (the one pier made): its state and uptime since `since` (the dashboard's home). */
  async appSummaries(since: Date): Promise<AppUptime[]> {
    const rows = (await this.store.monitors.list()).filter((row) => row.auto && row.appId);
    return Promise.all(
      rows.map(async (row) => {
        const window = await this.store.checks.window(row.id, since);
        return {
          appId: row.appId!,
          status: row.enabled ? row.status : ("paused" as const),
          uptime: uptimePercent(window.checks, window.failures),
        };
      }),
    );
  }

  async recentChecks(idOrName: string, limit = 100) {
    const row = await this.findMonitor(idOrName);
    return (await this.store.checks.latest(row.id, limit)).map((c) => ({ ...c, at: c.at.toISOString() }));
  }

  /** Response times over the last day (5-minute buckets) or week (hourly), from the raw checks. */
  async latencySeries(idOrName: string, period: "24h" | "7d") {
    const row = await this.findMonitor(idOrName);
    const [span, bucketMs] = period === "24h" ? [day, 300_000] : [7 * day, 3_600_000];
    const from = Math.floor((this.clock.now() - span) / bucketMs) * bucketMs + bucketMs;
    const checks = await this.store.checks.since(row.id, new Date(from));
    return { period, bucketMs, points: latencyBuckets(checks, from, bucketMs, span / bucketMs) };
  }

  async incidents(filter: { monitor?: string; open?: boolean; limit?: number }) {
    const monitors = await this.store.monitors.list();
    const names = new Map(monitors.map((m) => [m.id, m.name]));
    const monitorIds = filter.monitor ? [(await this.findMonitor(filter.monitor)).id] : undefined;
    const rows = await this.store.incidents.list({ monitorIds, open: filter.open, limit: filter.limit });
    return rows.map((r) => incidentView(r, names.get(r.monitorId), this.clock.now()));
  }
}
