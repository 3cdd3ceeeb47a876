import { connect, type TLSSocket } from "node:tls";

/**
 * A small HTTP/2 frame writer and reader for the attack cases: the frames a misbehaving client
 * sends, written byte for byte (a real client library would refuse to send most of them), and the
 * frames the server sends back, read by their 9-byte headers. HPACK here is the literal and
 * static-table forms only (no Huffman), which every decoder must accept.
 */

export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;
export const ERROR = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, CANCEL: 0x8, ENHANCE_YOUR_CALM: 0xb } as const;
export const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
) {
  const f = Buffer.alloc(9 + payload.length);
  f.writeUIntBE(payload.length, 0, 3);
  f[3] = type;
  f[4] = flags;
  f.writeUInt32BE(streamId & 0x7fffffff, 5);
  f.set(payload, 9);
  return f;
}

export function settings(pairs: [number, number][] = []): Buffer {
  const p = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, p);
}

export function rstStream(streamId: number, code: number = ERROR.CANCEL): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, streamId, p);
}

/** An HPACK integer with an `prefixBits`-bit prefix, the first byte's high bits set to `high`. */
export function hpackInt(value: number, prefixBits: number, high: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [high | value];
  const out = [high | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function hpackString(s: string): number[] {
  const bytes = [...Buffer.from(s, "latin1")];
  return [...hpackInt(bytes.length, 7, 0), ...bytes];
}

/** Literal without indexing, new name (RFC 7541 §6.2.2). */
export function literal(name: string, value: string): number[] {
  return [0x00, ...hpackString(name), ...hpackString(value)];
}

/** Literal with incremental indexing, new name: the field enters the dynamic table (§6.2.1). */
export function literalIndexed(name: string, value: string): number[] {
  return [0x40, ...hpackString(name), ...hpackString(value)];
}

/** A GET's header block: :method GET, :scheme https (static 2, 7), :path and :authority as literals. */
export function getRequestBlock(authority: string, path = "/", extra: number[] = []): Buffer {
  return Buffer.from([0x82, 0x87, ...literal(":path", path), ...literal(":authority", authority), ...extra]);
}

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A raw HTTP/2 connection over TLS (ALPN h2) that records every frame the server sends. */
export class RawH2 {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  private pending = Buffer.alloc(0);
  private constructor(readonly socket: TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 9) {
        const length = this.pending.readUIntBE(0, 3);
        if (this.pending.length < 9 + length) break;
        this.frames.push({
          type: this.pending[3]!,
          flags: this.pending[4]!,
          streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
          payload: this.pending.subarray(9, 9 + length),
        });
        this.pending = this.pending.subarray(9 + length);
      }
    });
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => {});
  }

  static open(port: number, servername: string): Promise<RawH2> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        servername,
        ALPNProtocols: ["h2"],
        rejectUnauthorized: false,
      });
      socket.once("secureConnect", () => {
        if (socket.alpnProtocol !== "h2") reject(new Error(`ALPN chose ${socket.alpnProtocol}`));
        else resolve(new RawH2(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Writes the client preface and an empty SETTINGS, then acknowledges the server's. */
  async handshake(): Promise<void> {
    this.write(Buffer.concat([CLIENT_PREFACE, settings()]));
    await this.until(() => this.frames.some((f) => f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0));
    this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  goaway(): { lastStreamId: number; code: number } | null {
    const f = this.frames.find((x) => x.type === FRAME.GOAWAY);
    if (f === undefined) return null;
    return { lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff, code: f.payload.readUInt32BE(4) };
  }

  /** The server's SETTINGS (the first one, not an ACK) as id to value. */
  serverSettings(): Map<number, number> {
    const f = this.frames.find((x) => x.type === FRAME.SETTINGS && (x.flags & FLAG.ACK) === 0);
    const out = new Map<number, number>();
    if (f === undefined) return out;
    for (let i = 0; i + 6 <= f.payload.length; i += 6)
      out.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
    return out;
  }

  async until(done: () => boolean, timeoutMs = 5_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) return false;
      await Bun.sleep(10);
    }
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}
