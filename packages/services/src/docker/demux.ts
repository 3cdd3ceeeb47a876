import { Transform, type TransformCallback } from "node:stream";

/**
 * Docker's multiplexed exec/attach stream (8-byte header: stream type, 3 zero bytes, big-endian
 * length) as a Transform that passes stdout on and keeps the tail of stderr. Unlike dockerode's
 * demuxStream it respects backpressure: a dump of many gigabytes is never held in memory when the
 * writer (compression, disk, S3) is slower than the database.
 */
export class ExecOutputDemux extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private stderrTail = "";

  constructor(private readonly stderrLimit = 16 * 1024) {
    super({ highWaterMark: 1 << 20 });
  }

  get stderr(): string {
    return this.stderrTail;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const type = this.pending[offset]!;
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - 8 < size) break;
      const payload = this.pending.subarray(offset + 8, offset + 8 + size);
      if (type === 2) this.keepStderr(payload);
      else this.push(Buffer.from(payload));
      offset += 8 + size;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    callback();
  }

  private keepStderr(payload: Buffer): void {
    this.stderrTail = (this.stderrTail + payload.toString("utf8")).slice(-this.stderrLimit);
  }
}
