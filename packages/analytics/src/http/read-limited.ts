import { InvalidEventError } from "@pier/proxy/edge";

/** Reads a request body as text, refusing more than `limit` bytes with a 413 InvalidEventError. */
export async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  // With a declared length Bun reads exactly that much: the fast path. Chunked bodies are
  // streamed and cut off at the limit.
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limit) throw new InvalidEventError(`body larger than ${limit} bytes`, 413);
    return request.text();
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new InvalidEventError(`body larger than ${limit} bytes`, 413);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
