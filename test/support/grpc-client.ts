import { connect, type IncomingHttpHeaders } from "node:http2";

/** One gRPC message in its length-prefixed frame (uncompressed). */
export function grpcFrame(message: string): Buffer {
  const body = Buffer.from(message);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/** The messages of a gRPC body, frame by frame. */
export function grpcMessages(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 5 <= bytes.length; ) {
    const n = bytes.readUInt32BE(i + 1);
    out.push(bytes.subarray(i + 5, i + 5 + n).toString());
    i += 5 + n;
  }
  return out;
}

/**
 * A gRPC call as a client makes it: HTTP/2 over TLS (self-signed certificates accepted) to
 * 127.0.0.1:`httpsPort` for `host`, one message sent; the answer's headers, trailers and messages.
 */
export async function grpcCall(
  httpsPort: number,
  host: string,
  path: string,
  message: string,
): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; messages: string[] }> {
  const client = connect(`https://127.0.0.1:${httpsPort}`, { rejectUnauthorized: false, servername: host });
  try {
    const req = client.request({
      ":method": "POST",
      ":path": path,
      ":authority": host,
      "content-type": "application/grpc",
      te: "trailers",
    });
    req.end(grpcFrame(message));
    const chunks: Buffer[] = [];
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    req.on("response", (h) => {
      headers = h;
    });
    req.on("trailers", (t) => {
      trailers = t;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    await new Promise((resolve, reject) => {
      req.on("end", resolve);
      req.on("error", reject);
    });
    return { headers, trailers, messages: grpcMessages(Buffer.concat(chunks)) };
  } finally {
    client.close();
  }
}
