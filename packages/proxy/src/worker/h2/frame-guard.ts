/**
 * Watches the frames a client sends before they reach the HTTP/2 session, for the floods that cost
 * a server more than they cost the client (RFC 9113 §10.5): many streams opened and reset at once
 * (rapid reset, CVE-2023-44487), SETTINGS or PING frames that each demand an answer (CVE-2019-9512,
 * -9515), and a header block that never ends (CONTINUATION flood, 2024). Only frame headers are
 * read (9 bytes each); payloads are skipped. A verdict other than null ends the connection with
 * GOAWAY(ENHANCE_YOUR_CALM): the other connections are untouched.
 */

export const CLIENT_PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;

export interface FrameGuardLimits {
  /** RST_STREAM frames a client may send per window (browsers cancel a few on navigation). */
  resetsPerWindow: number;
  /** SETTINGS and PING frames needing an answer, per window. */
  controlPerWindow: number;
  windowMs: number;
  /** Bytes of one header block (HEADERS plus its CONTINUATIONs), before decompression. */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames in one header block. */
  maxContinuations: number;
}

export const DEFAULT_FRAME_GUARD_LIMITS: FrameGuardLimits = {
  resetsPerWindow: 100,
  controlPerWindow: 100,
  windowMs: 1_000,
  maxHeaderBlockBytes: 64 * 1024,
  maxContinuations: 64,
};

export type FrameGuardVerdict = "rapid reset" | "control frame flood" | "header block too large" | null;

export class FrameGuard {
  /** Bytes of the client preface still to pass, then header bytes / payload bytes to skip. */
  private prefaceLeft = CLIENT_PREFACE_LENGTH;
  private readonly header = new Uint8Array(FRAME_HEADER);
  private headerHave = 0;
  private payloadLeft = 0;
  private blockBytes = 0;
  private continuations = 0;
  /** The last frame seen is part of a header block; `blockEnds` when it carries END_HEADERS. */
  private inBlock = false;
  private blockEnds = false;
  private windowStart = 0;
  private resets = 0;
  private control = 0;

  constructor(
    private readonly limits: FrameGuardLimits = DEFAULT_FRAME_GUARD_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * A header block (HEADERS and its CONTINUATIONs) has begun and not all of it has arrived: the
   * connection can do nothing else until it does, so the head timeout applies to it.
   */
  get headerBlockOpen(): boolean {
    return this.inBlock && (!this.blockEnds || this.payloadLeft > 0);
  }

  /** Follows `chunk`'s frames; returns why the connection must end, or null. */
  scan(chunk: Uint8Array): FrameGuardVerdict {
    let i = 0;
    const n = chunk.length;
    if (this.prefaceLeft > 0) {
      const take = Math.min(this.prefaceLeft, n);
      this.prefaceLeft -= take;
      i = take;
    }
    while (i < n) {
      if (this.payloadLeft > 0) {
        const skip = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= skip;
        i += skip;
        continue;
      }
      const take = Math.min(FRAME_HEADER - this.headerHave, n - i);
      this.header.set(chunk.subarray(i, i + take), this.headerHave);
      this.headerHave += take;
      i += take;
      if (this.headerHave < FRAME_HEADER) break;
      this.headerHave = 0;
      const h = this.header;
      const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
      this.payloadLeft = length;
      const verdict = this.frame(h[3]!, h[4]!, length);
      if (verdict !== null) return verdict;
    }
    return null;
  }

  private frame(type: number, flags: number, length: number): FrameGuardVerdict {
    this.inBlock = type === HEADERS || type === CONTINUATION;
    this.blockEnds = (flags & FLAG_END_HEADERS) !== 0;
    switch (type) {
      case HEADERS:
        this.blockBytes = length;
        this.continuations = 0;
        return this.blockBytes > this.limits.maxHeaderBlockBytes ? "header block too large" : null;
      case CONTINUATION:
        this.blockBytes += length;
        this.continuations++;
        if (
          this.blockBytes > this.limits.maxHeaderBlockBytes ||
          this.continuations > this.limits.maxContinuations
        )
          return "header block too large";
        return null;
      case RST_STREAM:
        this.tick();
        return ++this.resets > this.limits.resetsPerWindow ? "rapid reset" : null;
      case SETTINGS:
      case PING:
        if ((flags & FLAG_ACK) !== 0) return null;
        this.tick();
        return ++this.control > this.limits.controlPerWindow ? "control frame flood" : null;
      default:
        return null;
    }
  }

  /** Starts a new window when the current one is over (read only for the rare frames counted). */
  private tick(): void {
    const t = this.now();
    if (t - this.windowStart < this.limits.windowMs) return;
    this.windowStart = t;
    this.resets = 0;
    this.control = 0;
  }
}
