import { describe, expect, test } from "bun:test";
import { cellName, MatrixFilterError, matrixCells } from "./matrix-cells.ts";

describe("proxy matrix cells", () => {
  test("the whole matrix: 2 upstreams x 2 thread counts x 5 connection shapes x 2 sizes x plain/TLS", () => {
    expect(matrixCells("")).toHaveLength(80);
  });

  test("a filter keeps only the named values", () => {
    const cells = matrixCells("upstream=nginx threads=2 conns=64,close size=small tls=plain");
    expect(cells.map(cellName)).toEqual([
      "nginx upstream, -t2, 64 keep-alive, small, plain",
      "nginx upstream, -t2, close (64 clients), small, plain",
    ]);
  });

  test("filters separated by ; add up, each cell once", () => {
    const cells = matrixCells(
      "upstream=bun threads=1 conns=64 size=small tls=plain; upstream=bun conns=64 size=small tls=plain",
    );
    expect(cells.map(cellName)).toEqual([
      "bun upstream, -t1, 64 keep-alive, small, plain",
      "bun upstream, -t2, 64 keep-alive, small, plain",
    ]);
  });

  test("unknown dimensions and values are refused with what is allowed", () => {
    expect(() => matrixCells("conns=5")).toThrow(MatrixFilterError);
    expect(() => matrixCells("conns=5")).toThrow("conns takes 64, 1000, 4000, 10000, close");
    expect(() => matrixCells("speed=fast")).toThrow("dimensions: upstream, threads, conns, size, tls");
  });
});
