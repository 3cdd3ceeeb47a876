import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { EgressRefusedError } from "./errors.ts";
import type { EgressPolicy } from "./policy.ts";

export type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * The address to connect to for `host`: the literal itself, or the first address DNS gives. Every
 * address the name resolves to must be allowed: a name that answers with one public and one
 * loopback address is refused rather than raced.
 */
export async function resolveAllowed(
  host: string,
  policy: EgressPolicy,
  resolve: Lookup = systemLookup,
): Promise<string> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const addresses = isIP(bare) !== 0 ? [bare] : await resolve(bare);
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  for (const address of addresses) {
    const verdict = policy.check(address);
    if (!verdict.allowed)
      throw new EgressRefusedError(address === bare ? address : `${bare} (${address})`, verdict.why!);
  }
  return addresses[0]!;
}
