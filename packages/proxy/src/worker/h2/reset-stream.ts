import { type ClientHttp2Stream, constants, type Http2Stream } from "node:http2";

/**
 * Resets a stream with RST_STREAM(INTERNAL_ERROR), so that a cut answer is never taken for whole.
 * Not `stream.close(code)`: in Bun 1.4 that first ends a stream whose side is still open, with an
 * empty DATA frame carrying END_STREAM (a clean end), then resets it (h2/cut-answers.test.ts),
 * where node:http2 documents an RST_STREAM alone. Destroying the stream with an error sends the
 * RST_STREAM alone in both.
 */
export function resetStream(stream: Http2Stream): void {
  if (stream.destroyed) return;
  stream.destroy(new Error("the exchange was cut short"));
}

/**
 * Cancels a stream the proxy opened to an h2c upstream: RST_STREAM(CANCEL) once its request was
 * sent whole; while the request body is still open a reset as resetStream sends it, since
 * `close(CANCEL)` would first end the request and the app would take a cut upload for whole.
 */
export function cancelStream(stream: ClientHttp2Stream): void {
  if (stream.destroyed) return;
  if (stream.writableEnded) stream.close(constants.NGHTTP2_CANCEL);
  else resetStream(stream);
}
