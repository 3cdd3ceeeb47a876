import { describe, expect, test } from "bun:test";
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from "./acme-issuer.ts";
import { acmeSettingsFromEnv } from "./acme-settings.ts";
import { InvalidTlsSettingsError } from "./errors.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("acmeSettingsFromEnv", () => {
  test("off unless asked for", () => {
    expect(acmeSettingsFromEnv({})).toBe(false);
    expect(acmeSettingsFromEnv({ PIER_ACME: "off", PIER_ACME_EMAIL: "ops@example.com" })).toBe(false);
  });

  test("an email turns it on against Let's Encrypt production", () => {
    expect(acmeSettingsFromEnv({ PIER_ACME_EMAIL: "ops@example.com" })).toEqual({
      directoryUrl: LETS_ENCRYPT_PRODUCTION,
      email: "ops@example.com",
      caPem: undefined,
    });
  });

  test("directory aliases and custom URLs with a CA file", () => {
    expect(acmeSettingsFromEnv({ PIER_ACME_DIRECTORY: "staging" })).toMatchObject({
      directoryUrl: LETS_ENCRYPT_STAGING,
    });
    const settings = acmeSettingsFromEnv(
      { PIER_ACME_DIRECTORY: "https://127.0.0.1:14000/dir", PIER_ACME_CA_FILE: "/ca.pem" },
      () => PEM,
    );
    expect(settings).toEqual({ directoryUrl: "https://127.0.0.1:14000/dir", email: undefined, caPem: PEM });
  });

  test("garbage is refused with the variable named", () => {
    expect(() => acmeSettingsFromEnv({ PIER_ACME_EMAIL: "not-an-email" })).toThrow(/PIER_ACME_EMAIL/);
    expect(() => acmeSettingsFromEnv({ PIER_ACME_DIRECTORY: "ftp://x" })).toThrow(InvalidTlsSettingsError);
    expect(() => acmeSettingsFromEnv({ PIER_ACME: "yes" })).toThrow(/PIER_ACME/);
    expect(() => acmeSettingsFromEnv({ PIER_ACME: "on", PIER_ACME_CA_FILE: "/x" }, () => "hello")).toThrow(
      /no PEM certificate/,
    );
    expect(() =>
      acmeSettingsFromEnv({ PIER_ACME: "on", PIER_ACME_CA_FILE: "/missing" }, () => {
        throw new Error("ENOENT");
      }),
    ).toThrow(/cannot be read/);
  });
});

test("the Let's Encrypt directory constants match acme-client's (kept inline so it loads lazily)", () => {
  const acme = require("acme-client") as typeof import("acme-client");
  expect(LETS_ENCRYPT_PRODUCTION).toBe(acme.directory.letsencrypt.production);
  expect(LETS_ENCRYPT_STAGING).toBe(acme.directory.letsencrypt.staging);
});
