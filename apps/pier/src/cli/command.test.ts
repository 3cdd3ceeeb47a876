import { describe, expect, test } from "bun:test";
import { apiUrl } from "./api-client.ts";
import { type Command, intFlag, parseCommandArgs, renderCommandHelp, UsageError } from "./command.ts";

const command: Command = {
  name: "things delete",
  summary: "",
  usage: "pier things delete NAME",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    tail: { type: "string", help: "" },
    models: { type: "string", help: "", allowEmpty: true },
  },
  run: async () => 0,
};

describe("parseCommandArgs", () => {
  test("an empty required argument is missing, not sent to the server", () => {
    expect(() => parseCommandArgs(command, [""])).toThrow("missing argument <NAME>");
  });

  test("an empty flag value is refused unless the flag gives it a meaning", () => {
    expect(() => parseCommandArgs(command, ["x", "--tail", ""])).toThrow("--tail needs a value");
    expect(parseCommandArgs(command, ["x", "--models", ""])).toEqual({
      flags: { models: "" },
      positionals: ["x"],
    });
  });

  test("a negative number after a flag is named as such, not as an ambiguous argument", () => {
    expect(() => parseCommandArgs(command, ["x", "--tail", "-1"])).toThrow(
      "--tail -1: negative numbers are not accepted",
    );
    expect(() => parseCommandArgs(command, ["x", "--tail", "-v"])).toThrow("argument is ambiguous");
  });
});

describe("intFlag", () => {
  const parse = (value: string) =>
    intFlag({ flags: { tail: value }, positionals: [] }, "tail", command, { min: 0, max: 5000 });

  test("takes whole numbers in range", () => {
    expect(parse("200")).toBe(200);
    expect(parse("0")).toBe(0);
  });

  test.each(["abc", "-5", "1e400", "1.5", "5001", " "])("refuses %p with a usage error", (value) => {
    expect(() => parse(value)).toThrow(UsageError);
  });
});

describe("apiUrl", () => {
  const connection = { url: "http://127.0.0.1:7070" };

  test("keeps encoded names", () => {
    expect(apiUrl(connection, "/api/v1/apps/a%2Fb?x=1").pathname).toBe("/api/v1/apps/a%2Fb");
  });

  test.each([".", "..", "%2e%2e", ".%2E"])("refuses %p, which would change the route", (name) => {
    expect(() => apiUrl(connection, `/api/v1/apps/${name}`)).toThrow(UsageError);
  });
});

test("a command without flags still lists its options under an Options header", () => {
  const help = renderCommandHelp({ ...command, flags: {} });
  expect(help).toContain("\nOptions:\n  -h, --help");
});
