import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { refuseNonPathTarget } from "./request-target.ts";

test("origin-form targets pass", () => {
  const s = fakeSession("GET /a?b HTTP/1.1\nHost: a.test\n\n");
  expect(refuseNonPathTarget(s)).toBe(false);
  expect(s.outcome).toBe("passed");
});

test("absolute-form and asterisk targets get a 400, unrecorded, and the connection closes", () => {
  for (const target of ["http://a.test/", "*"]) {
    const s = fakeSession(`OPTIONS ${target} HTTP/1.1\nHost: a.test\n\n`);
    expect(refuseNonPathTarget(s)).toBe(true);
    expect(s.answered?.res.status).toBe(400);
    expect(s.answered?.res.body).toContain("request target must be a path");
    expect(s.answered).toMatchObject({ closeForBody: true, record: false });
  }
});
