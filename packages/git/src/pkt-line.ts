/**
 * Whether a smart-HTTP request body starts the way git's own do: a pkt-line length (four hex
 * digits, `0000` being a flush) or, when the client announced gzip, gzip's magic bytes. git
 * http-backend answers 200 before upload-pack or receive-pack reads a byte, so a body that is not
 * git's protocol would otherwise get a 200 with an empty answer instead of a 400.
 */
export function startsLikeGitRequest(head: Uint8Array, contentEncoding: string | null): boolean {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return head[0] === 0x1f && head[1] === 0x8b;
  if (head.length < 4) return false;
  for (let i = 0; i < 4; i++) if (!isHexDigit(head[i]!)) return false;
  return true;
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);
}

/** How many bytes startsLikeGitRequest needs to see. */
export const gitRequestHeadBytes = 4;

/**
 * Reads at least `bytes` bytes (or the whole body, when shorter) and gives back those bytes and a
 * stream that yields the entire body again, unread part included.
 */
export async function peekBody(
  body: ReadableStream<Uint8Array>,
  bytes: number,
): Promise<{ head: Uint8Array; body: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks, length);
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, body: replay };
}
