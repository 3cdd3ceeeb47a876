import { expect, test } from "bun:test";
import {
  equalsLatin1,
  equalsLowerAscii,
  findLineEnd,
  HEAD_READY,
  HeaderLine,
  includesLowerAscii,
  LineKind,
  matchName,
  nameIndex,
  nameKey,
  parseDecimal,
  readHeaderLine,
  scanHeadEnd,
  skipOws,
  trimOwsEnd,
} from "./head-bytes.ts";

const b = (s: string) => Buffer.from(s, "latin1");

test("names compare ignoring ASCII case only", () => {
  expect(equalsLowerAscii(b("Content-Length"), 0, 14, "content-length")).toBe(true);
  expect(equalsLowerAscii(b("CONTENT-LENGTH"), 0, 14, "content-length")).toBe(true);
  expect(equalsLowerAscii(b("Content-Lengt"), 0, 13, "content-length")).toBe(false);
  // '\r' | 0x20 is '-': a CR where a dash belongs must not match.
  expect(equalsLowerAscii(b("content\rlength"), 0, 14, "content-length")).toBe(false);
  expect(equalsLowerAscii(b("hOst"), 0, 4, "host")).toBe(true);
  expect(includesLowerAscii(b("keep-alive, Upgrade"), 0, 19, "upgrade")).toBe(true);
  expect(includesLowerAscii(b("keep-alive"), 0, 10, "close")).toBe(false);
  expect(equalsLatin1(b("caf\xe9"), 0, 4, "caf\xe9")).toBe(true);
});

test("a name index groups names sharing (first letter, length)", () => {
  const index = nameIndex(["connection", "keep-alive", "content-length"]);
  const ten = index.get(nameKey(99, 10))!;
  expect(ten).toEqual(["connection"]);
  expect(matchName(b("Connection"), 0, 10, ten)).toBe("connection");
  expect(matchName(b("Connectiom"), 0, 10, ten)).toBeNull();
  expect(index.get(nameKey(75, 10))).toEqual(["keep-alive"]);
});

test("decimals are 1*DIGIT and safe; white space is trimmed around values", () => {
  expect(parseDecimal(b("1234"), 0, 4)).toBe(1234);
  expect(parseDecimal(b("0"), 0, 1)).toBe(0);
  for (const bad of ["", "-1", "1e3", "0x10", "1 2", "12a", "99999999999999999999"]) {
    expect(parseDecimal(b(bad), 0, bad.length)).toBe(-1);
  }
  const v = b("x: \t 42 \t");
  const start = skipOws(v, 2, v.length);
  expect([start, trimOwsEnd(v, start, v.length)]).toEqual([5, 7]);
  expect(trimOwsEnd(v, 2, 4)).toBe(2);
});

test("head lines: ends found, bare CRs told apart from incomplete lines, only indexed names read", () => {
  expect(findLineEnd(b("GET / HTTP/1.1\r\n"), 0)).toBe(14);
  expect(findLineEnd(b("GET / HTTP/1.1\r"), 0)).toBe(-1);
  expect(findLineEnd(b("GET / HTTP/1.1"), 0)).toBe(-1);
  expect(findLineEnd(b("GET /\rx HTTP/1.1\r\n"), 0)).toBe(-2);

  const names = nameIndex(["host", "connection"]);
  const line = new HeaderLine();
  const head = b("Host:  a.test \r\nX-Other: v\r\nnocolon\r\n\r\n");
  expect(readHeaderLine(head, 0, names, line)).toBe(LineKind.Header);
  expect([line.name, head.toString("latin1", line.valueStart, line.valueEnd), line.end]).toEqual([
    "host",
    "a.test",
    14,
  ]);
  expect(readHeaderLine(head, 16, names, line)).toBe(LineKind.Header);
  expect(line.name).toBeNull();
  expect(readHeaderLine(head, line.end + 2, names, line)).toBe(LineKind.NoColon);
  expect(readHeaderLine(head, head.length - 2, names, line)).toBe(LineKind.End);
  expect(readHeaderLine(b("Host: a"), 0, names, line)).toBe(LineKind.Incomplete);
  expect(readHeaderLine(b("Host: a\rb\r\n"), 0, names, line)).toBe(LineKind.BareCr);
  expect(readHeaderLine(b(": empty name\r\n"), 0, names, line)).toBe(LineKind.Header);
  expect(line.colon).toBe(0);
});

test("lines other HTTP readers would split or join differently are told apart", () => {
  const names = nameIndex(["host"]);
  const line = new HeaderLine();
  expect(findLineEnd(b("X: a\nb\r\n"), 0)).toBe(-3);
  expect(findLineEnd(b("X: a\0b\r\n"), 0)).toBe(-3);
  expect(findLineEnd(b("X: a\tb \xe9\r\n"), 0)).toBe(8);
  const kinds: [string, LineKind][] = [
    ["X: a\nHost: b\r\n", LineKind.BadByte],
    ["X: a\0\r\n", LineKind.BadByte],
    [" folded\r\n", LineKind.Folded],
    ["\tfolded\r\n", LineKind.Folded],
    ["Host : a\r\n", LineKind.BadName],
    ["Ho st: a\r\n", LineKind.BadName],
    ["Host\t: a\r\n", LineKind.BadName],
    ["X(y): a\r\n", LineKind.BadName],
    ["X-Y_z.1~!#$%&'*+^`|: ok\r\n", LineKind.Header],
  ];
  for (const [text, kind] of kinds)
    expect([text, readHeaderLine(b(text), 0, names, line)]).toEqual([text, kind]);
});

test("a head scanned in pieces is ready at the piece that ends it, wherever it is split", () => {
  const head = b("GET / HTTP/1.1\r\nhost: a.test\r\nx: \t1\r\n\r\n");
  for (let cut = 1; cut < head.length; cut++) {
    const first = scanHeadEnd(head.subarray(0, cut), 0, 0);
    if (cut < head.length) expect(first).not.toBe(HEAD_READY);
    expect(scanHeadEnd(head.subarray(cut), 0, first)).toBe(HEAD_READY);
  }
  // One byte at a time: ready exactly at the last one.
  let m = 0;
  for (let i = 0; i < head.length; i++) {
    m = scanHeadEnd(head.subarray(i, i + 1), 0, m);
    expect(m === HEAD_READY).toBe(i === head.length - 1);
  }
});

test("a head scan stops at the bytes the parser refuses, so they are refused at once", () => {
  for (const bad of ["GET / HTTP/1.1\nhost", "GET / HTTP/1.1\r\nx: a\rb", "GET /\0", "x: \x7f", "a\r\r"]) {
    expect(scanHeadEnd(b(bad), 0, 0)).toBe(HEAD_READY);
  }
  expect(scanHeadEnd(b("GET / HTTP/1.1\r\nhost: a\r"), 0, 0)).toBe(1);
  expect(scanHeadEnd(b("GET / HTTP/1.1\r\nhost: a\r\n"), 0, 0)).toBe(2);
  // A CR ends a piece: the LF opening the next one is no bare LF.
  expect(scanHeadEnd(b("\nx"), 0, 1)).toBe(0);
});
