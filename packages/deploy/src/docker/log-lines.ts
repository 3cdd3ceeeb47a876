export type LogStream = "stdout" | "stderr";

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream id, 3 zero bytes, big-endian
 * length) into text lines. Chunks may cut frames and lines anywhere; call `end()` to flush.
 */
export function createLogDemuxer(onLine: (line: string, stream: LogStream) => void) {
  let pending = new Uint8Array(0);
  const partial: Record<LogStream, string> = { stdout: "", stderr: "" };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  const emitText = (stream: LogStream, text: string) => {
    const parts = (partial[stream] + text).split("\n");
    partial[stream] = parts.pop()!;
    for (const line of parts) onLine(line.replace(/\r$/, ""), stream);
  };

  return {
    push(chunk: Uint8Array) {
      const buffer = new Uint8Array(pending.length + chunk.length);
      buffer.set(pending);
      buffer.set(chunk, pending.length);
      let offset = 0;
      while (buffer.length - offset >= 8) {
        const view = new DataView(buffer.buffer, buffer.byteOffset + offset, 8);
        const size = view.getUint32(4);
        if (buffer.length - offset - 8 < size) break;
        const stream: LogStream = buffer[offset] === 2 ? "stderr" : "stdout";
        const payload = buffer.subarray(offset + 8, offset + 8 + size);
        emitText(stream, decoders[stream].decode(payload, { stream: true }));
        offset += 8 + size;
      }
      pending = buffer.slice(offset);
    },
    end() {
      for (const stream of ["stdout", "stderr"] as const) {
        if (partial[stream]) onLine(partial[stream], stream);
        partial[stream] = "";
      }
    },
  };
}

/** Splits a plain text stream (build output) into lines, keeping a partial line until it ends. */
export function createLineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      const parts = (partial + text).split("\n");
      partial = parts.pop()!;
      for (const line of parts) onLine(line.replace(/\r$/, ""));
    },
    end() {
      if (partial) onLine(partial);
      partial = "";
    },
  };
}
