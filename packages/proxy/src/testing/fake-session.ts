import { type RouteSpecInput, routeSpecSchema } from "../shared/route-spec.ts";
import {
  buildRouteTable,
  type CompiledRoute,
  findRoute,
  normalizeHost,
  type UpstreamTarget,
} from "../shared/route-table.ts";
import { createFrontState, type FrontState } from "../worker/front-state.ts";
import type { LocalResponse } from "../worker/pages.ts";
import type { ProxySession } from "../worker/phases/session.ts";
import { parseRequestHead, type RequestHead } from "../worker/request-head.ts";

export interface FakeSessionOptions {
  tls?: boolean;
  routes?: RouteSpecInput[];
  acme?: Record<string, string>;
  /** Where /_pier/ paths go; null when there is no console to forward to. */
  internal?: UpstreamTarget | null;
  /** The workers' "x-pier-edge: <secret>\r\n" line. */
  edgeLine?: string;
  /** The main thread collects beacons (setBeaconHandler). */
  beacons?: boolean;
  httpPort?: number;
  httpsPort?: number | null;
  /** false: the route is left unset, as the front hands a session to the chain. */
  routed?: boolean;
}

/** A ProxySession that records how a phase ended the exchange instead of writing to a socket. */
export class FakeSession implements ProxySession {
  route: CompiledRoute | null = null;
  readonly requestId = "test-request-1";
  answered: { res: LocalResponse; closeForBody: boolean; record: boolean } | null = null;
  forwarded: { path: string; pinned: UpstreamTarget | null; extra: string } | null = null;
  beaconBytes: number | null = null;
  held = false;

  constructor(
    readonly state: FrontState,
    readonly tls: boolean,
    readonly request: RequestHead,
    readonly host: string,
  ) {}

  respond(res: LocalResponse, closeForBody: boolean, record: boolean): void {
    this.answered = { res, closeForBody, record };
  }

  forward(path: string, pinned: UpstreamTarget | null, extra: string): void {
    this.forwarded = { path, pinned, extra };
  }

  readBeacon(contentLength: number): void {
    this.beaconBytes = contentLength;
  }

  hold(): void {
    this.held = true;
  }

  /** Whatever a phase did, or "passed" when it let the request go on. */
  get outcome(): "answered" | "forwarded" | "beacon" | "held" | "passed" {
    if (this.answered !== null) return "answered";
    if (this.forwarded !== null) return "forwarded";
    if (this.beaconBytes !== null) return "beacon";
    if (this.held) return "held";
    return "passed";
  }
}

export const CONSOLE: UpstreamTarget = { origin: "http://127.0.0.1:7070", hostname: "127.0.0.1", port: 7070 };

/**
 * A session for the request head `head` (CRLFs may be written as "\n"), with its route already
 * looked up as the route filter would (unless `routed: false`), so the filters after it can be
 * called at once.
 */
export function fakeSession(head: string, options: FakeSessionOptions = {}): FakeSession {
  const wire = Buffer.from(head.replace(/\r?\n/g, "\r\n"), "latin1");
  const request = parseRequestHead(wire, 0);
  if (request === null) throw new Error(`incomplete request head: ${JSON.stringify(head)}`);
  const table = buildRouteTable(
    (options.routes ?? []).map((r) => routeSpecSchema.parse(r)),
    1,
  );
  const state = createFrontState({
    table,
    acme: new Map(Object.entries(options.acme ?? {})),
    internal: options.internal ?? null,
    edgeLine: options.edgeLine ?? "",
    httpsPort: options.httpsPort === undefined ? 443 : options.httpsPort,
    httpPort: options.httpPort ?? 80,
    requestIdPrefix: "test-0-",
    record: () => {},
    beacon: options.beacons ? () => {} : null,
  });
  const session = new FakeSession(state, options.tls ?? false, request, normalizeHost(request.host));
  if (options.routed !== false) session.route = findRoute(table, session.host, request.target);
  return session;
}
