import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** Ranges no user-typed target may reach unless the operator allows them, with why. */
const refusedRanges: [string, number, "ipv4" | "ipv6", string][] = [
  ["0.0.0.0", 8, "ipv4", "this network"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local, where cloud metadata services answer"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["255.255.255.255", 32, "ipv4", "broadcast"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

export interface EgressVerdict {
  allowed: boolean;
  /** Why it is refused, for the error message. */
  why?: string;
}

export interface EgressPolicy {
  check(address: string): EgressVerdict;
}

function family(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 4 ? "ipv4" : "ipv6";
}

function addEntry(list: BlockList, entry: string): void {
  const [address, prefix] = entry.split("/");
  if (!address || isIP(address) === 0) throw new Error(`not an IP address or CIDR range: "${entry}"`);
  if (prefix === undefined) list.addAddress(address, family(address));
  else list.addSubnet(address, Number(prefix), family(address));
}

/** Every address of this machine's interfaces: the console listens on them when bound to 0.0.0.0. */
export function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info ? [info.address.replace(/%.*$/, "")] : []));
}

/**
 * The default refusals, the machine's own addresses, minus what the operator allows (`allow`:
 * IPs and CIDRs). IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function egressPolicy(
  options: { allow?: readonly string[]; ownAddresses?: readonly string[] } = {},
): EgressPolicy {
  const refused = refusedRanges.map(([address, prefix, type, why]) => {
    const list = new BlockList();
    list.addSubnet(address, prefix, type);
    return { list, why };
  });
  const own = new BlockList();
  for (const address of options.ownAddresses ?? [])
    if (isIP(address)) own.addAddress(address, family(address));
  const allowed = new BlockList();
  for (const entry of options.allow ?? []) addEntry(allowed, entry);
  return {
    check(address) {
      if (isIP(address) === 0) return { allowed: false, why: "not an IP address" };
      const type = family(address);
      if (allowed.check(address, type)) return { allowed: true };
      for (const { list, why } of refused) if (list.check(address, type)) return { allowed: false, why };
      if (own.check(address, type)) return { allowed: false, why: "an address of pier's own machine" };
      return { allowed: true };
    },
  };
}

/** No refusals at all: for tests of code that takes a policy, never for pier serve. */
export const unrestrictedEgress: EgressPolicy = { check: () => ({ allowed: true }) };
