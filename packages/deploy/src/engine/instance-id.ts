import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "@pier/core";

/**
 * A stable id of this pier (its data dir), put on every container as `pier.instance`: two piers
 * sharing one Docker Engine (tests, staging beside production) never adopt or remove each other's.
 */
export function loadOrCreateInstanceId(dataDir: string): string {
  const path = join(dataDir, "instance-id");
  if (existsSync(path)) {
    const id = readFileSync(path, "utf8").trim();
    if (/^pier_[a-z0-9]+$/.test(id)) return id;
  }
  const id = newId("pier", 12);
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}
