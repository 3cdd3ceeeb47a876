import { expect, test } from "bun:test";
import { decodeTrace, traceLines } from "./buildkit-trace.ts";

// A StatusResponse written by hand in the protobuf wire format (field << 3 | wire type).
function field(number: number, bytes: Uint8Array): Uint8Array {
  return new Uint8Array([(number << 3) | 2, bytes.length, ...bytes]);
}
const str = (text: string) => new TextEncoder().encode(text);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

test("vertex names, starts, errors and log lines are read from BuildKit's trace", () => {
  const vertex = field(
    1,
    cat(field(1, str("sha256:aa")), field(3, str("[2/3] RUN bun install")), field(5, cat())),
  );
  const failed = field(
    1,
    cat(
      field(1, str("sha256:bb")),
      field(3, str("[3/3] RUN make")),
      field(5, cat()),
      field(7, str("exit 2")),
    ),
  );
  const log = field(3, cat(field(1, str("sha256:aa")), field(4, str("installed 3 packages\n"))));
  const aux = Buffer.from(cat(vertex, failed, log)).toString("base64");
  const decoded = decodeTrace(aux);
  expect(decoded.vertexes.map((v) => [v.name, v.started, v.error])).toEqual([
    ["[2/3] RUN bun install", true, ""],
    ["[3/3] RUN make", true, "exit 2"],
  ]);
  expect(decoded.logs).toEqual([{ vertex: "sha256:aa", message: "installed 3 packages\n" }]);
  const lines = traceLines();
  expect(lines(aux)).toEqual([
    "#1 [2/3] RUN bun install",
    "#2 [3/3] RUN make",
    "#2 error: exit 2",
    "#1 installed 3 packages",
  ]);
  // A step already announced is not repeated.
  expect(lines(Buffer.from(vertex).toString("base64"))).toEqual([]);
});
