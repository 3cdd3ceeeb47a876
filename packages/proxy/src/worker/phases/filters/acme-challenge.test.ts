import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { answerAcmeChallenge } from "./acme-challenge.ts";

const acme = { tok123: "tok123.thumbprint" };

test("a pending token is answered over plain HTTP, query ignored, for any host, unrecorded", () => {
  const s = fakeSession("GET /.well-known/acme-challenge/tok123?x=1 HTTP/1.1\nHost: new.test\n\n", { acme });
  expect(answerAcmeChallenge(s)).toBe(true);
  expect(s.answered?.res).toMatchObject({ status: 200, body: "tok123.thumbprint" });
  expect(s.answered).toMatchObject({ closeForBody: false, record: false });
});

test("an unknown token is a 404 here, not the app's; a body that comes with it closes the connection", () => {
  const s = fakeSession(
    "POST /.well-known/acme-challenge/nope HTTP/1.1\nHost: a.test\nContent-Length: 3\n\n",
    {
      acme,
    },
  );
  expect(answerAcmeChallenge(s)).toBe(true);
  expect(s.answered?.res.status).toBe(404);
  expect(s.answered?.res.body).toContain("No ACME challenge is pending");
  expect(s.answered?.closeForBody).toBe(true);
});

test("HTTPS requests and other paths pass", () => {
  const tls = fakeSession("GET /.well-known/acme-challenge/tok123 HTTP/1.1\nHost: a.test\n\n", {
    acme,
    tls: true,
  });
  expect(answerAcmeChallenge(tls)).toBe(false);
  const other = fakeSession("GET /.well-known/security.txt HTTP/1.1\nHost: a.test\n\n", { acme });
  expect(answerAcmeChallenge(other)).toBe(false);
  expect(tls.outcome).toBe("passed");
  expect(other.outcome).toBe("passed");
});
