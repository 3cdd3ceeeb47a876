import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { MalformedPayloadError, PayloadTooLargeError } from "./errors.ts";

export interface BodyLimits {
  /** Bytes on the wire, compressed or not. */
  maxBodyBytes: number;
  /** Bytes after decompression: a small gzip bomb must not become a large allocation. */
  maxDecodedBytes: number;
}

export const defaultBodyLimits: BodyLimits = { maxBodyBytes: 1024 * 1024, maxDecodedBytes: 10 * 1024 * 1024 };

/** Reads a request body, refusing it as soon as it passes the limit (no full buffering of huge bodies). */
export async function readLimitedBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLargeError("request body", limit);
  if (request.body === null) return new Uint8Array(0);
  // A declared length within the limit: let Bun read it in one go (the common, fast case).
  if (declared !== null) return new Uint8Array(await request.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > limit) throw new PayloadTooLargeError("request body", limit);
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Undoes Content-Encoding (gzip, deflate, br); identity passes through. */
export function decodeBody(body: Uint8Array, encoding: string | null, maxDecodedBytes: number): Uint8Array {
  const name = (encoding ?? "").trim().toLowerCase();
  if (name === "" || name === "identity") {
    if (body.byteLength > maxDecodedBytes) throw new PayloadTooLargeError("body", maxDecodedBytes);
    return body;
  }
  const options = { maxOutputLength: maxDecodedBytes };
  try {
    switch (name) {
      case "gzip":
      case "x-gzip":
        return gunzipSync(body, options);
      case "deflate":
        // RFC 9110 says zlib-wrapped, but some clients send raw deflate: accept both.
        return body[0] !== undefined && (body[0] & 0x0f) === 8
          ? inflateSync(body, options)
          : inflateRawSync(body, options);
      case "br":
        return brotliDecompressSync(body, options);
      default:
        throw new MalformedPayloadError(
          `Content-Encoding "${name}" is not supported; use gzip, deflate or br.`,
        );
    }
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw error;
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PayloadTooLargeError("decompressed body", maxDecodedBytes);
    }
    throw new MalformedPayloadError(`The body is not valid ${name} data (${(error as Error).message}).`);
  }
}
