import { expect, test } from "bun:test";
import { countryFromHeaders } from "./country-header.ts";

test("the first CDN country header that is set wins, upper-cased and trimmed", () => {
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": " de " }))).toBe("DE");
  expect(countryFromHeaders(new Headers({ "x-vercel-ip-country": "fr", "x-country-code": "IT" }))).toBe("FR");
  expect(countryFromHeaders(new Headers({ "x-country-code": "it" }))).toBe("IT");
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": "NL", "x-country-code": "IT" }))).toBe("NL");
});

test("unknown, Tor and malformed values mean no country", () => {
  expect(countryFromHeaders(new Headers())).toBeNull();
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": "XX" }))).toBeNull();
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": "T1" }))).toBeNull();
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": "DEU" }))).toBeNull();
  expect(countryFromHeaders(new Headers({ "cf-ipcountry": "1A" }))).toBeNull();
});
