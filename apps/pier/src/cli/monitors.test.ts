import { expect, test } from "bun:test";
import { parseCommandArgs } from "./command.ts";
import { monitorBodyFromFlags, monitorsCreateCommand } from "./monitors.ts";
import { channelConfigFromFlags, notifyAddCommand } from "./notify.ts";

const parse = (command: typeof monitorsCreateCommand, argv: string[]) => {
  const parsed = parseCommandArgs(command, argv);
  if (parsed === "help") throw new Error("help");
  return parsed;
};

test("monitors create flags map to the API body", () => {
  const args = parse(monitorsCreateCommand, [
    "shop",
    "https://shop.test/health",
    "--interval",
    "30",
    "--retries",
    "2",
    "--keyword",
    "ok",
    "--keyword-absent",
    "--no-follow-redirects",
    "--header",
    "Authorization: Bearer x:y",
  ]);
  expect(monitorBodyFromFlags(args, monitorsCreateCommand)).toEqual({
    name: "shop",
    kind: "http",
    target: "https://shop.test/health",
    intervalSeconds: 30,
    retries: 2,
    http: {
      keyword: "ok",
      keywordMode: "absent",
      followRedirects: false,
      headers: { Authorization: "Bearer x:y" },
    },
  });
  const tcp = parse(monitorsCreateCommand, ["db", "--tcp", "127.0.0.1:5432"]);
  expect(monitorBodyFromFlags(tcp, monitorsCreateCommand)).toEqual({
    name: "db",
    kind: "tcp",
    target: "127.0.0.1:5432",
  });
  const both = parse(monitorsCreateCommand, ["x", "http://a.test", "--tcp", "a:1"]);
  expect(() => monitorBodyFromFlags(both, monitorsCreateCommand)).toThrow("exactly one of a URL or --tcp");
  const badInterval = parse(monitorsCreateCommand, ["x", "http://a.test", "--interval", "1m"]);
  expect(() => monitorBodyFromFlags(badInterval, monitorsCreateCommand)).toThrow(
    "--interval must be a whole number",
  );
});

test("notify add builds one channel config", () => {
  const email = parse(notifyAddCommand, [
    "mail",
    "--email",
    "a@x.test, b@x.test",
    "--smtp-host",
    "smtp.x.test",
    "--smtp-port",
    "465",
    "--smtp-security",
    "tls",
    "--from",
    "pier@x.test",
  ]);
  expect(channelConfigFromFlags(email, notifyAddCommand)).toMatchObject({
    kind: "email",
    to: ["a@x.test", "b@x.test"],
    host: "smtp.x.test",
    port: 465,
    security: "tls",
  });
  const none = parse(notifyAddCommand, ["x"]);
  expect(() => channelConfigFromFlags(none, notifyAddCommand)).toThrow("exactly one of");
});
