/**
 * Just enough of RFC 6455 framing for the proxy to end a WebSocket tunnel politely. Tunnels pass
 * bytes through as they come; to put a close frame into a direction the proxy must know where the
 * frames of that direction start and end, or the close frame would land inside a frame and corrupt
 * it. FrameBoundaries reads frame headers and skips payloads, so following a tunnel costs a few
 * operations per frame, not per byte.
 */

export class FrameBoundaries {
  /** Payload bytes left of the current frame (its header read whole). */
  private remaining = 0;
  /** Header bytes read so far (0 between frames), and the header's size once known (else 0). */
  private headerRead = 0;
  private headerSize = 0;
  /** The 7-bit length and the extended length being read. */
  private length7 = 0;
  private extended = 0;

  /** Between two frames: a frame may be put in here. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.headerRead === 0;
  }

  /**
   * Follows the bytes chunk[from, end) and returns the index just past the first frame that ends
   * there when `stopAtBoundary`, else `chunk.length` (all of it followed).
   */
  follow(chunk: Uint8Array, from: number, stopAtBoundary: boolean): number {
    let i = from;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0 && stopAtBoundary) return i;
        continue;
      }
      const b = chunk[i++]!;
      const at = this.headerRead++;
      if (at === 1) {
        this.length7 = b & 0x7f;
        const extendedBytes = this.length7 === 126 ? 2 : this.length7 === 127 ? 8 : 0;
        this.headerSize = 2 + extendedBytes + (b & 0x80 ? 4 : 0);
        this.extended = 0;
      } else if (at >= 2 && at < 2 + (this.length7 === 126 ? 2 : this.length7 === 127 ? 8 : 0)) {
        this.extended = this.extended * 256 + b;
      }
      if (this.headerSize !== 0 && this.headerRead === this.headerSize) {
        this.remaining = this.length7 < 126 ? this.length7 : this.extended;
        this.headerRead = 0;
        this.headerSize = 0;
        if (this.remaining === 0 && stopAtBoundary) return i;
      }
    }
    return n;
  }
}

/** 1001: the endpoint is going away (a server going down, a release being replaced). */
export const GOING_AWAY = 1001;

function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, "utf8");
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}

/** A close frame as a server sends it: unmasked. `reason` stays under 124 bytes. */
export function serverCloseFrame(code: number, reason: string): Buffer {
  const payload = closePayload(code, reason);
  return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
}

/** A close frame as a client sends it: masked with a fresh key (RFC 6455 5.3). */
export function clientCloseFrame(code: number, reason: string): Buffer {
  const payload = closePayload(code, reason);
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x88;
  frame[1] = 0x80 | payload.length;
  frame.set(mask, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** Where a WebSocket tunnel's bytes go: the front connection's two sockets. */
export interface TunnelEnds {
  toClient(bytes: Uint8Array): void;
  /** False when the upstream pushes back (the client is paused until it drains). */
  toUpstream(bytes: Uint8Array): boolean;
  pauseClient(): void;
}

/**
 * A WebSocket tunnel the proxy may have to end (pier stopping, a release being replaced): its
 * frames are followed both ways, and `close` puts a close frame into each direction as soon as
 * that direction is between two frames: to the client as a server sends it (unmasked), to the
 * upstream as a client does (masked). After its own close frame the proxy passes nothing more that
 * way: the other side's close reply ends in the proxy, and the upstream's closing of the socket
 * ends the client's.
 */
export class WebSocketTunnel {
  private readonly down = new FrameBoundaries();
  private readonly up = new FrameBoundaries();
  private closing = 0;
  private sentDown = false;
  private sentUp = false;

  constructor(private readonly ends: TunnelEnds) {}

  /** Bytes from the upstream from `from` on (the 101 head before it is not WebSocket framing). */
  fromUpstream(chunk: Buffer, from = 0): void {
    if (this.sentDown) return;
    if (this.closing === 0) {
      this.down.follow(chunk, from, false);
      this.ends.toClient(chunk);
      return;
    }
    const end = this.down.follow(chunk, from, true);
    if (end > 0) this.ends.toClient(end === chunk.length ? chunk : chunk.subarray(0, end));
    if (this.down.atBoundary) this.closeDown();
  }

  fromClient(chunk: Buffer): void {
    if (this.sentUp) return;
    if (this.closing === 0) {
      this.up.follow(chunk, 0, false);
      if (!this.ends.toUpstream(chunk)) this.ends.pauseClient();
      return;
    }
    const end = this.up.follow(chunk, 0, true);
    if (end > 0) this.ends.toUpstream(end === chunk.length ? chunk : chunk.subarray(0, end));
    if (this.up.atBoundary) this.closeUp();
  }

  close(code: number): void {
    if (this.closing !== 0) return;
    this.closing = code;
    if (this.down.atBoundary) this.closeDown();
    if (this.up.atBoundary) this.closeUp();
  }

  private closeDown(): void {
    this.sentDown = true;
    this.ends.toClient(serverCloseFrame(this.closing, "going away"));
  }

  private closeUp(): void {
    this.sentUp = true;
    this.ends.toUpstream(clientCloseFrame(this.closing, "going away"));
  }
}
