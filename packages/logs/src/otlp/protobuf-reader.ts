/** The protobuf input was not a valid message of the expected shape. */
export class ProtobufError extends Error {}

/**
 * A minimal protobuf wire-format reader: enough to walk OTLP messages field by field without a
 * code generator or a runtime library. Unknown fields are skipped, as protobuf requires.
 */
export class ProtobufReader {
  private pos: number;
  private readonly end: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key % 8 };
  }

  /** A varint as a number: exact up to 2^53, which covers lengths, enums and counts. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError("truncated varint");
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  }

  /** A signed 64-bit varint (int64), as a number (two's complement undone). */
  int64(): number {
    const value = this.varint();
    return value >= 2 ** 63 ? value - 2 ** 64 : value;
  }

  fixed64(): bigint {
    this.need(8);
    const value = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return value;
  }

  double(): number {
    this.need(8);
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  fixed32(): number {
    this.need(4);
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytesField(): Uint8Array {
    const length = this.varint();
    this.need(length);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return decoder.decode(this.bytesField());
  }

  /** A reader over an embedded message. */
  message(): ProtobufReader {
    const length = this.varint();
    this.need(length);
    const reader = new ProtobufReader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return reader;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.fixed64();
    else if (wire === 2) this.bytesField();
    else if (wire === 5) this.fixed32();
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufError("truncated message");
  }
}

const decoder = new TextDecoder();
