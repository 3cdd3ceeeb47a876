import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { answerMaintenance } from "./maintenance.ts";

const routes = [
  {
    id: "r",
    host: "a.test",
    upstreams: ["http://127.0.0.1:3001"],
    maintenance: { message: "Back at 10:00 <UTC>", healthPath: "/healthz" },
  },
];

test("a route in maintenance answers 503 with its message (escaped) and Retry-After", () => {
  const s = fakeSession("POST /checkout HTTP/1.1\nHost: a.test\nContent-Length: 2\n\n", { routes });
  expect(answerMaintenance(s)).toBe(true);
  expect(s.answered?.res.status).toBe(503);
  expect(s.answered?.res.body).toContain("Back at 10:00 &#60;UTC&#62;");
  expect(s.answered?.res.headers).toContain("retry-after: 120\r\n");
  expect(s.answered).toMatchObject({ closeForBody: true, record: true });
});

test("the health path still reaches the app, with or without a query; routes in service pass", () => {
  expect(answerMaintenance(fakeSession("GET /healthz HTTP/1.1\nHost: a.test\n\n", { routes }))).toBe(false);
  expect(answerMaintenance(fakeSession("GET /healthz?full=1 HTTP/1.1\nHost: a.test\n\n", { routes }))).toBe(
    false,
  );
  expect(answerMaintenance(fakeSession("GET /healthz/x HTTP/1.1\nHost: a.test\n\n", { routes }))).toBe(true);
  const open = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }];
  expect(answerMaintenance(fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes: open }))).toBe(false);
});
