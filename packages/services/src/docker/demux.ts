import { Transform, type TransformCallback } from "node:stream";
import { streamChunk } from "../backup/chunks.ts";

/**
 * Docker's multiplexed exec/attach stream (8-byte header: stream type, 3 zero bytes, big-endian
 * length) as a Transform that passes stdout on and keeps the tail of stderr. Unlike dockerode's
 * demuxStream it respects backpressure: a dump of many gigabytes is never held in memory when the
 * writer (compression, disk, S3) is slower than the database.
 */
export class ExecOutputDemux extends Transform {
  /** Bytes of a frame header split across two chunks. */
  private header: Buffer = Buffer.alloc(0);
  /** Payload bytes left of the current frame, and its stream (1 stdout, 2 stderr). */
  private remaining = 0;
  private stream = 1;
  private stderrTail = "";

  constructor(private readonly stderrLimit = 16 * 1024) {
    super({ highWaterMark: streamChunk });
  }

  get stderr(): string {
    return this.stderrTail;
  }

  // Payloads go on as slices of the chunk they arrived in, a frame split across chunks in parts:
  // nothing is copied, which keeps the allocator's churn (and so pier's RSS) down on big dumps.
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.header.length, chunk.length - at);
        const part = chunk.subarray(at, at + take);
        this.header = this.header.length ? Buffer.concat([this.header, part]) : part;
        at += take;
        if (this.header.length < 8) break;
        this.stream = this.header[0]!;
        this.remaining = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const payload = chunk.subarray(at, at + take);
      if (this.stream === 2) this.keepStderr(payload);
      else this.push(payload);
      this.remaining -= take;
      at += take;
    }
    callback();
  }

  private keepStderr(payload: Buffer): void {
    this.stderrTail = (this.stderrTail + payload.toString("utf8")).slice(-this.stderrLimit);
  }
}
