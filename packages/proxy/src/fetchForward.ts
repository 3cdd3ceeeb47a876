import { buildForwardHeaders, cleanResponseHeaders, type ForwardContext } from "./forwardHeaders.ts";
import type { CompiledRoute, UpstreamTarget } from "./routeTable.ts";
import { type ExchangeEnd, UpstreamConnectError, UpstreamTimeoutError } from "./upstreamClient.ts";

/**
 * The general path: requests with bodies (and non-GET methods) go through fetch(), which streams
 * the request body upstream with backpressure. The pooled socket client only handles body-less
 * requests, so uploads of any size never sit in memory.
 */

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export class BodyTooLargeError extends Error {
  readonly code = "BODY_TOO_LARGE";
  readonly retryable = false;
  constructor(limit: number) {
    super(`request body exceeds the route's limit of ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Counts streamed bytes for bodies without Content-Length and cuts them off at the limit. */
function limitBody(body: ReadableStream<Uint8Array>, limit: number, onTooLarge: () => void) {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          onTooLarge();
          controller.error(new BodyTooLargeError(limit));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

export async function forwardWithFetch(
  req: Request,
  target: UpstreamTarget,
  path: string,
  ctx: ForwardContext,
  route: CompiledRoute,
  onEnd: ExchangeEnd,
): Promise<Response> {
  const abort = new AbortController();
  let timedOut = false;
  let tooLarge = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, route.upstreamTimeoutMs);
  let body: ReadableStream<Uint8Array> | null = req.body;
  if (body !== null && route.maxBodyBytes !== Number.POSITIVE_INFINITY) {
    body = limitBody(body, route.maxBodyBytes, () => {
      tooLarge = true;
      abort.abort();
    });
  }
  let res: Response;
  try {
    res = await fetch(`${target.origin}${path}`, {
      method: req.method,
      headers: buildForwardHeaders(req.headers, ctx),
      body,
      redirect: "manual",
      signal: abort.signal,
      decompress: false,
      // The fetch spec requires duplex for streamed request bodies.
      duplex: "half",
    } as RequestInit);
  } catch (err) {
    if (tooLarge) throw new BodyTooLargeError(route.maxBodyBytes);
    if (timedOut) throw new UpstreamTimeoutError(target.origin, route.upstreamTimeoutMs, "response");
    const code = (err as { code?: string }).code;
    if (code === "ConnectionRefused" || code === "ECONNREFUSED" || code === "FailedToOpenSocket") {
      throw new UpstreamConnectError(target.origin, err);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const length = Number(res.headers.get("content-length") ?? 0);
  onEnd(res.status, length);
  return new Response(res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: cleanResponseHeaders(res.headers),
  });
}
