const DAY_MS = 86_400_000;

export function utcDay(ts: number): number {
  return Math.floor(ts / DAY_MS);
}

/** Where salts live between restarts; only today's and yesterday's are ever kept. */
export interface SaltStorage {
  load(): { day: number; salt: string }[];
  save(day: number, salt: string): void;
  deleteBefore(day: number): void;
}

/**
 * Daily rotating salts. Once a day's salt is deleted nobody (not even the operator) can link a
 * visitor id back to an IP and user agent, or link the same person across days: that is what lets
 * the tracker go without a cookie banner.
 */
export class SaltRing {
  private readonly salts = new Map<number, string>();

  constructor(private readonly storage: SaltStorage) {
    for (const { day, salt } of storage.load()) this.salts.set(day, salt);
  }

  saltFor(ts: number): string {
    const day = utcDay(ts);
    let salt = this.salts.get(day);
    if (salt === undefined) {
      salt = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
      this.salts.set(day, salt);
      this.storage.save(day, salt);
      for (const known of this.salts.keys()) if (known < day - 1) this.salts.delete(known);
      this.storage.deleteBefore(day - 1);
    }
    return salt;
  }
}

/** 48 bits of SHA-256: a safe JS integer, and collisions stay negligible at a million visitors a day. */
export function visitorId(salt: string, site: string, clientIp: string, userAgent: string): number {
  const digest = new Bun.CryptoHasher("sha256")
    .update(`${salt}\n${site}\n${clientIp}\n${userAgent}`)
    .digest();
  return digest.readUIntBE(0, 6);
}

export function memorySaltStorage(): SaltStorage {
  const rows = new Map<number, string>();
  return {
    load: () => [...rows].map(([day, salt]) => ({ day, salt })),
    save: (day, salt) => rows.set(day, salt),
    deleteBefore: (day) => {
      for (const key of rows.keys()) if (key < day) rows.delete(key);
    },
  };
}
