import { isIP } from "node:net";
import type { EgressPolicy } from "./policy.ts";
import { type Lookup, resolveAllowed } from "./resolve.ts";

export type EgressFetch = (input: string, init?: RequestInit) => Promise<Response>;

const maxRedirects = 10;

/** Where a host pier serves itself is reached (its own proxy), or null for any other host. */
export type OwnHostRoute = (url: URL) => Promise<{ address: string; port: number } | null>;

/**
 * fetch for user-typed URLs: the host is resolved and checked, then the request goes to that very
 * address (Host header and TLS server name keep the name, the certificate is verified against it),
 * so no second lookup can swap in another address. Redirects are followed here, hop by hop, each
 * hop checked again; `redirect: "manual"` hands 3xx answers back as fetch does.
 *
 * `ownHost`: hosts pier routes itself are reached at its own proxy, without DNS and without the
 * policy (their names resolve to this machine, which the policy refuses for every other name):
 * the proxy only forwards to what pier routes, as it does for anyone on the internet. Decided per
 * hop, so a redirect to another host is resolved and checked as usual.
 */
export function createEgressFetch(
  policy: EgressPolicy,
  resolve?: Lookup,
  ownHost?: OwnHostRoute,
): EgressFetch {
  return async function egressFetch(input, init = {}) {
    let url = new URL(input);
    let method = init.method ?? "GET";
    let body = init.body;
    for (let hop = 0; ; hop++) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new TypeError(`only http and https URLs are fetched, not ${url.protocol}`);
      }
      const own = await ownHost?.(url);
      const address = own?.address ?? (await resolveAllowed(url.hostname, policy, resolve));
      const response = await fetch(pinned(url, address, own?.port), {
        ...init,
        method,
        body,
        redirect: "manual",
        headers: { ...Object.fromEntries(new Headers(init.headers)), host: url.host },
        tls: {
          ...(init as { tls?: Record<string, unknown> }).tls,
          ...(isIP(url.hostname.replace(/^\[|\]$/g, "")) === 0 ? { serverName: url.hostname } : {}),
        },
      } as RequestInit);
      const location = response.headers.get("location");
      const redirected = response.status >= 300 && response.status < 400 && location !== null;
      if (!redirected || init.redirect === "manual") return response;
      if (init.redirect === "error") throw new TypeError(`redirected to ${location}`);
      if (hop >= maxRedirects) throw new TypeError(`more than ${maxRedirects} redirects`);
      await response.body?.cancel().catch(() => {});
      url = new URL(location, url);
      // As browsers do: 303, and a POST answered 301/302, continue as a bodiless GET.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
      }
    }
  };
}

/** The URL with its host replaced by the checked address (brackets for IPv6), and its port by `port`. */
function pinned(url: URL, address: string, port?: number): string {
  const copy = new URL(url);
  copy.hostname = isIP(address) === 6 ? `[${address}]` : address;
  if (port !== undefined) copy.port = String(port);
  return copy.toString();
}
