/**
 * BuildKit's progress, as the Engine streams it for `/build?version=2`: `moby.buildkit.trace`
 * messages whose `aux` is a base64 protobuf StatusResponse (moby/buildkit control.proto). Only
 * what a deploy log needs is read: vertex names (the steps) when they start, their errors, and
 * the lines they print. A protobuf reader of a few lines instead of a generated decoder. Pure.
 */

interface Field {
  number: number;
  wire: number;
  value: bigint | Uint8Array;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    while (offset < bytes.length) {
      const byte = bytes[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error("truncated varint");
  };
  while (offset < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    const number = key >>> 3;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 2) {
      const length = Number(varint());
      yield { number, wire, value: bytes.subarray(offset, offset + length) };
      offset += length;
    } else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (value: bigint | Uint8Array) =>
  value instanceof Uint8Array ? new TextDecoder().decode(value) : "";

export interface TraceVertex {
  digest: string;
  name: string;
  started: boolean;
  completed: boolean;
  cached: boolean;
  error: string;
}

export interface TraceLog {
  vertex: string;
  message: string;
}

export function decodeTrace(aux: string): { vertexes: TraceVertex[]; logs: TraceLog[] } {
  const bytes = Buffer.from(aux, "base64");
  const vertexes: TraceVertex[] = [];
  const logs: TraceLog[] = [];
  for (const field of fields(bytes)) {
    if (field.wire !== 2) continue;
    const body = field.value as Uint8Array;
    if (field.number === 1) {
      const vertex: TraceVertex = {
        digest: "",
        name: "",
        started: false,
        completed: false,
        cached: false,
        error: "",
      };
      for (const f of fields(body)) {
        if (f.number === 1) vertex.digest = text(f.value);
        else if (f.number === 3) vertex.name = text(f.value);
        else if (f.number === 4) vertex.cached = f.value === 1n;
        else if (f.number === 5) vertex.started = true;
        else if (f.number === 6) vertex.completed = true;
        else if (f.number === 7) vertex.error = text(f.value);
      }
      vertexes.push(vertex);
    } else if (field.number === 3) {
      const log: TraceLog = { vertex: "", message: "" };
      for (const f of fields(body)) {
        if (f.number === 1) log.vertex = text(f.value);
        else if (f.number === 4) log.message = text(f.value);
      }
      logs.push(log);
    }
  }
  return { vertexes, logs };
}

/** Turns trace messages into deploy-log lines: each step once when it starts, its output, its error. */
export function traceLines(): (aux: string) => string[] {
  const seen = new Map<string, number>();
  return (aux) => {
    const out: string[] = [];
    const { vertexes, logs } = decodeTrace(aux);
    for (const v of vertexes) {
      if (!v.name || v.name.startsWith("[internal]")) continue;
      if (!seen.has(v.digest) && (v.started || v.cached)) {
        seen.set(v.digest, seen.size + 1);
        out.push(`#${seen.get(v.digest)} ${v.name}${v.cached ? " (cached)" : ""}`);
      }
      if (v.error) out.push(`#${seen.get(v.digest) ?? "?"} error: ${v.error}`);
    }
    for (const log of logs) {
      for (const line of log.message.split("\n"))
        if (line.trim()) out.push(`#${seen.get(log.vertex) ?? "?"} ${line}`);
    }
    return out;
  };
}
