import { timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { Context } from "hono";

/**
 * Which peers may tell pier who the client is. A peer outside the list is the client, whatever
 * X-Forwarded-For it sends: believing that header from anyone lets a caller pick its own address
 * and walk around every limit keyed by it.
 */
export interface TrustedProxies {
  trusts(address: string): boolean;
}

/** From `--trusted-proxies` entries (IPs and CIDR ranges, v4 or v6; IPv4-mapped v6 peers match v4 ranges). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address ?? "");
    if (family === 0) throw new Error(`not an IP address or CIDR range: "${entry}"`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(prefix), type);
  }
  return {
    trusts(address) {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/**
 * The client of a request: the TCP peer, or, when the peer is a trusted proxy, the nearest
 * X-Forwarded-For hop that is not itself a trusted proxy (proxies append, so the right end is the
 * freshest). Pure: the peer address and header come in as values.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: TrustedProxies,
): string {
  const direct = peer ?? "unknown";
  if (!peer || !forwardedFor || !trusted.trusts(peer)) return direct;
  const hops = forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.trusts(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? direct;
}

/** The TCP peer of a console request (Bun's server is Hono's env there). */
export function peerAddress(c: Context): string | undefined {
  const server = c.env as { requestIP?(request: Request): { address: string } | null } | undefined;
  return server?.requestIP?.(c.req.raw)?.address;
}

export function clientAddress(c: Context, trusted: TrustedProxies): string {
  return resolveClientAddress(peerAddress(c), c.req.header("x-forwarded-for"), trusted);
}

/**
 * The header pier's proxy workers add to what they forward to the console (ingest on app hosts),
 * carrying a secret made at each start. Only with it are X-Pier-App, X-Pier-Host and
 * X-Forwarded-For believed on ingest routes: a client sending them straight to the console gains
 * nothing. Workers remove any copy a client sends.
 */
export const EDGE_SECRET_HEADER = "x-pier-edge";

export interface RequestOrigin {
  /** The client: the address pier's proxy saw, a trusted proxy's forwarded address, or the peer. */
  address: string;
  /** Forwarded by pier's own proxy workers, so their X-Pier-* headers can be believed. */
  viaEdge: boolean;
}

export type OriginOf = (
  request: Request,
  server: { requestIP(request: Request): { address: string } | null },
) => RequestOrigin;

/** How the console tells where a request comes from, given the workers' secret and the trusted proxies. */
export function requestOrigins(edgeSecret: string, trusted: TrustedProxies): OriginOf {
  const expected = Buffer.from(edgeSecret);
  return (request, server) => {
    const peer = server.requestIP(request)?.address;
    const claimed = request.headers.get(EDGE_SECRET_HEADER);
    const viaEdge =
      claimed !== null &&
      claimed.length === expected.length &&
      timingSafeEqual(Buffer.from(claimed), expected);
    if (viaEdge) {
      // The worker overwrote X-Forwarded-For with the address it saw: one value, the client.
      const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
      return { address: forwarded || peer || "unknown", viaEdge };
    }
    return {
      address: resolveClientAddress(peer, request.headers.get("x-forwarded-for") ?? undefined, trusted),
      viaEdge,
    };
  };
}
