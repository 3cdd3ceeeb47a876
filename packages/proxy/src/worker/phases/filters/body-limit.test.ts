import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { limitBodySize, overBodyLimit } from "./body-limit.ts";

const routes = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"], maxBodyBytes: 10 }];

test("a declared body over the route's limit gets a recorded 413 and the connection closes", () => {
  const s = fakeSession("POST / HTTP/1.1\nHost: a.test\nContent-Length: 11\n\n", { routes });
  expect(limitBodySize(s)).toBe(true);
  expect(s.answered?.res.status).toBe(413);
  expect(s.answered?.res.body).toContain("up to 10 bytes");
  expect(s.answered).toMatchObject({ closeForBody: true, record: true });
});

test("bodies up to the limit, chunked bodies (checked as they stream) and routes without a limit pass", () => {
  expect(
    limitBodySize(fakeSession("POST / HTTP/1.1\nHost: a.test\nContent-Length: 10\n\n", { routes })),
  ).toBe(false);
  const chunked = fakeSession("POST / HTTP/1.1\nHost: a.test\nTransfer-Encoding: chunked\n\n", { routes });
  expect(limitBodySize(chunked)).toBe(false);
  expect(overBodyLimit(chunked.route!, 10)).toBe(false);
  expect(overBodyLimit(chunked.route!, 11)).toBe(true);
  const open = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }];
  expect(
    limitBodySize(
      fakeSession("POST / HTTP/1.1\nHost: a.test\nContent-Length: 99999999\n\n", { routes: open }),
    ),
  ).toBe(false);
});
