import { afterAll, afterEach, expect, spyOn, test } from "bun:test";
import { MissingServiceError, requireService, servicesRequired } from "./require-service.ts";

const warn = spyOn(console, "warn").mockImplementation(() => {});
afterEach(() => warn.mockClear());
afterAll(() => warn.mockRestore());

test("only CI=true makes services required", () => {
  expect(servicesRequired({ CI: "true" })).toBe(true);
  for (const CI of [undefined, "", "1", "false", "TRUE"]) expect(servicesRequired({ CI })).toBe(false);
});

test("a present service passes everywhere, without a word", () => {
  expect(requireService("PostgreSQL", null, "start it", { CI: "true" })).toBe(true);
  expect(requireService("PostgreSQL", null, "start it", {})).toBe(true);
  expect(warn).not.toHaveBeenCalled();
});

test("in CI a missing service throws what is missing and how to fix it", () => {
  const call = () =>
    requireService("PostgreSQL", "PIER_TEST_POSTGRES_URL is not set", ".ci/run starts one.", { CI: "true" });
  expect(call).toThrow(MissingServiceError);
  expect(call).toThrow(
    "PostgreSQL is required in CI (CI=true) but PIER_TEST_POSTGRES_URL is not set. .ci/run starts one.",
  );
  expect(warn).not.toHaveBeenCalled();
});

test("outside CI a missing service skips, warning once per service and reason", () => {
  const env = { CI: "1" };
  expect(requireService("Pebble", "/usr/bin/pebble is missing", "apt-get install pebble", env)).toBe(false);
  expect(requireService("Pebble", "/usr/bin/pebble is missing", "apt-get install pebble", env)).toBe(false);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]?.[0])).toBe(
    "skipping tests that need Pebble: /usr/bin/pebble is missing. apt-get install pebble",
  );
  expect(requireService("Pebble", "pebble-challtestsrv is missing", "apt-get install pebble", env)).toBe(
    false,
  );
  expect(warn).toHaveBeenCalledTimes(2);
});
