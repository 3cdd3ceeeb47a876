import { expect, test } from "bun:test";
import { buildMessage, dotStuff, encodeHeader, envelopeAddress } from "./message.ts";
import { ReplyReader } from "./reply.ts";

test("reply reader joins multi-line replies across chunks", async () => {
  const reader = new ReplyReader();
  reader.push("250-mail.test\r\n250-AUTH PL");
  reader.push("AIN LOGIN\r\n250 8BITMIME\r\n220 ");
  expect(await reader.next()).toEqual({ code: 250, lines: ["mail.test", "AUTH PLAIN LOGIN", "8BITMIME"] });
  const pending = reader.next();
  reader.push("ready\r\n");
  expect(await pending).toEqual({ code: 220, lines: ["ready"] });
});

test("dot-stuffing and envelope addresses", () => {
  expect(dotStuff(".a\r\nb\r\n.\r\n..c")).toBe("..a\r\nb\r\n..\r\n...c");
  expect(envelopeAddress("pier <ops@x.test>")).toBe("ops@x.test");
  expect(encodeHeader("plain")).toBe("plain");
  expect(encodeHeader("✅ up")).toBe(`=?UTF-8?B?${Buffer.from("✅ up").toString("base64")}?=`);
});

test("message body survives any content as base64 lines of 76", () => {
  const text = `${"x".repeat(200)}\n.only a dot line\nünïcode`;
  const raw = buildMessage(
    { from: "a@b.test", to: ["c@d.test"], subject: "s", text },
    new Date(0),
    "id@b.test",
  );
  const [head, body] = raw.split("\r\n\r\n");
  expect(head).toContain("Content-Transfer-Encoding: base64");
  for (const line of body!.trim().split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
  expect(Buffer.from(body!.replace(/\r\n/g, ""), "base64").toString()).toBe(text.replace(/\n/g, "\r\n"));
});
