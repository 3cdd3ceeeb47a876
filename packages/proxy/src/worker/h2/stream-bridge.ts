import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { Socket } from "bun";
import { FrontConnection } from "../front-connection.ts";
import type { FrontState } from "../front-state.ts";
import { parseResponseHead, ResponseHead, responseHeadText } from "../response-parser.ts";
import {
  type H2RequestError,
  MAX_RESPONSE_HEADER_LIST_BYTES,
  requestHeadFromStream,
  responseHeadersFromHead,
} from "./h1-translation.ts";
import { resetStream } from "./reset-stream.ts";

/**
 * One HTTP/2 stream run through the HTTP/1.1 engine: the bridge stands in for the client socket
 * of a FrontConnection of its own, so a stream gets every phase an HTTP/1.1 request gets (routing,
 * redirects, beacons, body limits, sleeping routes, the upstream pool with its retries, records)
 * from the same code. The request goes in as an HTTP/1.0 head (h1-translation.ts) plus its body;
 * the answer comes out as an HTTP/1.x head, parsed once into the stream's headers, then body bytes
 * that go out as DATA until the engine ends the stand-in connection.
 * Cancelling: a RST_STREAM from the client closes the stand-in connection as a client socket
 * closing would, so the engine cuts the upstream exchange (a socket left mid-message is never
 * pooled). A stream the engine ends before its body is complete gets a RST_STREAM, never a
 * clean end, so a truncated body is not taken for whole.
 */

const CRLF = Buffer.from("\r\n");
const expectsContinue = (value: string | string[] | undefined) =>
  typeof value === "string" && value.trim().toLowerCase() === "100-continue";
const LAST_CHUNK = Buffer.from("0\r\n\r\n");
/** Parsed into for each stream's answer head: one parse at a time per thread. */
const responseHead = new ResponseHead();

export class StreamBridge {
  private readonly conn: FrontConnection;
  private headBytes: Buffer | null = null;
  private headSent = false;
  /** Body bytes still expected by Content-Length; -1 for an answer ended by the engine's close. */
  private remaining = -1;
  private finished = false;
  private closedConn = false;
  private waitingDrain = false;
  private readonly chunked: boolean = false;
  private readonly method: string;

  constructor(
    state: FrontState,
    private readonly stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    readonly remoteAddress: string,
  ) {
    this.conn = new FrontConnection(state, true, true);
    this.method = String(headers[":method"]);
    const hasBody = !stream.endAfterHeaders;
    let head: string;
    try {
      head = requestHeadFromStream(headers, hasBody);
    } catch (err) {
      const e = err as H2RequestError;
      this.finished = true;
      if (!stream.destroyed) {
        stream.respond({ ":status": e.status ?? 400, "content-type": "text/plain" });
        stream.end(`${e.message}\n`);
      }
      return;
    }
    this.chunked = hasBody && headers["content-length"] === undefined;
    stream.on("close", () => this.streamClosed());
    stream.on("error", () => {});
    stream.on("drain", () => {
      if (!this.waitingDrain) return;
      this.waitingDrain = false;
      this.conn.drain();
    });
    if (hasBody) {
      stream.on("data", (chunk: Buffer) => {
        if (this.closedConn) return;
        if (!this.chunked) this.conn.data(chunk);
        else if (chunk.length > 0)
          this.conn.data(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, CRLF]));
      });
      stream.on("end", () => {
        if (this.chunked && !this.closedConn) this.conn.data(LAST_CHUNK);
      });
    }
    this.conn.open(this as unknown as Socket<FrontConnection>);
    this.conn.data(Buffer.from(head, "latin1"));
    // A client that asked to be told before sending its body (curl does for large uploads) gets
    // the go-ahead once the request was taken in, as nginx gives it when it starts reading the
    // body: the app's own 100 ends here (takeHead), and the engine's early answers (a 413 on the
    // declared length, a redirect, no route) come before it and make it moot.
    if (hasBody && !this.headSent && !this.finished && expectsContinue(headers.expect)) {
      try {
        stream.additionalHeaders({ ":status": 100 });
      } catch {}
    }
  }

  // ---- the socket surface FrontConnection uses --------------------------------------------------

  write(data: Uint8Array | string): number {
    const length = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    if (this.finished || this.stream.destroyed) return length;
    if (!this.headSent) {
      const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
      this.takeHead(this.headBytes === null ? bytes : Buffer.concat([this.headBytes, bytes]));
      return length;
    }
    // A full stream buffer: the engine keeps the bytes and pauses the upstream until "drain".
    if (this.stream.writableNeedDrain) {
      this.waitingDrain = true;
      return 0;
    }
    this.body(typeof data === "string" ? Buffer.from(data) : data);
    return length;
  }

  end(): void {
    if (!this.finished) {
      this.finished = true;
      if (!this.headSent || this.remaining > 0) this.reset();
      else if (!this.stream.destroyed) this.stream.end();
    }
    this.closeConn();
  }

  terminate(): void {
    if (!this.finished) {
      this.finished = true;
      this.reset();
    }
    this.closeConn();
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  setNoDelay(): void {}

  timeout(): void {}

  // ---- answer -----------------------------------------------------------------------------------

  private takeHead(buf: Buffer): void {
    let at = 0;
    for (;;) {
      let head: ResponseHead | null;
      try {
        head = parseResponseHead(buf, at, responseHead);
      } catch {
        this.terminate();
        return;
      }
      if (head === null) {
        this.headBytes = at === 0 ? buf : buf.subarray(at);
        return;
      }
      if (head.status >= 200) break;
      // Early Hints go on as an interim HEADERS frame (browsers use them over HTTP/2 only); other
      // informational answers (an upstream's 100 Continue) end here.
      if (head.status === 103) this.earlyHints(head);
      at += head.headLength;
    }
    const head = responseHead;
    this.headBytes = null;
    this.headSent = true;
    const { headers, contentLength, listBytes } = responseHeadersFromHead(responseHeadText(head));
    if (listBytes > MAX_RESPONSE_HEADER_LIST_BYTES) {
      this.refuseHead(listBytes);
      return;
    }
    const bodyStart = at + head.headLength;
    const noBody =
      this.method === "HEAD" || head.status === 204 || head.status === 304 || contentLength === 0;
    this.remaining = noBody ? 0 : contentLength;
    if (this.stream.destroyed) return;
    this.stream.respond(headers, { endStream: noBody });
    if (noBody) {
      this.finished = true;
      return;
    }
    if (bodyStart < buf.length) this.body(buf.subarray(bodyStart));
  }

  /** Hints are optional: ones the stream cannot carry (too large, or refused) are dropped. */
  private earlyHints(head: ResponseHead): void {
    const { headers, listBytes } = responseHeadersFromHead(responseHeadText(head));
    if (listBytes > MAX_RESPONSE_HEADER_LIST_BYTES || this.stream.destroyed) return;
    try {
      this.stream.additionalHeaders(headers);
    } catch {}
  }

  /** A 502 for this stream alone: the answer's headers are more than the stream may carry. */
  private refuseHead(listBytes: number): void {
    this.finished = true;
    this.conn.answerReplaced(502);
    if (!this.stream.destroyed) {
      this.stream.respond({ ":status": 502, "content-type": "text/plain; charset=utf-8" });
      this.stream.end(
        `the app's answer has ${listBytes} bytes of headers, more than the ${MAX_RESPONSE_HEADER_LIST_BYTES} an HTTP/2 answer may carry here; send fewer or smaller headers\n`,
      );
    }
    this.closeConn();
  }

  private body(bytes: Uint8Array): void {
    if (this.remaining >= 0) {
      this.remaining -= bytes.byteLength;
      if (this.remaining <= 0) {
        this.finished = true;
        this.stream.end(bytes);
        return;
      }
    }
    this.stream.write(bytes);
  }

  private reset(): void {
    resetStream(this.stream);
  }

  /** The engine is done with its stand-in connection, as after a socket's close event. */
  private closeConn(): void {
    if (this.closedConn) return;
    this.closedConn = true;
    // After the engine's own call returns, as Bun runs a socket's close handler later.
    queueMicrotask(() => this.conn.closed());
  }

  /** The stream ended: after the answer, or cancelled by the client (RST_STREAM) or its connection. */
  private streamClosed(): void {
    this.finished = true;
    this.closeConn();
  }
}
