import { expect, test } from "bun:test";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { compileRoute } from "../../shared/route-table.ts";
import { parseResponseHead, type ResponseHead } from "../response-parser.ts";
import { ResponseWrite, responseFilter } from "./response-filter.ts";

const tracked = compileRoute(
  routeSpecSchema.parse({
    id: "r",
    host: "a.test",
    upstreams: ["http://127.0.0.1:3001"],
    injectTracker: true,
  }),
);
const untracked = compileRoute(
  routeSpecSchema.parse({ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }),
);

const head = (text: string): ResponseHead => parseResponseHead(Buffer.from(`${text}\r\n\r\n`, "latin1"))!;
const html = head("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 5");
const json = head("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2");
const hopByHop = head(
  "HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\ncontent-length: 2",
);

test("a plain answer passes byte for byte", () => {
  expect(responseFilter(untracked, false, "GET", true, json, false, false)).toBe(ResponseWrite.Verbatim);
  expect(responseFilter(tracked, false, "GET", true, json, false, false)).toBe(ResponseWrite.Verbatim);
});

test("hop-by-hop headers, a connection to close or a body to de-chunk rewrite the head", () => {
  expect(responseFilter(untracked, false, "GET", true, hopByHop, false, false)).toBe(
    ResponseWrite.RewrittenHead,
  );
  expect(responseFilter(untracked, false, "GET", true, json, true, false)).toBe(ResponseWrite.RewrittenHead);
  expect(responseFilter(untracked, false, "GET", false, json, false, true)).toBe(ResponseWrite.RewrittenHead);
});

test("HTML framed by Content-Length to a GET on a tracked route gets the tracker, nothing else does", () => {
  expect(responseFilter(tracked, false, "GET", true, html, false, false)).toBe(ResponseWrite.Injected);
  expect(responseFilter(tracked, false, "GET", true, html, true, false)).toBe(ResponseWrite.Injected);
  expect(responseFilter(untracked, false, "GET", true, html, false, false)).toBe(ResponseWrite.Verbatim);
  expect(responseFilter(tracked, true, "GET", true, html, false, false)).toBe(ResponseWrite.Verbatim);
  expect(responseFilter(tracked, false, "HEAD", true, html, false, false)).toBe(ResponseWrite.Verbatim);
  expect(responseFilter(tracked, false, "GET", false, html, false, false)).toBe(ResponseWrite.Verbatim);
});
