import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Crockford base32: no I, L, O or U to misread when typing the code from a log. */
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** 20 characters (100 bits) in groups of five: XXXXX-XXXXX-XXXXX-XXXXX. */
export function newSetupCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  const chars = Array.from(bytes, (b) => alphabet[b % 32]).join("");
  return chars.match(/.{5}/g)!.join("-");
}

/** What a user types: case, spaces and dashes do not matter. */
export function normalizeSetupCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

/**
 * Proof of control for the first admin: while no user exists, whoever reaches the console must
 * also show the code pier printed at start (and keeps in `<data-dir>/setup-code`, readable by
 * root and the pier user only), so reaching the port first is not enough to take the server.
 */
export interface SetupGate {
  accepts(code: string): boolean;
  /** The first admin exists: the code is spent and its file removed. */
  spend(): void;
}

export function setupCodePath(dataDir: string): string {
  return join(dataDir, "setup-code");
}

/**
 * With `needsSetup`, keeps the code of an earlier start (so the printed code stays valid across
 * restarts) or makes one; without, removes a stale file. Returns the code to print, if any.
 */
export function openSetupGate(
  dataDir: string,
  needsSetup: boolean,
): { gate: SetupGate; code: string | null } {
  const path = setupCodePath(dataDir);
  if (!needsSetup) {
    rmSync(path, { force: true });
    return { gate: { accepts: () => false, spend: () => {} }, code: null };
  }
  let code = existsSync(path) ? readFileSync(path, "utf8").trim() : "";
  if (normalizeSetupCode(code).length !== 20) {
    code = newSetupCode();
    writeFileSync(path, `${code}\n`, { mode: 0o600 });
  }
  let expected: Buffer | null = Buffer.from(normalizeSetupCode(code));
  return {
    code,
    gate: {
      accepts(given) {
        const candidate = Buffer.from(normalizeSetupCode(given));
        return (
          expected !== null && candidate.length === expected.length && timingSafeEqual(candidate, expected)
        );
      },
      spend() {
        expected = null;
        rmSync(path, { force: true });
      },
    },
  };
}
