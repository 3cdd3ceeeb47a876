import { readFileSync } from "node:fs";
import { z } from "zod";
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from "./acme-issuer.ts";
import { InvalidTlsSettingsError } from "./errors.ts";

const DIRECTORY_ALIASES: Record<string, string> = {
  production: LETS_ENCRYPT_PRODUCTION,
  letsencrypt: LETS_ENCRYPT_PRODUCTION,
  staging: LETS_ENCRYPT_STAGING,
  "letsencrypt-staging": LETS_ENCRYPT_STAGING,
};

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

export const acmeEnvSchema = z.object({
  PIER_ACME: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).optional()),
  PIER_ACME_EMAIL: z.preprocess(emptyAsUndefined, z.email().optional()),
  PIER_ACME_DIRECTORY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((value) => DIRECTORY_ALIASES[value] ?? value)
      .pipe(z.url({ protocol: /^https?$/ }))
      .optional(),
  ),
  PIER_ACME_CA_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
});

export interface AcmeSettings {
  directoryUrl: string;
  email?: string;
  caPem?: string;
}

/**
 * ACME from the environment. It is on when PIER_ACME=on, or when an email or directory is given
 * (and PIER_ACME is not "off"): a fresh install without either never sends orders to a public CA
 * for names that cannot validate yet.
 */
export function acmeSettingsFromEnv(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): AcmeSettings | false {
  const parsed = acmeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidTlsSettingsError(`${issue.path.join(".")}: ${issue.message}`);
  }
  const { PIER_ACME, PIER_ACME_EMAIL, PIER_ACME_DIRECTORY, PIER_ACME_CA_FILE } = parsed.data;
  const enabled = PIER_ACME === "on" || (PIER_ACME !== "off" && (PIER_ACME_EMAIL || PIER_ACME_DIRECTORY));
  if (!enabled) return false;
  let caPem: string | undefined;
  if (PIER_ACME_CA_FILE) {
    try {
      caPem = readFile(PIER_ACME_CA_FILE);
    } catch (error) {
      throw new InvalidTlsSettingsError(
        `PIER_ACME_CA_FILE ${PIER_ACME_CA_FILE} cannot be read (${(error as Error).message}); point it at a PEM file`,
      );
    }
    if (!caPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new InvalidTlsSettingsError(`PIER_ACME_CA_FILE ${PIER_ACME_CA_FILE} holds no PEM certificate`);
    }
  }
  return { directoryUrl: PIER_ACME_DIRECTORY ?? LETS_ENCRYPT_PRODUCTION, email: PIER_ACME_EMAIL, caPem };
}
