/**
 * Splits Docker's multiplexed attach stream (8-byte headers: stream id, 3 zero bytes, big-endian
 * length) into frames of raw bytes, for `pier run` and `pier exec` (no line splitting: a REPL's
 * prompt has no newline). Chunks may cut frames anywhere.
 */
export function createFrameDemuxer(onFrame: (stream: 1 | 2, payload: Uint8Array) => void) {
  let pending = new Uint8Array(0);
  return (chunk: Uint8Array) => {
    const buffer = new Uint8Array(pending.length + chunk.length);
    buffer.set(pending);
    buffer.set(chunk, pending.length);
    let offset = 0;
    while (buffer.length - offset >= 8) {
      const size = new DataView(buffer.buffer, buffer.byteOffset + offset, 8).getUint32(4);
      if (buffer.length - offset - 8 < size) break;
      if (size > 0) onFrame(buffer[offset] === 2 ? 2 : 1, buffer.slice(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    pending = buffer.slice(offset);
  };
}
