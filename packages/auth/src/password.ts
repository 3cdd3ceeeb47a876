import { ValidationError } from "@pier/core";

export const minPasswordLength = 10;

export function checkPasswordPolicy(password: string): void {
  if (password.length < minPasswordLength) {
    throw new ValidationError(`Password must be at least ${minPasswordLength} characters long.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
}
