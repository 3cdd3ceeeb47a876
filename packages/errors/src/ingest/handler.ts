import { inflateSync } from "node:zlib";
import {
  type EventScrub,
  looksLikeJsonObject,
  parseEventBytes,
  prepareEvent,
} from "../process/prepare-event.ts";
import type { ScrubSettings } from "../process/scrub.ts";
import { isReplayItem, type ReplayIngest } from "../replays/replay-ingest.ts";
import type { ProjectRow } from "../store/tables.ts";
import { keyFromEnvelopeDsn, keyFromHeaders } from "./auth.ts";
import { type BodyLimits, decodeBody, readLimitedBody } from "./decode-body.ts";
import { type EnvelopeItem, parseEnvelope } from "./envelope.ts";
import {
  IngestError,
  IngestOverloadedError,
  IngestRateLimitedError,
  IngestStorageFullError,
  IngestWriterUnavailableError,
  InvalidKeyError,
  MalformedPayloadError,
} from "./errors.ts";
import { eventIdOf, payloadEventId } from "./event-id.ts";
import type { EventSink } from "./event-writer.ts";
import type { IngestRoute } from "./paths.ts";
import type { KeyRateLimiter } from "./rate-limit.ts";
import type { IngestStats } from "./stats.ts";

export interface IngestDeps {
  project(id: number): Promise<ProjectRow | undefined>;
  writer: EventSink;
  limiter: KeyRateLimiter;
  limits: BodyLimits;
  stats: IngestStats;
  /** Session replays; without it their items are counted as dropped like other item types. */
  replays?: ReplayIngest;
  now?: () => number;
  /** Items other subsystems keep (transactions and spans go to traces); true when one took it. */
  forwardItem?: (project: ProjectRow, item: EnvelopeItem) => boolean;
  /** Sees each accepted event's bytes (traces links an error to the trace it happened in). */
  observeEvent?: (project: ProjectRow, eventId: string, payload: Uint8Array) => void;
}

const corsHeaders = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "x-sentry-rate-limits, retry-after, x-sentry-error",
};

function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers":
        request.headers.get("access-control-request-headers") ??
        "content-type, content-encoding, x-sentry-auth, authorization, sentry-trace, baggage",
      "access-control-max-age": "86400",
    },
  });
}

export function ingestErrorResponse(error: IngestError): Response {
  const headers: Record<string, string> = { ...corsHeaders, "x-sentry-error": error.message };
  if (error instanceof IngestOverloadedError) headers["retry-after"] = "1";
  if (error instanceof IngestStorageFullError || error instanceof IngestWriterUnavailableError)
    headers["retry-after"] = String(error.retryAfterSeconds);
  if (error instanceof IngestRateLimitedError) {
    headers["retry-after"] = String(error.retryAfterSeconds);
    // Sentry SDKs read this header to back off every category for the given seconds.
    headers["x-sentry-rate-limits"] = `${error.retryAfterSeconds}::key`;
  }
  return Response.json(
    { error: { code: error.code, message: error.message } },
    { status: error.status, headers },
  );
}

const idHeaders = { ...corsHeaders, "content-type": "application/json" };
/** The answer to every accepted request; built by hand because Response.json showed up in profiles. */
function idResponse(id: string): Response {
  return new Response(`{"id":"${id}"}`, { headers: idHeaders });
}

/** Writer-thread backlog above which the request path parses events itself. */
const RAW_HANDOFF_BACKLOG = 1000;

/** Recently stored event ids: SDK retries after a lost response must not count twice. */
class RecentIds {
  private readonly seen = new Set<string>();
  has(id: string): boolean {
    return this.seen.has(id);
  }
  add(id: string): void {
    if (this.seen.size >= 100_000) this.seen.clear();
    this.seen.add(id);
  }
}

/** Legacy `/store/` clients (raven-js era) send base64 of zlib-deflated JSON. */
function storeBodyJson(body: Uint8Array, maxDecodedBytes: number): { payload: unknown; bytes: Uint8Array } {
  const text = new TextDecoder().decode(body);
  const trimmed = text.trim();
  let parsed = trimmed.startsWith("{") ? parseEventBytes(body, text) : undefined;
  if (parsed === undefined) {
    try {
      parsed = parseEventBytes(
        inflateSync(Buffer.from(trimmed, "base64"), { maxOutputLength: maxDecodedBytes }),
      );
    } catch {
      throw new MalformedPayloadError("The /store/ body must be a JSON event.");
    }
  }
  if (parsed === null) throw new MalformedPayloadError("The /store/ body is not valid JSON.");
  return parsed;
}

/** The Sentry ingest protocol: authenticate, limit, decode, parse, group, enqueue, answer `{id}`. */
export function createIngestHandler(deps: IngestDeps) {
  const now = deps.now ?? Date.now;
  const recent = new RecentIds();

  async function authorize(projectIdText: string, key: string | null): Promise<ProjectRow> {
    const project = await deps.project(Number(projectIdText));
    if (!project) {
      throw new IngestError(
        "unknown_project",
        `No error-tracking project has id ${projectIdText}; check the DSN.`,
        404,
      );
    }
    if (key === null) {
      throw new InvalidKeyError(
        "No Sentry key found: send X-Sentry-Auth, ?sentry_key= or a DSN in the envelope header.",
      );
    }
    if (key !== project.publicKey)
      throw new InvalidKeyError(`The key does not belong to project ${project.id}; check the DSN.`);
    const retryAfter = deps.limiter.take(project.publicKey, project.rateLimitPerMinute);
    if (retryAfter > 0) {
      deps.stats.add(project.id, "rate_limited");
      throw new IngestRateLimitedError(retryAfter);
    }
    return project;
  }

  /** Counts the event once it is queued; a full queue or full storage is a 503 the SDK retries. */
  function queued(project: ProjectRow, eventId: string, accepted: boolean): void {
    if (!accepted && deps.writer.writerDown) {
      deps.stats.add(project.id, "writer_unavailable");
      throw new IngestWriterUnavailableError();
    }
    if (!accepted && deps.writer.storageFull) {
      deps.stats.add(project.id, "storage_full");
      throw new IngestStorageFullError();
    }
    if (!accepted) {
      deps.stats.add(project.id, "queue_full");
      throw new IngestOverloadedError();
    }
    recent.add(`${project.id}:${eventId}`);
    deps.stats.add(project.id, "events");
  }

  function duplicate(project: ProjectRow, eventId: string): boolean {
    if (!recent.has(`${project.id}:${eventId}`)) return false;
    deps.stats.add(project.id, "duplicate");
    return true;
  }

  /** An event parsed here (the /store/ endpoint, or no writer thread): group it, then queue it. */
  function acceptParsed(
    project: ProjectRow,
    payload: unknown,
    bytes: Uint8Array,
    eventId: string,
    scrub: EventScrub,
  ): void {
    const prepared = prepareEvent(project.id, eventId, payload, bytes, now(), scrub);
    if (prepared === null) throw new MalformedPayloadError("An event must be a JSON object.");
    if (duplicate(project, eventId)) return;
    queued(project, eventId, deps.writer.enqueue(prepared));
  }

  /**
   * An envelope's event item. With a writer thread the request path only checks that the item opens a
   * JSON object and hands the bytes over: parsing and grouping run in the thread (malformed JSON
   * inside is then counted as `invalid_event` instead of answered with 400).
   */
  function acceptItem(
    project: ProjectRow,
    item: EnvelopeItem,
    headerEventId: unknown,
    scrub: EventScrub,
  ): string {
    // When the thread falls behind, this thread parses and groups too, so the work splits over both
    // cores instead of piling up in the thread's queue (measured: seconds of backlog otherwise).
    if (deps.writer.enqueueRaw && deps.writer.pending < RAW_HANDOFF_BACKLOG) {
      if (!looksLikeJsonObject(item.payload))
        throw new MalformedPayloadError("An event must be a JSON object.");
      const eventId = eventIdOf(headerEventId, payloadEventId(item.payload));
      if (!duplicate(project, eventId)) {
        const raw = { projectId: project.id, eventId, receivedAt: now(), payload: item.payload, scrub };
        queued(project, eventId, deps.writer.enqueueRaw(raw));
      }
      return eventId;
    }
    const parsed = parseEventBytes(item.payload);
    if (parsed === null) throw new MalformedPayloadError(`The envelope's "event" item is not valid JSON.`);
    const { payload, bytes } = parsed;
    const eventId = eventIdOf(headerEventId, (payload as { event_id?: unknown } | null)?.event_id);
    acceptParsed(project, payload, bytes, eventId, scrub);
    return eventId;
  }

  /** `clientIp`: the SDK's client (for `{{auto}}` user addresses), as the console saw it. */
  return async function handleIngest(
    request: Request,
    route: IngestRoute,
    clientIp: string | null = null,
  ): Promise<Response> {
    if (request.method === "OPTIONS") return preflight(request);
    try {
      if (request.method !== "POST") {
        throw new IngestError("method_not_allowed", "Sentry ingest endpoints accept POST only.", 405);
      }
      const url = new URL(request.url);
      const headerKey = keyFromHeaders(request.headers, url.searchParams);
      // Authenticate before reading the body when the key came in a header, so bad keys cost nothing.
      let project =
        route.projectId !== null && headerKey !== null ? await authorize(route.projectId, headerKey) : null;
      const raw = await readLimitedBody(request, deps.limits.maxBodyBytes);
      const body = decodeBody(raw, request.headers.get("content-encoding"), deps.limits.maxDecodedBytes);

      if (route.kind === "store") {
        project ??= await authorize(route.projectId!, headerKey);
        const { payload, bytes } = storeBodyJson(body, deps.limits.maxDecodedBytes);
        const id = eventIdOf((payload as { event_id?: unknown } | null)?.event_id);
        acceptParsed(project, payload, bytes, id, { settings: scrubSettingsOf(project), clientIp });
        deps.observeEvent?.(project, id, bytes);
        return idResponse(id);
      }

      const envelope = parseEnvelope(body);
      if (project === null) {
        const fromDsn = keyFromEnvelopeDsn(envelope.header.dsn);
        const projectId = route.projectId ?? fromDsn?.projectId;
        if (projectId === undefined) {
          throw new InvalidKeyError(
            "The tunnel needs the DSN in the envelope header (set `tunnel` in Sentry.init).",
          );
        }
        if (route.projectId !== null && fromDsn && fromDsn.projectId !== route.projectId) {
          throw new InvalidKeyError("The envelope's DSN names a different project than the URL.");
        }
        project = await authorize(projectId, headerKey ?? fromDsn?.publicKey ?? null);
      }
      let id: string | null = null;
      const scrub = { settings: scrubSettingsOf(project), clientIp };
      const replayItems: EnvelopeItem[] = [];
      for (const item of envelope.items) {
        if (deps.replays && isReplayItem(item.type)) {
          replayItems.push(item);
          continue;
        }
        if (item.type !== "event") {
          const kept = deps.forwardItem?.(project, item) ?? false;
          // The type is the sender's: counted by name only for the types Sentry defines, so a DSN
          // key (public by design) cannot grow the counters with names of its own.
          const type = sentryItemTypes.has(item.type) ? item.type : "other";
          deps.stats.add(project.id, kept ? type : `dropped_${type}`);
          continue;
        }
        // The header's event_id names the envelope's (first) event, as Sentry defines it.
        const eventId = acceptItem(project, item, id === null ? envelope.header.event_id : undefined, scrub);
        deps.observeEvent?.(project, eventId, item.payload);
        id ??= eventId;
      }
      if (deps.replays && replayItems.length > 0)
        id ??= await deps.replays(project.id, replayItems, envelope.header.event_id, scrub);
      return idResponse(id ?? eventIdOf(envelope.header.event_id));
    } catch (error) {
      if (error instanceof IngestError) return ingestErrorResponse(error);
      throw error;
    }
  };
}

/** A project's scrubbing as the ingest path applies it. */
function scrubSettingsOf(project: ProjectRow): ScrubSettings {
  return { enabled: project.scrubData, fields: project.scrubFields, dropIp: project.scrubIp };
}

/** The envelope item types of Sentry's protocol (develop.sentry.dev, Envelope Items). */
const sentryItemTypes: ReadonlySet<string> = new Set([
  "event",
  "transaction",
  "attachment",
  "session",
  "sessions",
  "statsd",
  "metric_meta",
  "user_report",
  "feedback",
  "client_report",
  "replay_event",
  "replay_recording",
  "replay_video",
  "profile",
  "profile_chunk",
  "check_in",
  "span",
  "otel_span",
  "log",
  "otel_log",
  "trace_metric",
  "raw_security",
  "security",
  "nel",
]);
