import { z } from "zod";

/**
 * One HTTP route of pier's API, described once: the server validates requests and (in tests)
 * responses against it, /api/v1/openapi.json is generated from it, and the CLI's and the
 * dashboard's client take their types from it. This file is pure zod so both sides can import it.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call: an API scope (`read` < `deploy` < `write` < `admin`), `public` (no credential:
 * login, status pages), or `self` (any authenticated caller; the handler decides, e.g. "your own
 * session").
 */
export type RouteAccess = "read" | "deploy" | "write" | "admin" | "public" | "self";

export interface RouteDef {
  method: HttpMethod;
  /** Full path in Hono syntax (`/api/v1/apps/:name`). */
  path: string;
  summary: string;
  /** OpenAPI tag: the subsystem that owns the route. */
  tag: string;
  access: RouteAccess;
  /**
   * How a token limited to some apps is checked: `"name"` (the default for paths under
   * `/api/v1/apps/:name`) compares the `:name` parameter; `"handler"` leaves it to the handler
   * (`assertAppAccess` once it knows the app, e.g. from a deployment id). Any other route refuses
   * such tokens: they are for one repository's CI, not for the whole platform.
   */
  appScope?: "name" | "handler";
  /** Extra checks of path parameters beyond "present" (e.g. the app-name rule). */
  params?: z.ZodType<Record<string, string>, Record<string, string>>;
  /** Query parameters arrive as strings: use `z.coerce` for numbers. */
  query?: z.ZodType;
  /** A JSON request body. */
  body?: z.ZodType;
  /** The body may be left out (an empty request reads as `{}`): for actions whose fields all have defaults. */
  bodyOptional?: boolean;
  /** A non-JSON request body (uploads): its media type, read by the handler itself. */
  rawBody?: string;
  /** The JSON answer on success; for `produces` routes, omitted. */
  response?: z.ZodType;
  /** A non-JSON answer (an event stream, a log, a file): its media type. */
  produces?: string;
  /**
   * For a `text/event-stream` route: its events by name, each one's `data` the JSON of that
   * schema (checked in tests like JSON answers, see `eventData`; clients type it with `ClientEvent`).
   */
  events?: Record<string, z.ZodType>;
  /** Success status; 200 unless said. */
  status?: 200 | 201 | 202 | 204;
}

/** Keeps the literal types of a group of routes (method and path become the client's keys). */
export function defineRoutes<const T extends Record<string, RouteDef>>(routes: T): T {
  return routes;
}

/** The names of `:params` in a Hono path. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type PathParams<P extends string> = [ParamNames<P>] extends [never]
  ? Record<string, never>
  : { [K in ParamNames<P>]: string };

type Infer<T, Io extends "input" | "output"> = T extends z.ZodType
  ? Io extends "input"
    ? z.input<T>
    : z.output<T>
  : undefined;

/** What a handler receives, validated. */
export interface RouteInput<D extends RouteDef> {
  params: PathParams<D["path"]>;
  query: D["query"] extends z.ZodType ? z.output<D["query"]> : Record<string, never>;
  body: D["body"] extends z.ZodType ? z.output<D["body"]> : undefined;
}

/** What a handler returns for a JSON route: the response schema's input (Dates allowed for timestamps). */
export type RouteResult<D extends RouteDef> = D["response"] extends z.ZodType
  ? z.input<D["response"]>
  : never;

/** What a client sends: path parameters, query (as it goes on the wire) and JSON body. */
export type ClientInput<D extends RouteDef> = ([ParamNames<D["path"]>] extends [never]
  ? { params?: undefined }
  : { params: PathParams<D["path"]> }) &
  (D["query"] extends z.ZodType ? { query?: z.input<D["query"]> } : { query?: undefined }) &
  (D["body"] extends z.ZodType
    ? D["bodyOptional"] extends true
      ? { body?: z.input<D["body"]> }
      : { body: z.input<D["body"]> }
    : { body?: undefined });

/** What a client gets back: the JSON after serialisation (timestamps are strings). */
export type ClientOutput<D extends RouteDef> = Infer<D["response"], "output">;

/** The data of the event `E` of a streaming route, as a client parses it from the stream. */
export type ClientEvent<D extends RouteDef, E extends string> =
  D["events"] extends Record<string, z.ZodType>
    ? E extends keyof D["events"]
      ? z.output<D["events"][E]>
      : never
    : never;

/** What a server sends as the data of the event `E` (Dates allowed for timestamps). */
export type EventInput<D extends RouteDef, E extends string> =
  D["events"] extends Record<string, z.ZodType>
    ? E extends keyof D["events"]
      ? z.input<D["events"][E]>
      : never
    : never;

/** `"GET /api/v1/apps/:name"`: how a client names a route. */
export type RouteKey<D extends RouteDef> = D extends RouteDef ? `${D["method"]} ${D["path"]}` : never;

export type RouteOf<R extends RouteDef, K extends string> = Extract<
  R,
  { method: K extends `${infer M} ${string}` ? M : never; path: K extends `${string} ${infer P}` ? P : never }
>;

/** Every route of a group as a union, for clients: `RoutesOf<typeof appRoutes>`. */
export type RoutesOf<G extends Record<string, RouteDef>> = G[keyof G];

const timestampMarker = "pier.timestamp";

/**
 * A point in time on the wire: an ISO 8601 string. Handlers may return a Date (JSON turns it into
 * the same string), clients always read a string.
 */
export function timestamp() {
  return z
    .union([z.date(), z.string()])
    .transform((value) => (typeof value === "string" ? value : value.toISOString()))
    .meta({ [timestampMarker]: true });
}

/** For the OpenAPI generator: whether a schema is `timestamp()`. */
export function isTimestamp(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.[timestampMarker] === true;
}

/** `{ ok: true }`-style answers of deletions and other acknowledgements. */
export const okResponse = z.object({ ok: z.literal(true) });
