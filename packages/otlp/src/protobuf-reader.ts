/** The bytes are not a protobuf message of the shape being read. */
export class ProtobufError extends Error {}

/** Deepest nesting of messages read, and of JSON values (`jsonNestedDeeperThan`) in OTLP bodies. */
export const MAX_MESSAGE_DEPTH = 64;

/**
 * Whether `value` (parsed JSON) nests arrays and objects deeper than `max`, walked without
 * recursion: it is checked before the recursive schemas and decoders see it.
 */
export function jsonNestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Just enough of the protobuf wire format to walk OTLP messages: varints, fixed 32/64-bit, and
 * length-delimited fields. Unknown fields are skipped, as protobuf requires, so newer exporters
 * adding fields keep working.
 */
export class ProtoReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    /** How many messages this one is inside (the request itself is 0). */
    readonly depth = 0,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's tag: field number and wire type. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key & 7 };
  }

  /** A varint as a number; values above 2^53 lose precision (only lengths and enums are read this way). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError("truncated varint");
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  }

  /** A varint as a signed 64-bit integer (int64 attribute values). */
  int64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError("truncated varint");
      const byte = this.bytes[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  }

  fixed32(): number {
    this.need(4);
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
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

  /** A length-delimited field's bytes (a view, not a copy). */
  bytesField(): Uint8Array {
    const length = this.varint();
    this.need(length);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** A reader over an embedded message. */
  message(): ProtoReader {
    // The decoders recurse per nested message (an AnyValue array inside an array...): a sender
    // nesting thousands deep would exhaust the stack, where no exporter goes past a handful.
    if (this.depth >= MAX_MESSAGE_DEPTH)
      throw new ProtobufError(`messages nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
    const length = this.varint();
    this.need(length);
    const inner = new ProtoReader(this.bytes, this.pos, this.pos + length, this.depth + 1);
    this.pos += length;
    return inner;
  }

  string(): string {
    return decoder.decode(this.bytesField());
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.need(8);
        this.pos += 8;
        return;
      case 2:
        this.bytesField();
        return;
      case 5:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new ProtobufError(`unsupported protobuf wire type ${wire}`);
    }
  }

  private need(length: number): void {
    if (this.pos + length > this.end) throw new ProtobufError("truncated protobuf message");
  }
}

const decoder = new TextDecoder();

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
