import { describe, expect, test } from "bun:test";
import { levelOfSeverityNumber, parseLevel } from "./level.ts";

describe("parseLevel", () => {
  test("JSON lines: level names, pino numbers, severity", () => {
    expect(parseLevel('{"level":"error","msg":"boom"}')).toBe("error");
    expect(parseLevel('{"level":50,"msg":"boom"}')).toBe("error");
    expect(parseLevel('{"level":30,"msg":"ok"}')).toBe("info");
    expect(parseLevel('{"level":60}')).toBe("fatal");
    expect(parseLevel('{"severity":"WARNING","message":"x"}')).toBe("warn");
    expect(parseLevel('{"msg":"no level"}')).toBeNull();
  });

  test("prefixes: bracketed, with a colon, after a timestamp", () => {
    expect(parseLevel("[ERROR] database down")).toBe("error");
    expect(parseLevel("ERROR: database down")).toBe("error");
    expect(parseLevel("warn - slow query")).toBe("warn");
    expect(parseLevel("2026-12-07 06:12:15 WARN disk at 90%")).toBe("warn");
    expect(parseLevel("2026-12-07T06:12:15Z [info] listening")).toBe("info");
    expect(parseLevel("DEBUG cache miss")).toBe("debug");
    expect(parseLevel("<panic> stack")).toBe("fatal");
  });

  test("logfmt level=", () => {
    expect(parseLevel('ts=2026-12-07 level=error msg="boom"')).toBe("error");
    expect(parseLevel("time=1 lvl=debug x=1")).toBe("debug");
  });

  test("words that only start like a level are not levels", () => {
    expect(parseLevel("Errors are counted per minute")).toBeNull();
    expect(parseLevel("information wants to be free")).toBeNull();
    expect(parseLevel("listening on :3000")).toBeNull();
    expect(parseLevel("an error happened later in the line")).toBeNull();
    expect(parseLevel("{not json level=warn")).toBe("warn");
  });

  test("bun run's line for a script stopped by SIGTERM is info: pier stops old replicas that way", () => {
    expect(parseLevel('error: script "start" was terminated by signal SIGTERM (Polite quit request)')).toBe(
      "info",
    );
    expect(parseLevel('error: script "web" was terminated by signal SIGINT (Interrupt)')).toBe("info");
    expect(parseLevel('error: script "start" was terminated by signal SIGKILL (Forced quit)')).toBe("error");
    expect(parseLevel('error: script "start" exited with code 1')).toBe("error");
  });
});

test("OTLP severity numbers map in fours", () => {
  expect(levelOfSeverityNumber(1)).toBe("trace");
  expect(levelOfSeverityNumber(9)).toBe("info");
  expect(levelOfSeverityNumber(13)).toBe("warn");
  expect(levelOfSeverityNumber(17)).toBe("error");
  expect(levelOfSeverityNumber(24)).toBe("fatal");
  expect(levelOfSeverityNumber(0)).toBeNull();
  expect(levelOfSeverityNumber(25)).toBeNull();
});
