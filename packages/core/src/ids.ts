const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Short random ids with a readable prefix (`app_x7k2…`) so logs and URLs say what an id names. */
export function newId(prefix: string, length = 16): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}
